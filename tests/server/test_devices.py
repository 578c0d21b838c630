"""Tracked devices over the wire: DeviceConfiguration, NewDeviceMetadata, ConfirmDevice, the
DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER challenges in place of MFA, the device operations
and their Admin* forms, and DeviceKey on refresh.

The client half of device SRP is ``userpool.srp`` (the same maths as amazon-cognito-identity-js
and Amplify; tests/interop runs those against the server too).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.server.helpers import claims, ok, rejected, rejected_recording, rpc, unique
from tests.server.test_mfa import code, set_up_totp
from userpool import srp


@dataclass
class DeviceSecret:
    """What a client keeps for a device (Amplify's device metadata)."""

    key: str
    group_key: str
    password: str


def device_pool(server: RunningServer, *, challenge: bool = True, prompt: bool = False) -> dict[str, Any]:
    pool = create_pool(server, DeviceConfiguration={"ChallengeRequiredOnNewDevice": challenge,
                                                    "DeviceOnlyRememberedOnUserPrompt": prompt})
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
                                          SoftwareTokenMfaConfiguration={"Enabled": True})
    return pool


def srp_first_factor(server: RunningServer, pool: dict[str, Any], username: str, device_key: str | None = None,
                     password: str = PASSWORD) -> dict[str, Any]:
    """USER_SRP_AUTH + PASSWORD_VERIFIER (with DEVICE_KEY in both, as the real clients send it)."""
    eph = srp.client_ephemeral()
    extra = {"DEVICE_KEY": device_key} if device_key else {}
    first = ok(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH",
                                        "AuthParameters": {"USERNAME": username, "SRP_A": eph.srp_a, **extra}})
    params = first["ChallengeParameters"]
    signature, timestamp = srp.password_claim(eph, pool["pool_id"], params["USER_ID_FOR_SRP"], password, params["SALT"],
                                              params["SRP_B"], params["SECRET_BLOCK"])
    answers = {"USERNAME": params["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
               "TIMESTAMP": timestamp, "PASSWORD_CLAIM_SIGNATURE": signature, **extra}
    return ok(server, "RespondToAuthChallenge", {"ClientId": pool["client_id"], "ChallengeName": "PASSWORD_VERIFIER",
                                                 "ChallengeResponses": answers})


def answer_totp(server: RunningServer, pool: dict[str, Any], step: dict[str, Any], username: str, secret: str) -> dict[str, Any]:
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA", step
    return ok(server, "RespondToAuthChallenge", {
        "ClientId": pool["client_id"], "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": step["Session"],
        "ChallengeResponses": {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code(secret, 1)}})


def confirm(server: RunningServer, access: str, metadata: dict[str, str], name: str = "laptop") -> tuple[DeviceSecret, dict[str, Any]]:
    """ConfirmDevice as Amplify's getNewDeviceMetadata does it: a random password, its verifier."""
    secret = DeviceSecret(metadata["DeviceKey"], metadata["DeviceGroupKey"], srp.new_device_password())
    salt, verifier = srp.device_verifier(secret.group_key, secret.key, secret.password)
    config = {"Salt": base64.b64encode(bytes.fromhex(salt)).decode(),
              "PasswordVerifier": base64.b64encode(bytes.fromhex(srp.pad_hex(verifier))).decode()}
    out = ok(server, "ConfirmDevice", {"AccessToken": access, "DeviceKey": secret.key, "DeviceName": name,
                                       "DeviceSecretVerifierConfig": config})
    return secret, out


def device_srp_start(server: RunningServer, pool: dict[str, Any], step: dict[str, Any], username: str,
                     device: DeviceSecret) -> tuple[srp.ClientEphemeral, dict[str, Any]]:
    assert step["ChallengeName"] == "DEVICE_SRP_AUTH", step
    eph = srp.client_ephemeral()
    out = ok(server, "RespondToAuthChallenge", {
        "ClientId": pool["client_id"], "ChallengeName": "DEVICE_SRP_AUTH", "Session": step["Session"],
        "ChallengeResponses": {"USERNAME": username, "DEVICE_KEY": device.key, "SRP_A": eph.srp_a}})
    assert out["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    return eph, out


def device_proof(pool: dict[str, Any], eph: srp.ClientEphemeral, verifier_step: dict[str, Any], device: DeviceSecret,
                 password: str | None = None) -> dict[str, Any]:
    params = verifier_step["ChallengeParameters"]
    signature, timestamp = srp.device_password_claim(eph, device.group_key, device.key, password or device.password,
                                                     params["SALT"], params["SRP_B"], params["SECRET_BLOCK"])
    return {"ClientId": pool["client_id"], "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": verifier_step["Session"],
            "ChallengeResponses": {"USERNAME": params["USERNAME"], "DEVICE_KEY": device.key, "TIMESTAMP": timestamp,
                                   "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                                   "PASSWORD_CLAIM_SIGNATURE": signature}}


def remembered_user(server: RunningServer, make_user: Any, sign_in: Any, **pool_args: Any) -> tuple[dict[str, Any], str, str, DeviceSecret, dict[str, Any]]:
    """A TOTP user whose first SRP sign-in confirmed a device: (pool, user, totp secret, device, tokens)."""
    pool = device_pool(server, **pool_args)
    username = make_user(pool)
    totp = set_up_totp(server, pool, username, sign_in)
    result = answer_totp(server, pool, srp_first_factor(server, pool, username), username, totp)["AuthenticationResult"]
    device, _ = confirm(server, result["AccessToken"], result["NewDeviceMetadata"])
    return pool, username, totp, device, result


# ------------------------------------------------------------------ the pool setting and the new device


def test_device_configuration_round_trip_and_no_tracking_without_it(server, make_user):
    pool = device_pool(server, challenge=True, prompt=True)
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    assert described["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
    plain = create_pool(server)
    username = make_user(plain)
    result = srp_first_factor(server, plain, username)["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result and "device_key" not in claims(result["AccessToken"])
    assert server.query("SELECT COUNT(*) FROM devices WHERE pool_id = ?", plain["pool_id"]) == [(0,)]


def test_new_device_metadata_confirm_and_the_remembered_device_skips_totp(server, make_user, sign_in):
    pool, username, _, device, first = remembered_user(server, make_user, sign_in)
    assert device.key.startswith(pool["region"] + "_") and device.group_key
    assert claims(first["AccessToken"])["device_key"] == device.key
    step = srp_first_factor(server, pool, username, device.key)  # the second sign-in: no TOTP code asked
    eph, verifier_step = device_srp_start(server, pool, step, username, device)
    assert set(verifier_step["ChallengeParameters"]) >= {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME"}
    done = ok(server, "RespondToAuthChallenge", device_proof(pool, eph, verifier_step, device))["AuthenticationResult"]
    assert "NewDeviceMetadata" not in done and claims(done["AccessToken"])["device_key"] == device.key
    listed = ok(server, "ListDevices", {"AccessToken": done["AccessToken"]})["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device.key]
    attributes = {a["Name"]: a["Value"] for a in listed[0]["DeviceAttributes"]}
    assert attributes["device_name"] == "laptop" and attributes["dev:device_remembered_status"] == "remembered"
    assert listed[0]["DeviceLastAuthenticatedDate"] >= listed[0]["DeviceCreateDate"]


def test_without_challenge_required_on_new_device_mfa_is_still_asked(server, make_user, sign_in):
    pool, username, _, device, _ = remembered_user(server, make_user, sign_in, challenge=False)
    assert srp_first_factor(server, pool, username, device.key)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_user_prompt_leaves_the_device_not_remembered_until_update_device_status(server, make_user, sign_in):
    pool = device_pool(server, prompt=True)
    username = make_user(pool)
    totp = set_up_totp(server, pool, username, sign_in)
    result = answer_totp(server, pool, srp_first_factor(server, pool, username), username, totp)["AuthenticationResult"]
    device, out = confirm(server, result["AccessToken"], result["NewDeviceMetadata"])
    assert out["UserConfirmationNecessary"] is True
    again = srp_first_factor(server, pool, username, device.key)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # confirmed but not remembered: MFA as before
    ok(server, "UpdateDeviceStatus", {"AccessToken": result["AccessToken"], "DeviceKey": device.key,
                                      "DeviceRememberedStatus": "remembered"})
    assert srp_first_factor(server, pool, username, device.key)["ChallengeName"] == "DEVICE_SRP_AUTH"
    server.admin.admin_update_device_status(UserPoolId=pool["pool_id"], Username=username, DeviceKey=device.key,
                                            DeviceRememberedStatus="not_remembered")
    assert srp_first_factor(server, pool, username, device.key)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


# ------------------------------------------------------------------ refused device sign-ins


def test_a_wrong_device_password_verifier_is_refused_and_counted(server, make_user, sign_in):
    pool, username, _, device, _ = remembered_user(server, make_user, sign_in)
    eph, verifier_step = device_srp_start(server, pool, srp_first_factor(server, pool, username, device.key), username, device)
    body = device_proof(pool, eph, verifier_step, device, password=srp.new_device_password())
    rejected_recording(server, "RespondToAuthChallenge", body, "NotAuthorizedException", tables={"users", "auth_sessions"})
    assert server.query("SELECT failed_attempts FROM users WHERE pool_id = ? AND username = ?", pool["pool_id"], username) == [(1,)]


def test_device_srp_auth_for_another_device_key_is_refused(server, make_user, sign_in):
    pool, username, _, device, _ = remembered_user(server, make_user, sign_in)
    step = srp_first_factor(server, pool, username, device.key)
    other = DeviceSecret(f"{pool['region']}_00000000-0000-0000-0000-000000000000", device.group_key, device.password)
    body = {"ClientId": pool["client_id"], "ChallengeName": "DEVICE_SRP_AUTH", "Session": step["Session"],
            "ChallengeResponses": {"USERNAME": username, "DEVICE_KEY": other.key, "SRP_A": srp.client_ephemeral().srp_a}}
    rejected_recording(server, "RespondToAuthChallenge", body, "ResourceNotFoundException", tables={"auth_sessions"})
    missing = {**body, "ChallengeResponses": {"USERNAME": username, "DEVICE_KEY": device.key}}
    rejected(server, "RespondToAuthChallenge", missing, "InvalidParameterException", message="SRP_A")


# ------------------------------------------------------------------ the device operations' errors


def test_device_operations_refuse_unknown_and_other_users_devices(server, make_user, sign_in):
    pool, username, _, device, tokens = remembered_user(server, make_user, sign_in)
    other_user = make_user(pool)
    other = sign_in(pool, other_user)  # USER_PASSWORD_AUTH: a device of its own, not confirmed
    access = tokens["AccessToken"]
    unknown = f"{pool['region']}_11111111-2222-3333-4444-555555555555"
    for key in (unknown, other["NewDeviceMetadata"]["DeviceKey"]):
        rejected(server, "GetDevice", {"AccessToken": access, "DeviceKey": key}, "ResourceNotFoundException")
        rejected(server, "UpdateDeviceStatus", {"AccessToken": access, "DeviceKey": key, "DeviceRememberedStatus": "remembered"},
                 "ResourceNotFoundException")
        rejected(server, "ForgetDevice", {"AccessToken": access, "DeviceKey": key}, "ResourceNotFoundException")
        rejected(server, "ConfirmDevice", {"AccessToken": access, "DeviceKey": key,
                                           "DeviceSecretVerifierConfig": {"PasswordVerifier": "AQID", "Salt": "AQID"}},
                 "ResourceNotFoundException")
        admin = {"UserPoolId": pool["pool_id"], "Username": username, "DeviceKey": key}
        rejected(server, "AdminGetDevice", admin, "ResourceNotFoundException")
        rejected(server, "AdminForgetDevice", admin, "ResourceNotFoundException")
        rejected(server, "AdminUpdateDeviceStatus", {**admin, "DeviceRememberedStatus": "remembered"}, "ResourceNotFoundException")
    rejected(server, "AdminGetDevice", {"UserPoolId": pool["pool_id"], "Username": unique(), "DeviceKey": device.key},
             "UserNotFoundException")
    rejected(server, "GetDevice", {"DeviceKey": device.key}, "InvalidParameterException")
    rejected(server, "ListDevices", {"AccessToken": "not-a-token"}, "NotAuthorizedException")
    rejected(server, "ListDevices", {"AccessToken": access, "PaginationToken": "bm9wZQ"}, "InvalidParameterException")
    rejected(server, "AdminGetDevice", {"UserPoolId": pool["pool_id"], "Username": username, "DeviceKey": device.key},
             "MissingAuthenticationTokenException", status=403, signed=False)


def test_confirm_device_refuses_a_second_confirmation_and_bad_verifiers(server, make_user, sign_in):
    pool, _, _, device, tokens = remembered_user(server, make_user, sign_in)
    config = {"PasswordVerifier": "AQID", "Salt": "AQID"}
    rejected(server, "ConfirmDevice", {"AccessToken": tokens["AccessToken"], "DeviceKey": device.key,
                                       "DeviceSecretVerifierConfig": config}, "NotAuthorizedException")
    fresh = sign_in(pool, make_user(pool))  # a new device, not confirmed yet
    for bad in ({"PasswordVerifier": "not base64!", "Salt": "AQID"}, {"PasswordVerifier": "AQID", "Salt": ""},
                {"PasswordVerifier": "AA==", "Salt": "AQID"}, {"PasswordVerifier": "AQ==", "Salt": "AQID"}):
        rejected(server, "ConfirmDevice", {"AccessToken": fresh["AccessToken"], "DeviceKey": fresh["NewDeviceMetadata"]["DeviceKey"],
                                           "DeviceSecretVerifierConfig": bad}, "InvalidParameterException")
    rejected(server, "ConfirmDevice", {"AccessToken": fresh["AccessToken"], "DeviceKey": fresh["NewDeviceMetadata"]["DeviceKey"]},
             "InvalidParameterException")


def test_update_device_status_refuses_an_unconfirmed_device(server, make_user, sign_in):
    pool = device_pool(server)
    tokens = sign_in(pool, make_user(pool))
    body = {"AccessToken": tokens["AccessToken"], "DeviceKey": tokens["NewDeviceMetadata"]["DeviceKey"],
            "DeviceRememberedStatus": "remembered"}
    rejected(server, "UpdateDeviceStatus", body, "InvalidParameterException")
    assert ok(server, "ListDevices", {"AccessToken": tokens["AccessToken"]})["Devices"] == []  # unconfirmed: not listed


# ------------------------------------------------------------------ listing, forgetting, admin forms


def test_list_devices_pages_and_admin_forms_see_the_same(server, make_user, sign_in):
    pool, username, _, first, tokens = remembered_user(server, make_user, sign_in)
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username,
                                               SoftwareTokenMfaSettings={"Enabled": False})  # no TOTP code used twice
    second_result = srp_first_factor(server, pool, username)["AuthenticationResult"]
    second, _ = confirm(server, second_result["AccessToken"], second_result["NewDeviceMetadata"], name="phone")
    access = tokens["AccessToken"]
    page1 = ok(server, "ListDevices", {"AccessToken": access, "Limit": 1})
    page2 = ok(server, "ListDevices", {"AccessToken": access, "Limit": 1, "PaginationToken": page1["PaginationToken"]})
    assert "PaginationToken" not in page2
    keys = [d["DeviceKey"] for d in page1["Devices"] + page2["Devices"]]
    assert sorted(keys) == sorted([first.key, second.key])
    admin = server.admin.admin_list_devices(UserPoolId=pool["pool_id"], Username=username)["Devices"]
    assert sorted(d["DeviceKey"] for d in admin) == sorted(keys)
    got = server.admin.admin_get_device(UserPoolId=pool["pool_id"], Username=username, DeviceKey=second.key)["Device"]
    assert {"Name": "device_name", "Value": "phone"} in got["DeviceAttributes"]
    assert ok(server, "GetDevice", {"AccessToken": access, "DeviceKey": first.key})["Device"]["DeviceKey"] == first.key
    server.admin.admin_delete_user(UserPoolId=pool["pool_id"], Username=username)  # the user's devices go with them
    assert server.query("SELECT COUNT(*) FROM devices WHERE pool_id = ?", pool["pool_id"]) == [(0,)]


def test_forget_device_then_the_key_is_a_new_device_again(server, make_user, sign_in):
    pool, username, _, device, tokens = remembered_user(server, make_user, sign_in)
    ok(server, "ForgetDevice", {"AccessToken": tokens["AccessToken"], "DeviceKey": device.key})
    assert ok(server, "ListDevices", {"AccessToken": tokens["AccessToken"]})["Devices"] == []
    assert srp_first_factor(server, pool, username, device.key)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # MFA again
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username,
                                               SoftwareTokenMfaSettings={"Enabled": False})  # no TOTP code used twice
    result = srp_first_factor(server, pool, username, device.key)["AuthenticationResult"]
    assert result["NewDeviceMetadata"]["DeviceKey"] != device.key
    again, _ = confirm(server, result["AccessToken"], result["NewDeviceMetadata"])
    server.admin.admin_forget_device(UserPoolId=pool["pool_id"], Username=username, DeviceKey=again.key)
    assert server.admin.admin_list_devices(UserPoolId=pool["pool_id"], Username=username)["Devices"] == []


# ------------------------------------------------------------------ refresh and secrets at rest


def test_refresh_keeps_the_device_and_refuses_another_device_key(server, make_user, sign_in):
    pool, _, _, device, tokens = remembered_user(server, make_user, sign_in)
    refreshed = ok(server, "GetTokensFromRefreshToken", {"ClientId": pool["client_id"], "RefreshToken": tokens["RefreshToken"],
                                                         "DeviceKey": device.key})["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["device_key"] == device.key
    wrong = f"{pool['region']}_99999999-9999-9999-9999-999999999999"
    rejected(server, "GetTokensFromRefreshToken", {"ClientId": pool["client_id"], "RefreshToken": tokens["RefreshToken"],
                                                   "DeviceKey": wrong}, "NotAuthorizedException")
    legacy = ok(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH",
                                         "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"], "DEVICE_KEY": device.key}})
    assert claims(legacy["AuthenticationResult"]["AccessToken"])["device_key"] == device.key
    rejected(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH",
                                      "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"], "DEVICE_KEY": wrong}},
             "NotAuthorizedException")


def test_no_device_secret_is_readable_in_the_database(server, make_user, sign_in):
    pool = device_pool(server)
    username = make_user(pool)
    result = sign_in(pool, username)
    device, _ = confirm(server, result["AccessToken"], result["NewDeviceMetadata"])
    salt, verifier = srp.device_verifier(device.group_key, device.key, device.password,
                                         server.query("SELECT srp_salt FROM devices WHERE device_key = ?", device.key)[0][0])
    dump = repr(server.snapshot())
    assert device.password not in dump
    for form in (format(verifier, "x"), srp.pad_hex(verifier), base64.b64encode(bytes.fromhex(srp.pad_hex(verifier))).decode()):
        assert form[:64] not in dump
    sealed = server.query("SELECT verifier_sealed FROM devices WHERE device_key = ?", device.key)[0][0]
    assert sealed.startswith("v1.")
    r = rpc(server, "GetDevice", {"AccessToken": result["AccessToken"], "DeviceKey": device.key})
    assert format(verifier, "x")[:64] not in r.text and salt not in r.text


@pytest.mark.parametrize("status", ["remembered", "not_remembered"])
def test_update_device_status_both_ways(server, make_user, sign_in, status):
    _, _, _, device, tokens = remembered_user(server, make_user, sign_in)
    ok(server, "UpdateDeviceStatus", {"AccessToken": tokens["AccessToken"], "DeviceKey": device.key,
                                      "DeviceRememberedStatus": status})
    got = ok(server, "GetDevice", {"AccessToken": tokens["AccessToken"], "DeviceKey": device.key})["Device"]
    assert {"Name": "dev:device_remembered_status", "Value": status} in got["DeviceAttributes"]
