"""The sans-I/O sign-in state machine, driven with scripted Cognito answers.

These do not stand in for the server: they pin down what the client sends for each step and
how it maps each answer to Amplify's next step. The same paths run over HTTP in
test_http_*.py wherever the server supports them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest
from client_helpers import CLIENT_ID, POOL_ID, FakeSrpServer, err, make_tokens

from userpool import srp
from userpool.auth import AuthClient, MemoryStore, SignInStep, errors


def test_srp_sign_in_done_stores_tokens_and_dispatches(scripted, events):
    client, wire = scripted
    fake = FakeSrpServer("alice", "Passw0rd!")
    wire.add("InitiateAuth", fake.initiate).add("RespondToAuthChallenge", fake.respond({"AuthenticationResult": make_tokens()}))
    out = client.sign_in(username="alice", password="Passw0rd!")
    assert out.is_signed_in and out.next_step.sign_in_step == SignInStep.DONE == "DONE"
    init, answer = wire.calls
    assert init.payload["AuthFlow"] == "USER_SRP_AUTH"
    assert set(init.payload["AuthParameters"]) == {"USERNAME", "SRP_A"}
    responses = answer.payload["ChallengeResponses"]
    assert answer.payload["ChallengeName"] == "PASSWORD_VERIFIER" and answer.payload["Session"] == "srp-session"
    assert responses["USERNAME"] == "alice"
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}", responses["TIMESTAMP"])
    session = client.fetch_auth_session()
    assert session.tokens is not None and session.tokens.access_token.payload["username"] == "alice"
    assert session.user_sub == "sub-alice"
    assert session.tokens.sign_in_details.auth_flow_type == "USER_SRP_AUTH"
    assert events[1] == ["signedIn"]
    assert not client.context.sign_in.active


def test_srp_wrong_password_is_not_authorized(scripted):
    client, wire = scripted
    fake = FakeSrpServer("alice", "right")
    wire.add("InitiateAuth", fake.initiate).add("RespondToAuthChallenge", fake.respond({"AuthenticationResult": make_tokens()}))
    with pytest.raises(errors.NotAuthorizedException) as info:
        client.sign_in("alice", "wrong")
    assert info.value.name == "NotAuthorizedException" and info.value.recovery_suggestion
    assert client.fetch_auth_session().tokens is None


def test_srp_username_is_user_id_for_srp_when_signing_in_with_alias(scripted):
    client, wire = scripted
    fake = FakeSrpServer("alice@example.com", "pw", user_id="2b1f-uuid")
    wire.add("InitiateAuth", fake.initiate).add("RespondToAuthChallenge", fake.respond({"AuthenticationResult": make_tokens()}))
    client.sign_in("alice@example.com", "pw")
    assert wire.calls[0].payload["AuthParameters"]["USERNAME"] == "alice@example.com"
    assert wire.calls[1].payload["ChallengeResponses"]["USERNAME"] == "2b1f-uuid"


def test_srp_claim_matches_pycognito_for_fixed_secrets(monkeypatch):
    """Wire compatibility: same a, same challenge, same timestamp -> pycognito's exact answer."""
    from pycognito import aws_srp

    a = int("1f" * 64, 16)
    fixed = dt.datetime(2026, 11, 6, 4, 59, 30)
    client = AuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID, endpoint="http://x.invalid/",
                        clock=lambda: fixed.replace(tzinfo=dt.UTC).timestamp(),
                        )
    client.context.srp_ephemeral = lambda: srp.client_ephemeral(a)
    fake = FakeSrpServer("bob", "S3cret!pass")
    from client_helpers import ScriptedTransport

    wire = ScriptedTransport()
    client._transport = wire  # type: ignore[assignment]
    wire.add("InitiateAuth", fake.initiate).add("RespondToAuthChallenge", fake.respond({"AuthenticationResult": make_tokens()}))
    client.sign_in("bob", "S3cret!pass")
    ours = wire.calls[1].payload["ChallengeResponses"]
    challenge = fake.initiate({"AuthParameters": {"SRP_A": format(pow(2, a, srp.N), "x")}})  # fresh B, same A
    helper = aws_srp.AWSSRP("bob", "S3cret!pass", POOL_ID, CLIENT_ID, client=object())
    helper.small_a_value = a
    helper.large_a_value = helper.calculate_a()
    assert format(helper.large_a_value, "x") == wire.calls[0].payload["AuthParameters"]["SRP_A"]

    class FrozenDatetime(dt.datetime):
        @classmethod
        def utcnow(cls):  # type: ignore[override]
            return fixed

    monkeypatch.setattr(aws_srp.datetime, "datetime", FrozenDatetime)
    theirs = helper.process_challenge(challenge["ChallengeParameters"], {"USERNAME": "bob"})
    # Our answer to that same challenge:
    from userpool.auth.flows.sign_in import password_verifier

    flow = password_verifier(client.context, srp.client_ephemeral(a), "S3cret!pass", challenge, None)
    call = next(flow)
    mine = call.payload["ChallengeResponses"]
    for key in ("TIMESTAMP", "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "USERNAME"):
        assert mine[key] == theirs[key], key
    assert ours["TIMESTAMP"] == "Fri Nov 6 04:59:30 UTC 2026"


def test_user_password_auth_and_secret_hash(clock, events):
    from client_helpers import ScriptedTransport

    client = AuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="s3cr3t", endpoint="http://x.invalid/",
                        hub=events[0], clock=clock)
    wire = ScriptedTransport().add("InitiateAuth", {"AuthenticationResult": make_tokens()})
    client._transport = wire  # type: ignore[assignment]
    out = client.sign_in("alice", "pw", options={"authFlowType": "USER_PASSWORD_AUTH"})
    assert out.is_signed_in
    params = wire.calls[0].payload["AuthParameters"]
    assert params == {"USERNAME": "alice", "PASSWORD": "pw", "SECRET_HASH": srp.secret_hash("s3cr3t", "alice", CLIENT_ID)}
    assert wire.calls[0].payload["AuthFlow"] == "USER_PASSWORD_AUTH"


@pytest.mark.parametrize(
    ("username", "password", "name"),
    [("", "pw", "EmptySignInUsername"), ("  ", "pw", "EmptySignInUsername"), ("alice", "", "EmptySignInPassword"),
     ("alice", None, "EmptySignInPassword")],
)
def test_validation_before_any_request(scripted, username, password, name):
    client, wire = scripted
    with pytest.raises(errors.AuthValidationError) as info:
        client.sign_in(username, password)
    assert info.value.name == name
    assert wire.calls == []


def test_sign_in_while_signed_in(scripted):
    client, wire = scripted
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens()})
    client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    with pytest.raises(errors.UserAlreadyAuthenticatedException):
        client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert len(wire.calls) == 1


@pytest.mark.parametrize(
    ("name", "step"),
    [("PasswordResetRequiredException", "RESET_PASSWORD"), ("UserNotConfirmedException", "CONFIRM_SIGN_UP")],
)
def test_errors_that_are_next_steps(scripted, name, step):
    client, wire = scripted
    wire.add("InitiateAuth", err(name, "x"))
    out = client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert not out.is_signed_in and out.next_step.sign_in_step == step
    assert not client.context.sign_in.active


def _challenge(name: str, **params: str) -> dict:
    return {"ChallengeName": name, "Session": f"sess-{name}", "ChallengeParameters": {"USERNAME": "alice", **params}}


def _start(client, wire, challenge: dict):
    wire.add("InitiateAuth", challenge)
    return client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})


def test_sms_mfa_step_and_answer(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge("SMS_MFA", CODE_DELIVERY_DELIVERY_MEDIUM="SMS", CODE_DELIVERY_DESTINATION="+*******1234"))
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_SMS_CODE"
    assert out.next_step.code_delivery_details.destination == "+*******1234"
    assert out.next_step.code_delivery_details.delivery_medium == "SMS"
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    assert client.confirm_sign_in("123456").is_signed_in
    sent = wire.calls[-1].payload
    assert sent["ChallengeName"] == "SMS_MFA" and sent["Session"] == "sess-SMS_MFA"
    assert sent["ChallengeResponses"] == {"USERNAME": "alice", "SMS_MFA_CODE": "123456"}


def test_email_otp_step_and_answer(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge("EMAIL_OTP", CODE_DELIVERY_DELIVERY_MEDIUM="EMAIL", CODE_DELIVERY_DESTINATION="a***@e***"))
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    assert out.next_step.code_delivery_details.destination == "a***@e***"
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    client.confirm_sign_in("87654321")
    assert wire.calls[-1].payload["ChallengeResponses"] == {"USERNAME": "alice", "EMAIL_OTP_CODE": "87654321"}


def test_totp_code_wrong_then_right_keeps_state(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge("SOFTWARE_TOKEN_MFA"))
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    wire.add("RespondToAuthChallenge", err("CodeMismatchException", "Invalid code received for user"))
    with pytest.raises(errors.CodeMismatchException):
        client.confirm_sign_in("000000")
    assert client.context.sign_in.active
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    assert client.confirm_sign_in("123456").is_signed_in
    assert wire.calls[-1].payload["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"] == "123456"


def test_expired_session_ends_the_sign_in(scripted):
    client, wire = scripted
    _start(client, wire, _challenge("SOFTWARE_TOKEN_MFA"))
    wire.add("RespondToAuthChallenge", err("NotAuthorizedException", "Invalid session for the user, session is expired."))
    with pytest.raises(errors.NotAuthorizedException):
        client.confirm_sign_in("123456")
    with pytest.raises(errors.SignInException):
        client.confirm_sign_in("123456")


def test_confirm_sign_in_without_sign_in(scripted):
    client, wire = scripted
    with pytest.raises(errors.SignInException):
        client.confirm_sign_in("x")
    with pytest.raises(errors.AuthValidationError) as info:
        client.confirm_sign_in("")
    assert info.value.name == "EmptyChallengeResponse"
    assert wire.calls == []


def test_select_mfa_type(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'))
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_MFA_SELECTION"
    assert out.next_step.allowed_mfa_types == ("SMS", "TOTP", "EMAIL")
    with pytest.raises(errors.AuthValidationError):
        client.confirm_sign_in("PIGEON")
    wire.add("RespondToAuthChallenge", _challenge("SOFTWARE_TOKEN_MFA"))
    out = client.confirm_sign_in("TOTP")
    assert wire.calls[-1].payload["ChallengeResponses"]["ANSWER"] == "SOFTWARE_TOKEN_MFA"
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"


def test_new_password_required_with_missing_attributes(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge(
        "NEW_PASSWORD_REQUIRED", userAttributes='{"email":"a@b.c"}', requiredAttributes='["userAttributes.name","userAttributes.family_name"]'))
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED"
    assert out.next_step.missing_attributes == ("name", "family_name")
    wire.add("RespondToAuthChallenge", err("InvalidPasswordException", "Password does not conform to policy"))
    with pytest.raises(errors.InvalidPasswordException):
        client.confirm_sign_in("short")
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    out = client.confirm_sign_in("N3w-Passw0rd!", {"user_attributes": {"name": "Al", "family_name": "Ice"}})
    assert out.is_signed_in
    assert wire.calls[-1].payload["ChallengeResponses"] == {
        "USERNAME": "alice", "NEW_PASSWORD": "N3w-Passw0rd!", "userAttributes.name": "Al", "userAttributes.family_name": "Ice"}


def test_custom_challenge_round_trips(scripted):
    client, wire = scripted
    wire.add("InitiateAuth", _challenge("CUSTOM_CHALLENGE", question="2+2?"))
    out = client.sign_in("alice", options={"auth_flow_type": "CUSTOM_WITHOUT_SRP"})
    assert wire.calls[0].payload["AuthFlow"] == "CUSTOM_AUTH"
    assert wire.calls[0].payload["AuthParameters"] == {"USERNAME": "alice"}
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    assert out.next_step.additional_info["question"] == "2+2?"
    wire.add("RespondToAuthChallenge", {**_challenge("CUSTOM_CHALLENGE", question="3+3?"), "Session": "s2"})
    out = client.confirm_sign_in("4")
    assert out.next_step.additional_info["question"] == "3+3?"
    assert wire.calls[-1].payload["ChallengeResponses"] == {"USERNAME": "alice", "ANSWER": "4"}
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    assert client.confirm_sign_in("6").is_signed_in
    assert wire.calls[-1].payload["Session"] == "s2"


def test_custom_with_srp(scripted):
    client, wire = scripted
    fake = FakeSrpServer("alice", "pw")
    wire.add("InitiateAuth", fake.initiate).add(
        "RespondToAuthChallenge", fake.respond(_challenge("CUSTOM_CHALLENGE", captcha="x")))
    out = client.sign_in("alice", "pw", {"auth_flow_type": "CUSTOM_WITH_SRP"})
    params = wire.calls[0].payload["AuthParameters"]
    assert wire.calls[0].payload["AuthFlow"] == "CUSTOM_AUTH" and params["CHALLENGE_NAME"] == "SRP_A" and "SRP_A" in params
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"


def test_mfa_setup_totp_only(scripted):
    client, wire = scripted
    wire.add("InitiateAuth", _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'))
    wire.add("AssociateSoftwareToken", {"SecretCode": "JBSWY3DPEHPK3PXP", "Session": "assoc-sess"})
    out = client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert wire.calls[1].payload == {"Session": "sess-MFA_SETUP"}
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    details = out.next_step.totp_setup_details
    assert details.shared_secret == "JBSWY3DPEHPK3PXP"
    assert details.get_setup_uri("My App") == "otpauth://totp/My%20App:alice?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
    wire.add("VerifySoftwareToken", {"Status": "SUCCESS", "Session": "verified-sess"})
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    assert client.confirm_sign_in("123456", {"friendly_device_name": "phone"}).is_signed_in
    verify, respond = wire.calls[-2:]
    assert verify.payload == {"UserCode": "123456", "Session": "assoc-sess", "FriendlyDeviceName": "phone"}
    assert respond.payload["ChallengeName"] == "MFA_SETUP" and respond.payload["Session"] == "verified-sess"
    assert respond.payload["ChallengeResponses"] == {"USERNAME": "alice"}


def test_mfa_setup_without_list_means_totp(scripted):
    client, wire = scripted
    wire.add("InitiateAuth", _challenge("MFA_SETUP"))
    wire.add("AssociateSoftwareToken", {"SecretCode": "S"})
    out = client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"


def test_mfa_setup_selection_then_email(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'))
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION"
    assert out.next_step.allowed_mfa_types == ("TOTP", "EMAIL")
    with pytest.raises(errors.AuthValidationError):
        client.confirm_sign_in("SMS")
    out = client.confirm_sign_in("EMAIL")
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"
    wire.add("RespondToAuthChallenge", _challenge("EMAIL_OTP", CODE_DELIVERY_DESTINATION="a***@b***", CODE_DELIVERY_DELIVERY_MEDIUM="EMAIL"))
    out = client.confirm_sign_in("alice@example.com")
    assert wire.calls[-1].payload["ChallengeName"] == "MFA_SETUP"
    assert wire.calls[-1].payload["ChallengeResponses"] == {"USERNAME": "alice", "EMAIL": "alice@example.com"}
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    assert client.confirm_sign_in("12345678").is_signed_in


def test_mfa_setup_selection_then_totp(scripted):
    client, wire = scripted
    _start(client, wire, _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'))
    wire.add("AssociateSoftwareToken", {"SecretCode": "SECRET", "Session": "a"})
    out = client.confirm_sign_in("totp")
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    assert out.next_step.totp_setup_details.shared_secret == "SECRET"


def test_mfa_setup_email_only(scripted):
    client, wire = scripted
    out = _start(client, wire, _challenge("MFA_SETUP", MFAS_CAN_SETUP='["EMAIL_OTP"]'))
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"


def test_unknown_challenge_is_an_error_and_resets(scripted):
    client, wire = scripted
    wire.add("InitiateAuth", _challenge("DEVICE_SRP_AUTH"))
    with pytest.raises(errors.SignInException):
        client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert not client.context.sign_in.active


def test_async_driver_runs_the_same_flows(scripted_async, events):
    aclient, wire = scripted_async
    fake = FakeSrpServer("alice", "pw")
    wire.add("InitiateAuth", fake.initiate).add("RespondToAuthChallenge", fake.respond(_challenge("SOFTWARE_TOKEN_MFA")))
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})

    async def go():
        out = await aclient.sign_in("alice", "pw")
        assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
        out = await aclient.confirm_sign_in("123456")
        assert out.is_signed_in
        return await aclient.fetch_auth_session()

    session = asyncio.run(go())
    assert session.tokens.access_token.payload["username"] == "alice"
    assert AuthClient(context=aclient.context).fetch_auth_session().user_sub == "sub-alice"  # one session, two drivers
    assert events[1] == ["signedIn"]


def test_options_as_dataclass_or_dict(scripted):
    from userpool.auth import SignInOptions

    client, wire = scripted
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens()})
    client.sign_in("alice", "pw", SignInOptions(auth_flow_type="USER_PASSWORD_AUTH", client_metadata={"k": "v"}))
    assert wire.calls[0].payload["ClientMetadata"] == {"k": "v"}
    with pytest.raises(errors.AuthValidationError):
        client.sign_in("alice", "pw", {"nope": 1})


def test_memory_is_the_default_store():
    client = AuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID)
    assert isinstance(client.context.store, MemoryStore)


def test_malformed_answers_end_the_sign_in(scripted):
    client, wire = scripted
    _start(client, wire, _challenge("SOFTWARE_TOKEN_MFA"))
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": {"IdToken": "x"}})
    with pytest.raises(errors.InvalidJWTError):
        client.confirm_sign_in("123456")
    assert not client.context.sign_in.active
    assert client.fetch_auth_session().tokens is None
    wire.add("InitiateAuth", {"Session": "no challenge, no tokens"})
    with pytest.raises(errors.SignInException):
        client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert not client.context.sign_in.active


def test_validation_error_in_confirm_keeps_the_sign_in(scripted):
    client, wire = scripted
    _start(client, wire, _challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA"]'))
    with pytest.raises(errors.AuthValidationError):
        client.confirm_sign_in("TOTP")  # not offered
    assert client.context.sign_in.active and len(wire.calls) == 1


# ------------------------------------------------------------------ USER_AUTH (choice-based, passwordless)


def test_user_auth_wire_shape_matches_amplify(scripted):
    """What Amplify's handleUserAuthFlow / handleSelectChallengeWithPassword send."""
    client, wire = scripted
    wire.add("InitiateAuth", {"ChallengeName": "SELECT_CHALLENGE", "Session": "s1", "ChallengeParameters": {},
                              "AvailableChallenges": ["PASSWORD", "EMAIL_OTP"]})
    out = client.sign_in("alice", options={"authFlowType": "USER_AUTH"})
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"
    assert out.next_step.available_challenges == ("PASSWORD", "EMAIL_OTP")
    assert wire.calls[0].payload["AuthFlow"] == "USER_AUTH"
    assert wire.calls[0].payload["AuthParameters"] == {"USERNAME": "alice"}  # no PREFERRED_CHALLENGE, no password
    assert client.confirm_sign_in("PASSWORD").next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_PASSWORD"
    assert len(wire.calls) == 1  # choosing a password factor asks for the password first, without a call
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    assert client.confirm_sign_in("Passw0rd!").is_signed_in
    answer = wire.calls[1].payload
    assert answer["ChallengeName"] == "SELECT_CHALLENGE" and answer["Session"] == "s1"
    assert answer["ChallengeResponses"] == {"USERNAME": "alice", "ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!"}


def test_user_auth_email_code_and_the_sign_up_session(scripted):
    client, wire = scripted
    wire.add("InitiateAuth", {"ChallengeName": "EMAIL_OTP", "Session": "s2", "ChallengeParameters": {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"}})
    out = client.sign_in("alice", options={"auth_flow_type": "USER_AUTH", "preferred_challenge": "EMAIL_OTP"})
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    assert out.next_step.code_delivery_details.destination == "a***@e***"
    assert wire.calls[0].payload["AuthParameters"] == {"USERNAME": "alice", "PREFERRED_CHALLENGE": "EMAIL_OTP"}
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    client.confirm_sign_in("123456")
    assert wire.calls[1].payload["ChallengeResponses"] == {"USERNAME": "alice", "EMAIL_OTP_CODE": "123456"}


def test_passwordless_sign_up_sends_no_password_and_auto_sign_in_sends_the_session(scripted):
    client, wire = scripted
    wire.add("SignUp", {"UserConfirmed": False, "UserSub": "sub-bob", "Session": "signup-session",
                        "CodeDeliveryDetails": {"DeliveryMedium": "EMAIL", "Destination": "b***@e***"}})
    wire.add("ConfirmSignUp", {"Session": "confirmed-session"})
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens()})
    client.sign_up("bob", options={"auto_sign_in": True, "auth_flow_type": "USER_AUTH"})
    assert "Password" not in wire.calls[0].payload
    assert client.confirm_sign_up("bob", "654321").next_step.sign_up_step == "COMPLETE_AUTO_SIGN_IN"
    assert client.auto_sign_in().is_signed_in
    init = wire.calls[2].payload
    assert init["AuthFlow"] == "USER_AUTH" and init["Session"] == "confirmed-session"
    assert init["AuthParameters"] == {"USERNAME": "bob"}
