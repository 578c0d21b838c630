"""The in-process sign-in entry (``userpool.server.signin``) the hosted sign-in page calls.

The calls run in this test process against the session server's own data directory and
database, inside ``app.execute`` as an operation runs; what they produce (tokens, counters,
sessions) is then checked through the running server's wire API, so both sides share one
truth. The entry must do everything the wire sign-in does except ExplicitAuthFlows and
SECRET_HASH, which Cognito's hosted UI is not subject to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.server.helpers import NEW_PASSWORD, WRONG_PASSWORD, claims, rpc, unique, user_column
from tests.triggers import recorded
from userpool.server import app, errors, signin
from userpool.server.bootstrap import open_state
from userpool.server.config import ServerConfig
from userpool.server.context import Context, ServerState

H = "python:tests.triggers.lambdas:"


@pytest.fixture(scope="module")
def state(server: RunningServer) -> Iterator[ServerState]:
    config = ServerConfig(data_dir=server.data_dir, port=server.port, database_url=server.database_url)
    opened = open_state(config, migrate=False)
    yield opened
    opened.database.engine.dispose()


@pytest.fixture
def hosted(state: ServerState) -> Callable[..., dict[str, Any]]:
    """Run an entry function as the hosted page would: one transaction through app.execute."""

    def run(fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
        def handler(ctx: Context, _req: dict[str, Any]) -> dict[str, Any]:
            return fn(ctx, *args, **kwargs)

        return app.execute(state, handler, {}, "127.0.0.1", state.config.region)

    return run


def _get_user(server: RunningServer, access_token: str) -> dict[str, Any]:
    return dict(server.public.get_user(AccessToken=access_token))


def test_hosted_sign_in_needs_no_explicit_auth_flow_and_gives_working_tokens(server, make_user, hosted):
    pool = create_pool(server, client_args={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    username = make_user(pool)
    refused = rpc(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
                                           "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD}})
    assert refused.json()["__type"] == "InvalidParameterException"  # the wire keeps ExplicitAuthFlows
    result = hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD)
    assert result["ChallengeParameters"] == {}
    tokens = result["AuthenticationResult"]
    assert set(tokens) == {"AccessToken", "ExpiresIn", "TokenType", "IdToken", "RefreshToken"}
    assert _get_user(server, tokens["AccessToken"])["Username"] == username
    assert claims(tokens["IdToken"])["aud"] == pool["client_id"]
    refreshed = server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["origin_jti"] == claims(tokens["AccessToken"])["origin_jti"]


def test_hosted_sign_in_on_a_client_with_a_secret_needs_no_secret_hash(server, make_user, hosted):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    username = make_user(pool)
    result = hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD)
    assert "AccessToken" in result["AuthenticationResult"]


def test_a_wrong_password_fails_as_on_the_wire_and_the_failure_is_counted(server, pool, make_user, hosted):
    username = make_user(pool)
    with pytest.raises(errors.CognitoError) as failed:
        hosted(signin.start_password_sign_in, pool["client_id"], username, WRONG_PASSWORD)
    assert (failed.value.name, failed.value.message) == ("NotAuthorizedException", "Incorrect username or password.")
    assert user_column(server, pool["pool_id"], username, "failed_attempts") == 1  # committed despite the error


def test_unknown_users_follow_prevent_user_existence_errors(server, hosted):
    hidden = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    shown = create_pool(server, client_args={"PreventUserExistenceErrors": "LEGACY"})
    with pytest.raises(errors.CognitoError) as hidden_error:
        hosted(signin.start_password_sign_in, hidden["client_id"], unique("nobody"), PASSWORD)
    assert hidden_error.value.name == "NotAuthorizedException"
    with pytest.raises(errors.CognitoError) as shown_error:
        hosted(signin.start_password_sign_in, shown["client_id"], unique("nobody"), PASSWORD)
    assert shown_error.value.name == "UserNotFoundException"


def test_an_unknown_client_is_resource_not_found(hosted):
    with pytest.raises(errors.CognitoError) as missing:
        hosted(signin.start_password_sign_in, "nosuchclient0000000000000a", "someone", PASSWORD)
    assert missing.value.name == "ResourceNotFoundException"


def test_disabled_users_are_refused(server, pool, make_user, hosted):
    username = make_user(pool)
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=username)
    with pytest.raises(errors.CognitoError) as refused:
        hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD)
    assert (refused.value.name, refused.value.message) == ("NotAuthorizedException", "User is disabled.")


def test_new_password_required_is_answered_through_respond_to_challenge_only(server, pool, hosted):
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword=PASSWORD,
                                   MessageAction="SUPPRESS")
    challenge = hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and challenge["Session"]
    # A session the hosted page holds is not an answer the wire API takes (nor the other way round).
    wire = rpc(server, "RespondToAuthChallenge", {
        "ClientId": pool["client_id"], "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": challenge["Session"],
        "ChallengeResponses": {"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD}})
    assert (wire.json()["__type"], wire.json()["message"]) == ("NotAuthorizedException", "Invalid session for the user.")
    again = hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD)
    done = hosted(signin.respond_to_challenge, pool["client_id"], "NEW_PASSWORD_REQUIRED", again["Session"],
                  {"NEW_PASSWORD": NEW_PASSWORD})
    assert _get_user(server, done["AuthenticationResult"]["AccessToken"])["Username"] == username
    wire_challenge = server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": NEW_PASSWORD}
    )
    assert "AuthenticationResult" in wire_challenge  # the new password is the user's, on the wire too


def test_a_wire_session_is_not_answered_by_the_hosted_entry(server, pool, hosted):
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword=PASSWORD,
                                   MessageAction="SUPPRESS")
    challenge = server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD}
    )
    with pytest.raises(errors.CognitoError) as refused:
        hosted(signin.respond_to_challenge, pool["client_id"], "NEW_PASSWORD_REQUIRED", challenge["Session"],
               {"NEW_PASSWORD": NEW_PASSWORD})
    assert (refused.value.name, refused.value.message) == ("NotAuthorizedException", "Invalid session for the user.")


def test_mfa_is_the_next_step_and_its_code_ends_the_sign_in(server, make_user, hosted):
    pool = create_pool(server)
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="ON", EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"}
    )
    username = make_user(pool)
    challenge = hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    with pytest.raises(errors.CognitoError) as wrong:
        hosted(signin.respond_to_challenge, pool["client_id"], "EMAIL_OTP", challenge["Session"], {"EMAIL_OTP_CODE": "000000"})
    assert wrong.value.name == "CodeMismatchException"
    code = server.last_code(username)
    done = hosted(signin.respond_to_challenge, pool["client_id"], "EMAIL_OTP", challenge["Session"], {"EMAIL_OTP_CODE": code})
    assert _get_user(server, done["AuthenticationResult"]["AccessToken"])["Username"] == username


def test_triggers_run_with_the_callers_metadata_and_token_source(server, make_user, hosted, monkeypatch):
    monkeypatch.setenv("USERPOOL_DATA_DIR", str(server.data_dir))  # where the recording handlers write, in this process
    pool = create_pool(server, LambdaConfig={
        "PreAuthentication": H + "record_only", "PostAuthentication": H + "record_only", "PreTokenGeneration": H + "record_only"})
    username = make_user(pool)
    options = signin.TokenOptions(scopes=("openid", "email"), nonce="n-1")
    result = hosted(signin.start_password_sign_in, pool["client_id"], username, PASSWORD, client_metadata={"from": "hosted"},
                    trigger_source_hint=signin.names.TOKENS_HOSTED_AUTH, token_options=options)
    assert "AccessToken" in result["AuthenticationResult"]
    sources = [line["event"]["triggerSource"] for line in recorded(server.data_dir, pool["pool_id"])]
    assert sources == ["PreAuthentication_Authentication", "TokenGeneration_HostedAuth", "PostAuthentication_Authentication"]
    pre = recorded(server.data_dir, pool["pool_id"], "PreAuthentication")[0]["event"]
    assert pre["request"]["validationData"] == {"from": "hosted"}
