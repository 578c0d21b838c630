"""Lambda-compatible triggers over HTTP: python: handlers and signed webhooks, Cognito's event
shapes, each trigger's effect, and every way a trigger fails (raises, times out, answers
badly, is an AWS ARN) -- always with no partial change."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import PASSWORD, RunningServer, create_pool, free_port
from tests.server.helpers import changed_tables, claims, state, unique, user_column
from tests.triggers import recorded
from tests.triggers.lambdas import LEGACY_PASSWORD

H = "python:tests.triggers.lambdas:"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def sign_up(server: RunningServer, pool: dict[str, Any], username: str, **extra: Any) -> dict[str, Any]:
    return dict(server.public.sign_up(
        ClientId=pool["client_id"], Username=username, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}], **extra,
    ))


@pytest.fixture(scope="module")
def short_timeout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server whose triggers time out after 1 s (Cognito's 5 s would slow the suite down)."""
    srv = RunningServer(tmp_path_factory.mktemp("short-timeout"), env={"USERPOOL_TRIGGER_TIMEOUT": "1"})
    srv.start()
    yield srv
    srv.stop()


# ------------------------------------------------------------------ configuration


def test_lambda_config_accepts_handlers_and_arns_and_refuses_plain_http(server):
    config = {
        "PreSignUp": H + "auto_confirm",
        "PostConfirmation": "https://hooks.example.com/cognito/post-confirmation",
        "PreAuthentication": "http://127.0.0.1:9/pre-auth",
        "PostAuthentication": "arn:aws:lambda:us-east-1:123456789012:function:post-auth",
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": H + "email_sender"},
    }
    pool = create_pool(server, LambdaConfig=config)
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]["LambdaConfig"]
    assert described == config
    with pytest.raises(ClientError) as exc:
        create_pool(server, LambdaConfig={"PreSignUp": "http://hooks.example.com/pre-sign-up"})
    code, message = error(exc)
    assert code == "InvalidParameterException" and "lambdaConfig.preSignUp" in message


def test_an_aws_arn_trigger_is_kept_but_cannot_run(server):
    pool = create_pool(server, LambdaConfig={"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre"})
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_up(server, pool, unique())
    code, message = error(exc)
    assert code == "UnexpectedLambdaException"
    assert "arn:aws:lambda:us-east-1:123456789012:function:pre" in message and "python:" in message
    assert changed_tables(before, state(server)) == set()


# ------------------------------------------------------------------ PreSignUp / PostConfirmation


def test_pre_sign_up_auto_confirms_and_verifies_with_cognitos_event(server):
    pool = create_pool(server, LambdaConfig={"PreSignUp": H + "auto_confirm", "PostConfirmation": H + "record_only"})
    username = unique()
    out = server.public.sign_up(
        ClientId=pool["client_id"], Username=username, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        ValidationData=[{"Name": "captcha", "Value": "ok"}], ClientMetadata={"app": "web"},
    )
    assert out["UserConfirmed"] is True and "CodeDeliveryDetails" not in out
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    [line] = recorded(server.data_dir, pool["pool_id"], "PreSignUp")
    event = line["event"]
    assert event["version"] == "1" and event["triggerSource"] == "PreSignUp_SignUp"
    assert event["region"] == pool["region"] and event["userName"] == username
    assert event["callerContext"]["clientId"] == pool["client_id"] and event["callerContext"]["awsSdkVersion"]
    assert event["request"]["userAttributes"] == {"email": f"{username}@example.com"}
    assert event["request"]["validationData"] == {"captcha": "ok"}
    assert event["request"]["clientMetadata"] == {"app": "web"}
    assert event["response"] == {}
    assert line["context"]["aws_request_id"] and 0 < line["context"]["remaining_ms"] <= 5000
    [confirmed] = recorded(server.data_dir, pool["pool_id"], "PostConfirmation")
    assert confirmed["event"]["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert confirmed["event"]["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_pre_sign_up_refusal_is_a_user_lambda_validation_error_with_no_change(server):
    pool = create_pool(server, LambdaConfig={"PreSignUp": H + "refuse"})
    before, outbox = state(server), len(server.outbox())
    with pytest.raises(ClientError) as exc:
        sign_up(server, pool, unique())
    assert error(exc) == ("UserLambdaValidationException", "PreSignUp failed with error sign-ups are closed.")
    assert changed_tables(before, state(server)) == set()
    assert len(server.outbox()) == outbox


@pytest.mark.parametrize("handler", ["not_an_event", "returns_nothing", "wrong_type"])
def test_a_badly_shaped_answer_is_an_invalid_lambda_response(server, handler):
    pool = create_pool(server, LambdaConfig={"PreSignUp": H + handler})
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_up(server, pool, unique())
    code, message = error(exc)
    assert code == "InvalidLambdaResponseException" and "PreSignUp" in message
    assert changed_tables(before, state(server)) == set()


def test_a_slow_trigger_times_out_with_no_change(short_timeout):
    pool = create_pool(short_timeout, LambdaConfig={"PreSignUp": H + "slow"})
    before = state(short_timeout)
    with pytest.raises(ClientError) as exc:
        sign_up(short_timeout, pool, unique())
    code, message = error(exc)
    assert code == "UnexpectedLambdaException" and "timed out" in message
    assert changed_tables(before, state(short_timeout)) == set()


def test_a_handler_that_cannot_be_imported_is_unexpected(server):
    pool = create_pool(server, LambdaConfig={"PreSignUp": "python:tests.triggers.no_such_module:handler"})
    with pytest.raises(ClientError) as exc:
        sign_up(server, pool, unique())
    assert error(exc)[0] == "UnexpectedLambdaException"


def test_admin_create_user_runs_pre_sign_up_but_ignores_auto_confirm(server):
    pool = create_pool(server, LambdaConfig={"PreSignUp": H + "auto_confirm"})
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    [line] = recorded(server.data_dir, pool["pool_id"], "PreSignUp")
    assert line["event"]["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert line["event"]["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    refusing = create_pool(server, LambdaConfig={"PreSignUp": H + "refuse"})
    with pytest.raises(ClientError) as exc:
        server.admin.admin_create_user(UserPoolId=refusing["pool_id"], Username=unique(), MessageAction="SUPPRESS")
    assert error(exc)[0] == "UserLambdaValidationException"
    assert server.admin.list_users(UserPoolId=refusing["pool_id"])["Users"] == []


def test_post_confirmation_failure_leaves_the_user_unconfirmed_and_the_code_usable(server):
    pool = create_pool(server, LambdaConfig={"PostConfirmation": H + "refuse"})
    username = unique()
    sign_up(server, pool, username)
    code = server.last_code(username, "SIGN_UP")
    before = state(server)
    with pytest.raises(ClientError) as exc:
        server.public.confirm_sign_up(ClientId=pool["client_id"], Username=username, ConfirmationCode=code)
    assert error(exc) == ("UserLambdaValidationException", "PostConfirmation failed with error sign-ups are closed.")
    assert changed_tables(before, state(server)) == set()
    assert user_column(server, pool["pool_id"], username, "status") == "UNCONFIRMED"


def test_post_confirmation_after_a_password_reset(server, make_user):
    pool = create_pool(server, LambdaConfig={"PostConfirmation": H + "record_only"})
    username = make_user(pool)
    server.public.forgot_password(ClientId=pool["client_id"], Username=username)
    server.public.confirm_forgot_password(
        ClientId=pool["client_id"], Username=username, ConfirmationCode=server.last_code(username), Password="N3w-passw0rd!"
    )
    [line] = recorded(server.data_dir, pool["pool_id"], "PostConfirmation")
    assert line["event"]["triggerSource"] == "PostConfirmation_ConfirmForgotPassword"


# ------------------------------------------------------------------ sign-in triggers


def test_pre_authentication_can_refuse_a_sign_in(server, make_user, sign_in):
    pool = create_pool(
        server, LambdaConfig={"PreAuthentication": H + "refuse_blocked"},
        Schema=[{"Name": "blocked", "AttributeDataType": "String", "Mutable": True}],
    )
    ok_user = make_user(pool)
    blocked = make_user(pool, attributes={"custom:blocked": "1"})
    assert sign_in(pool, ok_user)["AccessToken"]
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_in(pool, blocked)
    assert error(exc) == ("UserLambdaValidationException", "PreAuthentication failed with error account blocked.")
    assert changed_tables(before, state(server)) == set()
    events = recorded(server.data_dir, pool["pool_id"], "PreAuthentication_Authentication")
    assert [e["event"]["userName"] for e in events] == [ok_user, blocked]
    assert events[0]["event"]["request"]["userNotFound"] is False


def test_post_authentication_failure_issues_no_tokens(server, make_user, sign_in):
    pool = create_pool(server, LambdaConfig={"PostAuthentication": H + "refuse"})
    username = make_user(pool)
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_in(pool, username)
    assert error(exc)[0] == "UserLambdaValidationException"
    assert changed_tables(before, state(server)) == set()  # no token family, no refresh token


# ------------------------------------------------------------------ PreTokenGeneration


def test_an_unmodified_lambda_handler_adds_a_claim_to_the_issued_token(server, make_user, sign_in):
    pool = create_pool(
        server, LambdaConfig={"PreTokenGeneration": "python:tests.triggers.lambda_pre_token:lambda_handler"},
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
    )
    username = make_user(pool, attributes={"custom:tenant": "acme"})
    tokens = sign_in(pool, username)
    id_claims = claims(tokens["IdToken"])
    assert id_claims["tenant_id"] == "tenant-acme" and id_claims["plan"] == "gold"
    assert "email" not in id_claims  # suppressed
    assert id_claims["cognito:username"] == username and id_claims["token_use"] == "id"
    assert "tenant_id" not in claims(tokens["AccessToken"])  # V1 changes the ID token only
    # and the same on refresh
    refreshed = server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )["AuthenticationResult"]
    assert claims(refreshed["IdToken"])["tenant_id"] == "tenant-acme"


def test_pre_token_generation_v1_overrides_suppresses_and_replaces_groups(server, make_user, sign_in):
    pool = create_pool(server, LambdaConfig={"PreTokenGeneration": H + "token_v1"})
    username = make_user(pool, attributes={"given_name": "Ada", "family_name": "Lovelace"}, groups=["admins"])
    tokens = sign_in(pool, username)
    id_claims, access = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    assert id_claims["team"] == "blue"
    assert "given_name" not in id_claims and "family_name" not in id_claims  # suppression beats override
    assert id_claims["sub"] != "forged" and id_claims["iss"] == pool["issuer"]  # protected claims stay
    assert id_claims["cognito:groups"] == ["from-trigger"] and access["cognito:groups"] == ["from-trigger"]
    [line] = recorded(server.data_dir, pool["pool_id"], "TokenGeneration")
    event = line["event"]
    assert event["triggerSource"] == "TokenGeneration_Authentication" and event["version"] == "1"
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["admins"]
    assert event["request"]["userAttributes"]["given_name"] == "Ada"
    server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )
    sources = [e["event"]["triggerSource"] for e in recorded(server.data_dir, pool["pool_id"], "TokenGeneration")]
    assert sources == ["TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]


def test_pre_token_generation_v2_changes_the_access_token_and_its_scopes(server, make_user, sign_in):
    pool = create_pool(server, LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": H + "token_v2"}})
    username = make_user(pool)
    tokens = sign_in(pool, username)
    access, id_claims = claims(tokens["AccessToken"]), claims(tokens["IdToken"])
    assert access["tenant"] == {"id": 7, "tier": "gold"} and access["roles"] == ["reader", "writer"]
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "orders/read"]
    assert access["client_id"] == pool["client_id"] and "auth_time" in access  # protected
    assert id_claims["team"] == "red" and "email" not in id_claims
    [line] = recorded(server.data_dir, pool["pool_id"], "TokenGeneration")
    assert line["event"]["version"] == "2" and line["event"]["request"]["scopes"] == ["aws.cognito.signin.user.admin"]


def test_pre_token_generation_after_a_new_password_challenge(server):
    pool = create_pool(server, LambdaConfig={"PreTokenGeneration": H + "token_v1"})
    username = unique()
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS"
    )
    step = server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "Temp-Passw0rd!"},
    )
    done = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": PASSWORD},
    )
    assert claims(done["AuthenticationResult"]["IdToken"])["team"] == "blue"
    [line] = recorded(server.data_dir, pool["pool_id"], "TokenGeneration")
    assert line["event"]["triggerSource"] == "TokenGeneration_NewPasswordChallenge"


def test_pre_token_generation_with_a_bad_answer_issues_nothing(server, make_user, sign_in):
    pool = create_pool(server, LambdaConfig={"PreTokenGeneration": H + "token_bad"})
    username = make_user(pool)
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_in(pool, username)
    assert error(exc)[0] == "InvalidLambdaResponseException"
    assert changed_tables(before, state(server)) == set()


# ------------------------------------------------------------------ CustomMessage


def test_custom_message_rewrites_sign_up_and_invitation_messages(server):
    pool = create_pool(server, LambdaConfig={"CustomMessage": H + "custom_message"})
    username = unique()
    sign_up(server, pool, username, ClientMetadata={"lang": "en"})
    message = server.outbox()[-1]
    assert message["kind"] == "SIGN_UP" and message["subject"] == "[CustomMessage_SignUp] your code"
    assert message["message"] == f"<p>Hello! Your code is <b>{message['code']}</b>.</p>"
    invited = unique()
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=invited, DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=[{"Name": "email", "Value": f"{invited}@example.com"}],
    )
    invitation = server.outbox()[-1]
    assert invitation["message"] == f"Welcome aboard {invited}! Your first password: {invitation['code']}"
    events = recorded(server.data_dir, pool["pool_id"], "CustomMessage")
    assert [e["event"]["triggerSource"] for e in events] == ["CustomMessage_SignUp", "CustomMessage_AdminCreateUser"]
    assert events[0]["event"]["request"]["codeParameter"] == "{####}"
    assert events[0]["event"]["callerContext"]["clientId"] == pool["client_id"]
    assert events[0]["event"]["request"]["clientMetadata"] == {"lang": "en"}
    assert events[1]["event"]["request"]["usernameParameter"] == "{username}"


def test_a_custom_message_without_the_code_is_refused_with_no_change(server):
    pool = create_pool(server, LambdaConfig={"CustomMessage": H + "custom_message_without_code"})
    before, outbox = state(server), len(server.outbox())
    with pytest.raises(ClientError) as exc:
        sign_up(server, pool, unique())
    code, message = error(exc)
    assert code == "InvalidLambdaResponseException" and "{####}" in message
    assert changed_tables(before, state(server)) == set() and len(server.outbox()) == outbox


# ------------------------------------------------------------------ UserMigration


def test_user_migration_on_sign_in_creates_the_user(server, sign_in):
    pool = create_pool(server, LambdaConfig={"UserMigration": H + "migrate"})
    username = f"legacy-{unique()}"
    tokens = sign_in(pool, username, LEGACY_PASSWORD)
    assert claims(tokens["IdToken"])["email"] == f"{username}@legacy.example.com"
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "given_name", "Value": "Legacy"} in user["UserAttributes"]
    [line] = recorded(server.data_dir, pool["pool_id"], "UserMigration")
    assert line["event"]["triggerSource"] == "UserMigration_Authentication" and line["event"]["userName"] == username
    assert sign_in(pool, username, LEGACY_PASSWORD)["AccessToken"]  # now an ordinary user: no second migration
    assert len(recorded(server.data_dir, pool["pool_id"], "UserMigration")) == 1


def test_user_migration_refusal_creates_nothing(server, sign_in):
    pool = create_pool(server, LambdaConfig={"UserMigration": H + "migrate"})
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_in(pool, f"legacy-{unique()}", "Wr0ng-passw0rd!")
    assert error(exc) == ("UserLambdaValidationException", "UserMigration failed with error Bad password.")
    assert changed_tables(before, state(server)) == set()


def test_user_migration_on_forgot_password(server, sign_in):
    pool = create_pool(server, LambdaConfig={"UserMigration": H + "migrate"})
    username = f"legacy-{unique()}"
    out = server.public.forgot_password(ClientId=pool["client_id"], Username=username)
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "RESET_REQUIRED"
    server.public.confirm_forgot_password(
        ClientId=pool["client_id"], Username=username, ConfirmationCode=server.last_code(username), Password="N3w-passw0rd!"
    )
    assert sign_in(pool, username, "N3w-passw0rd!")["AccessToken"]
    [line] = recorded(server.data_dir, pool["pool_id"], "UserMigration")
    assert line["event"]["triggerSource"] == "UserMigration_ForgotPassword"
    assert "password" not in line["event"]["request"]


# ------------------------------------------------------------------ custom senders


def test_custom_email_sender_gets_the_code_instead_of_the_outbox(server):
    pool = create_pool(server, LambdaConfig={
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": H + "email_sender"},
        "KMSKeyID": "arn:aws:kms:us-east-1:123456789012:key/0000",
    })
    username = unique()
    outbox = len(server.outbox())
    sign_up(server, pool, username)
    assert len(server.outbox()) == outbox
    [line] = recorded(server.data_dir, pool["pool_id"], "CustomEmailSender")
    event = line["event"]
    assert event["triggerSource"] == "CustomEmailSender_SignUp"
    assert event["request"]["type"] == "customEmailSenderRequestV1"
    assert event["request"]["userAttributes"]["email"] == f"{username}@example.com"
    server.public.confirm_sign_up(ClientId=pool["client_id"], Username=username, ConfirmationCode=event["request"]["code"])
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "CONFIRMED"


# ------------------------------------------------------------------ webhooks


class Webhook:
    """A trigger webhook on loopback that checks the signature and answers with ``respond``."""

    def __init__(self, secret: bytes, respond: Callable[[dict[str, Any]], tuple[int, Any]]) -> None:
        self.calls: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(self.headers.get("X-Userpool-Signature", ""), expected)
                event = json.loads(body)
                hook.calls.append({"event": event, "signed": signed, "trigger": self.headers.get("X-Userpool-Trigger")})
                status, reply = respond(event) if signed else (401, {"errorMessage": "bad signature"})
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook(server: RunningServer) -> Iterator[Callable[..., Webhook]]:
    made: list[Webhook] = []
    secret = (server.data_dir / "webhook-secret").read_text().strip().encode()

    def make(respond: Callable[[dict[str, Any]], tuple[int, Any]]) -> Webhook:
        made.append(Webhook(secret, respond))
        return made[-1]

    yield make
    for hook in made:
        hook.close()


def _confirm(event: dict[str, Any]) -> tuple[int, Any]:
    event["response"]["autoConfirmUser"] = True
    return 200, event


def test_a_webhook_trigger_receives_a_signed_event_and_answers(server, webhook):
    hook = webhook(_confirm)
    pool = create_pool(server, LambdaConfig={"PreSignUp": hook.url})
    username = unique()
    assert sign_up(server, pool, username)["UserConfirmed"] is True
    [call] = hook.calls
    assert call["signed"] and call["trigger"] == "PreSignUp"
    assert call["event"]["triggerSource"] == "PreSignUp_SignUp" and call["event"]["userName"] == username


def test_a_webhook_error_is_the_handlers_error_with_no_change(server, webhook):
    hook = webhook(lambda event: (400, {"errorMessage": "domain not allowed", "errorType": "Error"}))
    pool = create_pool(server, LambdaConfig={"PreSignUp": hook.url})
    before = state(server)
    with pytest.raises(ClientError) as exc:
        sign_up(server, pool, unique())
    assert error(exc) == ("UserLambdaValidationException", "PreSignUp failed with error domain not allowed.")
    assert changed_tables(before, state(server)) == set()


def test_an_unreachable_or_silent_webhook_is_unexpected(short_timeout):
    never = threading.Event()
    secret = (short_timeout.data_dir / "webhook-secret").read_text().strip().encode()

    def hang(event: dict[str, Any]) -> tuple[int, Any]:
        never.wait(5)
        return 200, event

    hook = Webhook(secret, hang)
    try:
        pool = create_pool(short_timeout, LambdaConfig={"PreSignUp": hook.url})
        before = state(short_timeout)
        with pytest.raises(ClientError) as exc:
            sign_up(short_timeout, pool, unique())
        assert error(exc)[0] == "UnexpectedLambdaException" and "timed out" in error(exc)[1]
        assert changed_tables(before, state(short_timeout)) == set()
    finally:
        never.set()
        hook.close()
    gone = create_pool(short_timeout, LambdaConfig={"PreSignUp": f"http://127.0.0.1:{free_port()}/nobody"})
    with pytest.raises(ClientError) as exc:
        sign_up(short_timeout, gone, unique())
    assert error(exc)[0] == "UnexpectedLambdaException"


def _machine_client(server: RunningServer, lambda_config: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, str]]:
    pool = create_pool(server, LambdaConfig=lambda_config)
    server.admin.create_resource_server(UserPoolId=pool["pool_id"], Identifier="https://api.example.com", Name="api",
                                        Scopes=[{"ScopeName": "read", "ScopeDescription": "r"},
                                                {"ScopeName": "write", "ScopeDescription": "w"}])
    client = server.admin.create_user_pool_client(
        UserPoolId=pool["pool_id"], ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["https://api.example.com/read"],
    )["UserPoolClient"]
    return pool, (client["ClientId"], client["ClientSecret"])


def _machine_token(server: RunningServer, basic: tuple[str, str], **form: str) -> Any:
    import httpx

    return httpx.post(server.url + "/oauth2/token", data={"grant_type": "client_credentials", **form}, auth=basic, timeout=30)


def test_pre_token_generation_v3_changes_a_client_credentials_token(server):
    pool, basic = _machine_client(server, {"PreTokenGenerationConfig": {"LambdaVersion": "V3_0",
                                                                        "LambdaArn": H + "token_v3_machine"}})
    reply = _machine_token(server, basic, aws_client_metadata=json.dumps({"tenant": "acme"}))
    assert reply.status_code == 200, reply.text
    access = claims(reply.json()["access_token"])
    assert access["tenant"] == "acme"
    assert access["sub"] == basic[0] and access["client_id"] == basic[0] and "auth_time" in access  # protected claims stay
    assert access["scope"] == "https://api.example.com/write"  # read suppressed, write added
    assert "ignored" not in access and set(reply.json()) == {"access_token", "expires_in", "token_type"}
    [line] = recorded(server.data_dir, pool["pool_id"], "TokenGeneration")
    event = line["event"]
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials" and event["version"] == "3"
    assert event["userName"] == basic[0] and event["callerContext"]["clientId"] == basic[0]
    assert event["request"]["scopes"] == ["https://api.example.com/read"]
    assert event["request"]["userAttributes"] == {} and event["request"]["clientMetadata"] == {"tenant": "acme"}


@pytest.mark.parametrize("config", [
    {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": H + "token_v3_machine"}},
    {"PreTokenGenerationConfig": {"LambdaVersion": "V1_0", "LambdaArn": H + "token_v3_machine"}},
    {"PreTokenGeneration": H + "token_v3_machine"},
])
def test_pre_token_generation_before_v3_is_not_invoked_for_client_credentials(server, config):
    pool, basic = _machine_client(server, config)
    reply = _machine_token(server, basic)
    assert reply.status_code == 200, reply.text
    assert claims(reply.json()["access_token"])["scope"] == "https://api.example.com/read"
    assert recorded(server.data_dir, pool["pool_id"], "TokenGeneration") == []


def test_client_credentials_with_a_failing_v3_trigger_or_bad_metadata_issue_nothing(server):
    pool, basic = _machine_client(server, {"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": H + "refuse"}})
    refused = _machine_token(server, basic)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    assert "sign-ups are closed" in refused.json()["error_description"] and "access_token" not in refused.json()
    for bad in ("not json", json.dumps(["a"]), json.dumps({"n": 1})):
        answer = _machine_token(server, basic, aws_client_metadata=bad)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request", bad
    assert len(recorded(server.data_dir, pool["pool_id"])) == 1  # bad metadata never reached the trigger


def test_a_v3_trigger_gets_version_3_events_for_user_sign_ins_too(server, make_user, sign_in):
    pool = create_pool(server, LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": H + "token_v2"}})
    tokens = sign_in(pool, make_user(pool))
    assert claims(tokens["AccessToken"])["tenant"] == {"id": 7, "tier": "gold"}
    [line] = recorded(server.data_dir, pool["pool_id"], "TokenGeneration")
    assert line["event"]["version"] == "3" and line["event"]["triggerSource"] == "TokenGeneration_Authentication"
