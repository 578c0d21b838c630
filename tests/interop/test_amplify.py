"""aws-amplify v6 Auth (the real npm packages, 6.22.x and 6.15.3) against a running server.

Each test runs one Node process (tests/interop/node/amplify.mjs) that performs a flow step by
step through Amplify's public API, with ``userPoolEndpoint`` pointing at a recording proxy in
front of the server; the test then checks Amplify's answers, the operations that reached the
server, and the server's state through boto3.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.interop.conftest import Wire, node_config, run_node, step, step_error

pytestmark = pytest.mark.interop

NEW_PASSWORD = "N3w-Passw0rd!"
CURRENT = "aws-amplify"  # 6.22.x: refreshes with GetTokensFromRefreshToken
LEGACY = "aws-amplify-6153"  # 6.15.3: refreshes with InitiateAuth REFRESH_TOKEN_AUTH


def amplify(server: RunningServer, pool: dict[str, Any], wire: Wire, steps: list[dict[str, Any]], package: str = CURRENT) -> dict[str, Any]:
    return run_node("amplify.mjs", node_config(server, pool, wire.url, package=package, steps=steps))


def assert_all_ok(wire: Wire) -> None:
    failed = [(c.op, c.status, c.error) for c in wire.calls if c.status != 200]
    assert not failed, f"calls the server refused: {failed}"


def assert_refused(call: Callable[[], Any], server: RunningServer) -> None:
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        call()


def assert_refresh_token_refused(server: RunningServer, pool: dict[str, Any], refresh_token: str) -> None:
    """Both refresh operations refuse the token on the server (Amplify swallows the errors)."""
    assert_refused(lambda: server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=refresh_token), server)
    assert_refused(
        lambda: server.public.initiate_auth(
            ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
        ),
        server,
    )


def get_user(server: RunningServer, access_token: str) -> dict[str, Any]:
    return dict(server.public.get_user(AccessToken=access_token))


def sign_in_steps(username: str, password: str = PASSWORD, **options: Any) -> list[dict[str, Any]]:
    s: dict[str, Any] = {"do": "signIn", "username": username, "password": password}
    if options:
        s["options"] = options
    return [s]


def test_srp_sign_in_session_current_user_and_refresh(server, pool, make_user, wire):
    username = make_user(pool)
    sub = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    sub = next(a["Value"] for a in sub if a["Name"] == "sub")
    result = amplify(server, pool, wire, [
        {"do": "version"},
        *sign_in_steps(username),
        {"do": "fetchAuthSession"},
        {"do": "getCurrentUser"},
        {"do": "storedTokens"},
        {"do": "fetchAuthSession", "forceRefresh": True},
        {"do": "storedTokens"},
        {"do": "expireTokens"},
        {"do": "fetchAuthSession"},
        {"do": "hubEvents"},
    ])
    assert step(result, 0)["version"].startswith("6.22.")
    assert step(result, 1, "signIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}

    session = step(result, 2, "fetchAuthSession")
    access, id_token = session["accessToken"]["payload"], session["idToken"]["payload"]
    assert access["token_use"] == "access" and access["username"] == username
    assert access["client_id"] == pool["client_id"] and access["iss"] == pool["issuer"] and access["sub"] == sub
    assert id_token["token_use"] == "id" and id_token["cognito:username"] == username and id_token["aud"] == pool["client_id"]
    assert session["userSub"] == sub

    assert step(result, 3, "getCurrentUser") == {
        "username": username,
        "userId": sub,
        "signInDetails": {"loginId": username, "authFlowType": "USER_SRP_AUTH"},
    }
    stored = step(result, 4, "storedTokens")
    assert stored["accessToken"] == session["accessToken"]["jwt"] and stored["refreshToken"]

    forced = step(result, 5, "fetchAuthSession")
    new_access = forced["accessToken"]["payload"]
    assert new_access["jti"] != access["jti"] and forced["idToken"]["payload"]["jti"] != id_token["jti"]
    assert new_access["origin_jti"] == access["origin_jti"] and new_access["auth_time"] == access["auth_time"]
    assert new_access["username"] == username
    # No rotation on this client: the answer carries no refresh token and Amplify keeps the old one.
    assert step(result, 6, "storedTokens")["refreshToken"] == stored["refreshToken"]

    expired = step(result, 8, "fetchAuthSession")  # stored tokens looked expired: Amplify refreshed by itself
    assert expired["accessToken"]["payload"]["jti"] not in (access["jti"], new_access["jti"])
    events = step(result, 9, "hubEvents")
    assert events.count("tokenRefresh") == 2 and "tokenRefresh_failure" not in events

    # On the wire: SRP, then one GetTokensFromRefreshToken per refresh, nothing else.
    assert_all_ok(wire)
    assert wire.ops() == ["InitiateAuth", "RespondToAuthChallenge", "GetTokensFromRefreshToken", "GetTokensFromRefreshToken"]
    initiate, respond = wire.calls[0].request, wire.calls[1].request
    assert initiate["AuthFlow"] == "USER_SRP_AUTH" and initiate["AuthParameters"]["USERNAME"] == username
    assert respond["ChallengeName"] == "PASSWORD_VERIFIER"
    assert {c.request["RefreshToken"] for c in wire.find("GetTokensFromRefreshToken")} == {stored["refreshToken"]}

    # The server accepts every access token it issued along the way.
    for token in (session["accessToken"]["jwt"], forced["accessToken"]["jwt"], expired["accessToken"]["jwt"]):
        assert get_user(server, token)["Username"] == username


def test_user_password_auth_sign_in(server, pool, make_user, wire):
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        *sign_in_steps(username, authFlowType="USER_PASSWORD_AUTH"),
        {"do": "getCurrentUser"},
        {"do": "fetchAuthSession"},
    ])
    assert step(result, 0, "signIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert step(result, 1, "getCurrentUser")["signInDetails"] == {"loginId": username, "authFlowType": "USER_PASSWORD_AUTH"}
    session = step(result, 2, "fetchAuthSession")
    assert session["accessToken"]["payload"]["token_use"] == "access"
    assert get_user(server, session["accessToken"]["jwt"])["Username"] == username

    assert_all_ok(wire)
    assert wire.ops() == ["InitiateAuth"]
    assert wire.calls[0].request["AuthFlow"] == "USER_PASSWORD_AUTH"
    assert wire.calls[0].request["AuthParameters"] == {"USERNAME": username, "PASSWORD": PASSWORD}


def test_wrong_password_and_unknown_user_throw_not_authorized(server, pool, make_user, wire):
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        {**sign_in_steps(username, "Wr0ng-Passw0rd!")[0], "catch": True},
        {**sign_in_steps(username, "Wr0ng-Passw0rd!", authFlowType="USER_PASSWORD_AUTH")[0], "catch": True},
        {**sign_in_steps(f"nobody-{uuid.uuid4().hex[:6]}")[0], "catch": True},
        *sign_in_steps(username),
    ])
    for i in range(2):
        assert step_error(result, i)["name"] == "NotAuthorizedException"
    assert step_error(result, 2)["name"] == "UserNotFoundException"  # PreventUserExistenceErrors LEGACY (the API default)
    assert step(result, 3, "signIn")["isSignedIn"] is True


def test_prevent_user_existence_errors_hides_unknown_users(server, make_user, wire):
    pool = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    username = make_user(pool)
    nobody = f"nobody-{uuid.uuid4().hex[:6]}"
    result = amplify(server, pool, wire, [
        {**sign_in_steps(nobody)[0], "catch": True},
        {**sign_in_steps(nobody, authFlowType="USER_PASSWORD_AUTH")[0], "catch": True},
        {**sign_in_steps(username, "Wr0ng-Passw0rd!")[0], "catch": True},
        {"do": "resetPassword", "username": nobody},
    ])
    for i in range(3):  # an unknown user looks exactly like a wrong password
        assert step_error(result, i)["name"] == "NotAuthorizedException"
    # SRP ran to the end against the simulated challenge before being refused.
    assert [(c.op, c.error) for c in wire.calls[:3]] == [
        ("InitiateAuth", None), ("RespondToAuthChallenge", "NotAuthorizedException"), ("InitiateAuth", "NotAuthorizedException"),
    ]
    reset = step(result, 3, "resetPassword")  # simulated delivery details for an unknown user
    assert reset["nextStep"]["resetPasswordStep"] == "CONFIRM_RESET_PASSWORD_WITH_CODE"
    assert reset["nextStep"]["codeDeliveryDetails"]["deliveryMedium"] in ("EMAIL", "SMS")


def test_sign_out_revokes_the_refresh_token(server, pool, make_user, wire):
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        *sign_in_steps(username),
        {"do": "storedTokens"},
        {"do": "signOut"},
        {"do": "storedTokens"},
        {"do": "fetchAuthSession"},
    ])
    stored = step(result, 1, "storedTokens")
    step(result, 2, "signOut")
    assert step(result, 3, "storedTokens") == dict.fromkeys(stored)  # the client forgot everything
    assert step(result, 4, "fetchAuthSession")["accessToken"] is None

    # Amplify swallows RevokeToken failures: prove on the server that it went through...
    assert_all_ok(wire)
    assert wire.ops()[-1] == "RevokeToken"
    assert wire.calls[-1].request == {"ClientId": pool["client_id"], "Token": stored["refreshToken"]}
    # ...and that the refresh token, and the access token issued with it, are now refused.
    assert_refresh_token_refused(server, pool, stored["refreshToken"])
    assert_refused(lambda: get_user(server, stored["accessToken"]), server)


def test_global_sign_out_refuses_old_tokens(server, pool, make_user, wire, sign_in):
    username = make_user(pool)
    elsewhere = sign_in(pool, username)  # a session on another device
    result = amplify(server, pool, wire, [
        *sign_in_steps(username),
        {"do": "storedTokens"},
        {"do": "signOut", "global": True},
        {"do": "storedTokens"},
    ])
    stored = step(result, 1, "storedTokens")
    assert step(result, 3, "storedTokens")["accessToken"] is None

    assert_all_ok(wire)
    assert wire.ops()[-1] == "GlobalSignOut"
    assert wire.calls[-1].request == {"AccessToken": stored["accessToken"]}
    assert_refused(lambda: get_user(server, stored["accessToken"]), server)
    assert_refresh_token_refused(server, pool, stored["refreshToken"])
    assert_refused(lambda: get_user(server, elsewhere["AccessToken"]), server)
    assert_refresh_token_refused(server, pool, elsewhere["RefreshToken"])


def test_new_password_required_after_admin_create_user(server, pool, wire):
    username = f"invited-{uuid.uuid4().hex[:8]}"
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"],
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    temporary = server.last_code(username, "ADMIN_CREATE_USER")  # the invitation carries the temporary password
    result = amplify(server, pool, wire, [
        *sign_in_steps(username, temporary),
        {"do": "confirmSignIn", "challengeResponse": NEW_PASSWORD},
        {"do": "getCurrentUser"},
        {"do": "fetchAuthSession"},
    ])
    first = step(result, 0, "signIn")
    assert first["isSignedIn"] is False
    assert first["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED"
    assert step(result, 1, "confirmSignIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert step(result, 2, "getCurrentUser")["username"] == username
    assert step(result, 3, "fetchAuthSession")["accessToken"]["payload"]["username"] == username

    assert_all_ok(wire)
    assert wire.ops() == ["InitiateAuth", "RespondToAuthChallenge", "RespondToAuthChallenge"]
    answer = wire.calls[2].request
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert answer["ChallengeResponses"]["NEW_PASSWORD"] == NEW_PASSWORD
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "CONFIRMED"
    server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": NEW_PASSWORD}
    )


def test_sign_up_confirm_sign_up_then_sign_in(server, pool, wire):
    username = f"new-{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.com"
    result = amplify(server, pool, wire, [
        {"do": "signUp", "username": username, "password": PASSWORD, "options": {"userAttributes": {"email": email}}},
        *sign_in_steps(username),  # not confirmed yet: Amplify turns UserNotConfirmedException into a step
        {"do": "confirmSignUp", "username": username, "confirmationCode": {"outbox": "SIGN_UP"}},
        *sign_in_steps(username),
        {"do": "fetchUserAttributes"},
    ])
    signed_up = step(result, 0, "signUp")
    sub = signed_up["userId"]
    assert signed_up["isSignUpComplete"] is False
    assert signed_up["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP"
    delivery = signed_up["nextStep"]["codeDeliveryDetails"]
    assert delivery["deliveryMedium"] == "EMAIL" and delivery["attributeName"] == "email"
    assert delivery["destination"] != email and delivery["destination"].startswith(email[0])  # masked, e.g. n***@e***
    assert step(result, 1, "signIn") == {"isSignedIn": False, "nextStep": {"signInStep": "CONFIRM_SIGN_UP"}}
    assert step(result, 2, "confirmSignUp") == {"isSignUpComplete": True, "nextStep": {"signUpStep": "DONE"}}
    assert step(result, 3, "signIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    attributes = step(result, 4, "fetchUserAttributes")
    assert attributes["sub"] == sub and attributes["email"] == email and attributes["email_verified"] == "true"

    # SRP reveals the unconfirmed state only after the password proved right (as Cognito does).
    assert wire.ops()[:4] == ["SignUp", "InitiateAuth", "RespondToAuthChallenge", "ConfirmSignUp"]
    assert wire.calls[2].error == "UserNotConfirmedException"
    assert all(c.status == 200 for i, c in enumerate(wire.calls) if i != 2)
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "CONFIRMED"


def test_sign_up_with_auto_sign_in(server, pool, wire):
    username = f"auto-{uuid.uuid4().hex[:8]}"
    result = amplify(server, pool, wire, [
        {"do": "signUp", "username": username, "password": PASSWORD,
         "options": {"userAttributes": {"email": f"{username}@example.com"}, "autoSignIn": True}},
        {"do": "confirmSignUp", "username": username, "confirmationCode": {"outbox": "SIGN_UP"}},
        {"do": "autoSignIn"},
        {"do": "getCurrentUser"},
        {"do": "fetchAuthSession"},
    ])
    assert step(result, 0, "signUp")["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP"
    assert step(result, 1, "confirmSignUp") == {"isSignUpComplete": True, "nextStep": {"signUpStep": "COMPLETE_AUTO_SIGN_IN"}}
    assert step(result, 2, "autoSignIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert step(result, 3, "getCurrentUser")["username"] == username
    assert get_user(server, step(result, 4, "fetchAuthSession")["accessToken"]["jwt"])["Username"] == username

    assert_all_ok(wire)  # autoSignIn with a code signs in with the password (SRP): no USER_AUTH needed
    assert wire.ops() == ["SignUp", "ConfirmSignUp", "InitiateAuth", "RespondToAuthChallenge"]


def test_reset_password_then_sign_in_with_the_new_one(server, pool, make_user, wire):
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        {"do": "resetPassword", "username": username},
        {"do": "confirmResetPassword", "username": username, "newPassword": NEW_PASSWORD,
         "confirmationCode": {"outbox": "FORGOT_PASSWORD"}},
        {**sign_in_steps(username, PASSWORD)[0], "catch": True},
        *sign_in_steps(username, NEW_PASSWORD),
    ])
    reset = step(result, 0, "resetPassword")
    assert reset["isPasswordReset"] is False
    assert reset["nextStep"]["resetPasswordStep"] == "CONFIRM_RESET_PASSWORD_WITH_CODE"
    assert reset["nextStep"]["codeDeliveryDetails"]["deliveryMedium"] == "EMAIL"
    assert reset["nextStep"]["codeDeliveryDetails"]["attributeName"] == "email"
    step(result, 1, "confirmResetPassword")
    assert step_error(result, 2)["name"] == "NotAuthorizedException"
    assert step(result, 3, "signIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert wire.ops()[:2] == ["ForgotPassword", "ConfirmForgotPassword"]
    assert wire.calls[1].status == 200


def test_password_reset_required_maps_to_reset_password_step(server, pool, make_user, wire):
    username = make_user(pool)
    server.admin.admin_reset_user_password(UserPoolId=pool["pool_id"], Username=username)
    result = amplify(server, pool, wire, [
        *sign_in_steps(username),
        {"do": "confirmResetPassword", "username": username, "newPassword": NEW_PASSWORD, "confirmationCode": {"outbox": None}},
        *sign_in_steps(username, NEW_PASSWORD),
    ])
    assert step(result, 0, "signIn") == {"isSignedIn": False, "nextStep": {"signInStep": "RESET_PASSWORD"}}
    assert [c.error for c in wire.calls if c.error] == ["PasswordResetRequiredException"]
    step(result, 1, "confirmResetPassword")
    assert step(result, 2, "signIn")["isSignedIn"] is True


def test_update_password_then_sign_in_with_the_new_one(server, pool, make_user, wire):
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        *sign_in_steps(username),
        {"do": "updatePassword", "oldPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        {"do": "signOut"},
        {**sign_in_steps(username, PASSWORD)[0], "catch": True},
        *sign_in_steps(username, NEW_PASSWORD),
    ])
    step(result, 1, "updatePassword")
    assert step_error(result, 3)["name"] == "NotAuthorizedException"
    assert step(result, 4, "signIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    change = wire.find("ChangePassword")
    assert len(change) == 1 and change[0].status == 200
    assert change[0].request["PreviousPassword"] == PASSWORD and change[0].request["ProposedPassword"] == NEW_PASSWORD


def test_rotating_refresh_token_is_replaced_and_the_old_one_refused(server, make_user, wire):
    pool = create_pool(server, client_args={"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}})
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        *sign_in_steps(username),
        {"do": "storedTokens"},
        {"do": "fetchAuthSession", "forceRefresh": True},
        {"do": "storedTokens"},
        {"do": "fetchAuthSession", "forceRefresh": True},
        {"do": "storedTokens"},
    ])
    first, second, third = (step(result, i, "storedTokens")["refreshToken"] for i in (1, 3, 5))
    assert len({first, second, third}) == 3  # each refresh answered with a new refresh token, which Amplify kept
    assert_all_ok(wire)
    assert [c.request["RefreshToken"] for c in wire.find("GetTokensFromRefreshToken")] == [first, second]
    assert server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=third)["AuthenticationResult"]
    with pytest.raises(server.public.exceptions.RefreshTokenReuseException):  # rotated away, no grace period
        server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=first)


def test_amplify_6153_signs_in_and_refreshes_with_refresh_token_auth(server, pool, make_user, wire):
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        {"do": "version"},
        *sign_in_steps(username),
        {"do": "fetchAuthSession"},
        {"do": "storedTokens"},
        {"do": "fetchAuthSession", "forceRefresh": True},
        {"do": "expireTokens"},
        {"do": "fetchAuthSession"},
        {"do": "getCurrentUser"},
        {"do": "fetchUserAttributes"},  # GetUser with the refreshed access token
        {"do": "signOut"},
    ], package=LEGACY)
    assert step(result, 0)["version"] == "6.15.3"
    assert step(result, 1, "signIn") == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    session = step(result, 2, "fetchAuthSession")
    stored = step(result, 3, "storedTokens")
    forced = step(result, 4, "fetchAuthSession")
    expired = step(result, 6, "fetchAuthSession")
    jtis = {s["accessToken"]["payload"]["jti"] for s in (session, forced, expired)}
    assert len(jtis) == 3
    assert forced["accessToken"]["payload"]["username"] == username
    assert step(result, 7, "getCurrentUser")["username"] == username
    assert step(result, 8, "fetchUserAttributes")["email"] == f"{username}@example.com"

    assert_all_ok(wire)
    assert wire.ops() == ["InitiateAuth", "RespondToAuthChallenge", "InitiateAuth", "InitiateAuth", "GetUser", "RevokeToken"]
    for call in wire.calls[2:4]:
        assert call.request["AuthFlow"] == "REFRESH_TOKEN_AUTH"
        assert call.request["AuthParameters"] == {"REFRESH_TOKEN": stored["refreshToken"]}
    assert wire.calls[4].request["AccessToken"] == expired["accessToken"]["jwt"]
    assert wire.calls[5].request == {"ClientId": pool["client_id"], "Token": stored["refreshToken"]}
    assert_refresh_token_refused(server, pool, stored["refreshToken"])
