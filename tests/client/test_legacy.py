"""The v5-style facade: over HTTP for what the server supports, scripted for MFA/custom."""

from __future__ import annotations

import pytest
from client_helpers import make_tokens

from userpool import auth
from userpool.auth import errors
from userpool.legacy import AuthClass, CognitoUserSession

PASSWORD = "Passw0rd!"


@pytest.fixture
def legacy(server, pool):
    facade = AuthClass()
    facade.configure({"Auth": {"region": pool["region"], "userPoolId": pool["pool_id"],
                               "userPoolWebClientId": pool["client_id"], "endpoint": server.url}})
    yield facade
    auth.get_default_client().close()


def test_sign_in_and_session_agree_with_modern_api(legacy, pool, make_user):
    username = make_user(pool)
    user = legacy.sign_in(username, PASSWORD)
    assert user.challenge_name is None and user.get_username() == username
    assert user.attributes["email"] == f"{username}@example.com"
    session = legacy.current_session()
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    modern = auth.fetch_auth_session()
    assert session.get_access_token().get_jwt_token() == str(modern.tokens.access_token)
    assert session.get_id_token().get_jwt_token() == str(modern.tokens.id_token)
    assert session.get_refresh_token().get_token()
    assert session.get_access_token().decode_payload()["username"] == username
    assert legacy.current_authenticated_user().username == username
    auth.sign_out()  # the modern API signs out the legacy session too
    with pytest.raises(errors.AuthError, match="No current user"):
        legacy.current_session()


def test_complete_new_password(legacy, server, pool, unique):
    username = unique("legacy")
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp0rary!pw",
                                   MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
    user = legacy.sign_in(username, "Temp0rary!pw")
    assert user.challenge_name == "NEW_PASSWORD_REQUIRED"
    assert "userAttributes" in user.challenge_param and "requiredAttributes" in user.challenge_param
    done = legacy.complete_new_password(user, "Br4nd-new-pass!")
    assert done.challenge_name is None and done.get_sign_in_user_session().is_valid()
    legacy.sign_out()
    assert legacy.sign_in(username, "Br4nd-new-pass!").challenge_name is None


def test_v5_errors_instead_of_steps(legacy, server, pool, make_user):
    username = make_user(pool)
    server.admin.admin_reset_user_password(UserPoolId=pool["pool_id"], Username=username)
    with pytest.raises(errors.PasswordResetRequiredException):
        legacy.sign_in(username, PASSWORD)
    with pytest.raises((errors.NotAuthorizedException, errors.UserNotFoundException)):
        legacy.sign_in("nobody", PASSWORD)


def test_global_sign_out(legacy, pool, make_user):
    username = make_user(pool)
    legacy.sign_in(username, PASSWORD)
    legacy.sign_out(opts={"global": True})
    with pytest.raises(errors.UserUnAuthenticatedException):
        legacy.current_authenticated_user()


def test_mfa_and_custom_challenge_scripted(scripted, clock):
    client, wire = scripted
    facade = AuthClass(client)
    wire.add("InitiateAuth", {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s",
                              "ChallengeParameters": {"USERNAME": "alice"}})
    from userpool.auth.config import AuthConfig

    client.context.config = AuthConfig(user_pool_id=client.config.user_pool_id, client_id=client.config.client_id,
                                       auth_flow_type="USER_PASSWORD_AUTH")
    user = facade.sign_in("alice", "pw")
    assert user.challenge_name == "SOFTWARE_TOKEN_MFA"
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens(now=clock.now)})
    wire.add("GetUser", {"Username": "alice", "UserAttributes": [{"Name": "sub", "Value": "sub-alice"}]})
    done = facade.confirm_sign_in(user, "123456", "SOFTWARE_TOKEN_MFA")
    assert done.challenge_name is None and done.attributes == {"sub": "sub-alice"}
    session = done.get_sign_in_user_session()
    assert session.is_valid()
    clock.advance(3601)
    assert not session.is_valid()
    wire.add("RevokeToken", {})
    facade.sign_out()

    wire.add("InitiateAuth", {"ChallengeName": "CUSTOM_CHALLENGE", "Session": "c1",
                              "ChallengeParameters": {"USERNAME": "alice", "question": "2+2?"}})
    user = facade.sign_in("alice", "pw")
    assert user.challenge_name == "CUSTOM_CHALLENGE" and user.challenge_param["question"] == "2+2?"
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens(now=clock.now)})
    wire.add("GetUser", {"Username": "alice", "UserAttributes": []})
    assert facade.send_custom_challenge_answer(user, "4").challenge_name is None
    assert wire.calls[-2].payload["ChallengeResponses"]["ANSWER"] == "4"


def test_mfa_setup_scripted(scripted, clock):
    client, wire = scripted
    facade = AuthClass(client)
    from userpool.auth.config import AuthConfig

    client.context.config = AuthConfig(user_pool_id=client.config.user_pool_id, client_id=client.config.client_id,
                                       auth_flow_type="USER_PASSWORD_AUTH")
    wire.add("InitiateAuth", {"ChallengeName": "MFA_SETUP", "Session": "s", "ChallengeParameters": {"USERNAME": "alice"}})
    wire.add("AssociateSoftwareToken", {"SecretCode": "SECRET", "Session": "s2"})
    user = facade.sign_in("alice", "pw")
    assert user.challenge_name == "MFA_SETUP" and facade.setup_totp(user) == "SECRET"
    wire.add("VerifySoftwareToken", {"Status": "SUCCESS", "Session": "s3"})
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens(now=clock.now)})
    wire.add("GetUser", {"Username": "alice", "UserAttributes": []})
    assert facade.verify_totp_token(user, "123456").challenge_name is None
