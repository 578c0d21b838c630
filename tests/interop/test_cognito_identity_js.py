"""amazon-cognito-identity-js 6.3 (the real npm package) against a running server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import PASSWORD, RunningServer
from tests.interop.conftest import Wire, node_config, run_node, step, step_error

pytestmark = pytest.mark.interop

NEW_PASSWORD = "N3w-Passw0rd!"


def identity_js(server: RunningServer, pool: dict[str, Any], wire: Wire, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return run_node("cognito_identity_js.mjs", node_config(server, pool, wire.url, steps=steps))


def test_srp_authenticate_get_session_and_refresh(server, pool, make_user, wire):
    username = make_user(pool, groups=["admins"])
    result = identity_js(server, pool, wire, [
        {"do": "version"},
        {"do": "authenticateUser", "username": username, "password": PASSWORD},
        {"do": "getSession"},
        {"do": "getUserAttributes"},
        {"do": "refreshSession"},
    ])
    assert step(result, 0)["version"].startswith("6.3.")
    signed_in = step(result, 1, "authenticateUser")
    assert signed_in["callback"] == "onSuccess" and signed_in["session"]["isValid"]
    session = step(result, 2, "getSession")
    assert session["accessToken"] == signed_in["session"]["accessToken"]
    access = session["accessPayload"]
    assert access["token_use"] == "access" and access["username"] == username and access["cognito:groups"] == ["admins"]
    assert session["idPayload"]["token_use"] == "id" and session["idPayload"]["aud"] == pool["client_id"]
    attributes = step(result, 3, "getUserAttributes")
    assert attributes["email"] == f"{username}@example.com" and attributes["sub"] == access["sub"]
    refreshed = step(result, 4, "refreshSession")
    assert refreshed["isValid"] and refreshed["accessPayload"]["jti"] != access["jti"]
    assert refreshed["refreshToken"] == session["refreshToken"]  # no rotation: the library keeps the old one

    assert [(c.op, c.status) for c in wire.calls] == [
        ("InitiateAuth", 200), ("RespondToAuthChallenge", 200), ("GetUser", 200), ("InitiateAuth", 200),
    ]
    initiate, respond, _, refresh = (c.request for c in wire.calls)
    assert initiate["AuthFlow"] == "USER_SRP_AUTH" and initiate["ClientMetadata"] == {}
    assert respond["ChallengeName"] == "PASSWORD_VERIFIER"
    assert refresh["AuthFlow"] == "REFRESH_TOKEN_AUTH" and refresh["AuthParameters"]["REFRESH_TOKEN"] == session["refreshToken"]
    # The server accepts the library's tokens, before and after the refresh.
    for token in (session["accessToken"], refreshed["accessToken"]):
        assert server.public.get_user(AccessToken=token)["Username"] == username


def test_wrong_password_and_user_password_auth(server, pool, make_user, wire):
    username = make_user(pool)
    result = identity_js(server, pool, wire, [
        {"do": "authenticateUser", "username": username, "password": "Wr0ng-Passw0rd!", "catch": True},
        {"do": "authenticateUser", "username": username, "password": "Wr0ng-Passw0rd!", "authFlow": "USER_PASSWORD_AUTH",
         "catch": True},
        {"do": "authenticateUser", "username": username, "password": PASSWORD, "authFlow": "USER_PASSWORD_AUTH"},
        {"do": "globalSignOut"},
    ])
    for i in (0, 1):
        error = step_error(result, i)
        assert error["name"] == "NotAuthorizedException" and error["code"] == "NotAuthorizedException"
        assert error["message"]
    signed_in = step(result, 2, "authenticateUser")
    assert signed_in["callback"] == "onSuccess"
    step(result, 3, "globalSignOut")

    assert [(c.op, c.error) for c in wire.calls] == [
        ("InitiateAuth", None),
        ("RespondToAuthChallenge", "NotAuthorizedException"),
        ("InitiateAuth", "NotAuthorizedException"),
        ("InitiateAuth", None),
        ("GlobalSignOut", None),
    ]
    assert wire.calls[3].request["AuthFlow"] == "USER_PASSWORD_AUTH"
    # The library forgets its session after GlobalSignOut; the server refuses the old tokens.
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.get_user(AccessToken=signed_in["session"]["accessToken"])
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.initiate_auth(
            ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": signed_in["session"]["refreshToken"]},
        )


def test_new_password_required_callback(server, pool, wire):
    username = f"invited-{uuid.uuid4().hex[:8]}"
    temporary = "Temp-Passw0rd1"
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"],
        Username=username,
        TemporaryPassword=temporary,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    result = identity_js(server, pool, wire, [
        {"do": "authenticateUser", "username": username, "password": temporary, "newPassword": NEW_PASSWORD},
        {"do": "getSession"},
    ])
    answer = step(result, 0, "authenticateUser")
    assert answer["callback"] == "newPasswordRequired"
    assert answer["userAttributes"]["email"] == f"{username}@example.com"
    assert answer["requiredAttributes"] == []
    assert answer["completed"]["isValid"]
    access = step(result, 1, "getSession")["accessToken"]
    assert server.public.get_user(AccessToken=access)["Username"] == username

    assert [(c.op, c.status) for c in wire.calls] == [
        ("InitiateAuth", 200), ("RespondToAuthChallenge", 200), ("RespondToAuthChallenge", 200),
    ]
    assert wire.calls[2].request["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "CONFIRMED"


def test_device_flow_remembered_device_skips_totp(server, make_user, sign_in, wire):
    """ConfirmDevice done by the library after a TOTP sign-in, setDeviceStatusRemembered, then a
    sign-in that the library completes through DEVICE_SRP_AUTH with no TOTP code; listDevices,
    forgetDevice."""
    from tests.server.test_devices import device_pool
    from tests.server.test_mfa import code, set_up_totp

    pool = device_pool(server, challenge=True, prompt=True)
    username = make_user(pool)
    secret = set_up_totp(server, pool, username, sign_in)
    wire.clear()
    result = identity_js(server, pool, wire, [
        {"do": "authenticateUser", "username": username, "password": PASSWORD, "totpCode": code(secret, 1)},
        {"do": "setDeviceStatusRemembered"},
        {"do": "signOut"},
        {"do": "authenticateUser", "username": username, "password": PASSWORD},
        {"do": "listDevices", "limit": 10},
        {"do": "forgetDevice"},
        {"do": "listDevices", "limit": 10},
    ])
    first = step(result, 0, "authenticateUser")
    assert first["callback"] == "onSuccess" and first["userConfirmationNecessary"] is True
    device_key = first["deviceKey"]
    assert device_key and device_key.startswith(pool["region"] + "_")
    assert first["session"]["accessPayload"]["device_key"] == device_key
    second = step(result, 3, "authenticateUser")
    assert second["callback"] == "onSuccess" and second["session"]["accessPayload"]["device_key"] == device_key
    listed = step(result, 4, "listDevices")["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device_key]
    assert {"Name": "dev:device_remembered_status", "Value": "remembered"} in listed[0]["DeviceAttributes"]
    assert step(result, 6, "listDevices")["Devices"] == []

    challenges = [c.request.get("ChallengeName") for c in wire.find("RespondToAuthChallenge")]
    assert challenges == ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA", "PASSWORD_VERIFIER", "DEVICE_SRP_AUTH",
                          "DEVICE_PASSWORD_VERIFIER"]
    assert all(c.status == 200 for c in wire.calls), [(c.op, c.status, c.error) for c in wire.calls]
    confirm = wire.find("ConfirmDevice")[0].request
    assert confirm["DeviceKey"] == device_key and set(confirm["DeviceSecretVerifierConfig"]) == {"PasswordVerifier", "Salt"}
    assert wire.find("UpdateDeviceStatus")[0].request["DeviceRememberedStatus"] == "remembered"
    second_verifier = wire.find("RespondToAuthChallenge")[2].request  # the library names its device here
    assert second_verifier["ChallengeResponses"]["DEVICE_KEY"] == device_key
    assert [c.request["DeviceKey"] for c in wire.find("ForgetDevice")] == [device_key]
