"""aws-amplify 6.22 (the real npm package) through MFA and custom challenges against a running server.

Each test runs one Node process (tests/interop/node/amplify.mjs) through a recording proxy:
TOTP setup on a signed-in user then a TOTP sign-in, an e-mail code sign-in, TOTP (and e-mail)
setup inside the sign-in of an MFA-required pool, and custom challenges answered by the Python
trigger module tests/triggers/custom_auth.py (a two-question quiz, three tries at most).

TOTP codes: the secret is made by the server during the Node run, so the harness computes the
codes (RFC 6238) for a chosen time step -- ``{"totp": {"offset": n}}`` is the current step + n --
and the test checks every code against pyotp. A code is accepted once (the server refuses steps
at or before the last one accepted), so setup uses the current step and the next sign-in the
following one: no waiting for the clock.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.interop.conftest import Call, Wire, node_config, run_node, step, step_error
from tests.triggers import recorded

pytestmark = pytest.mark.interop

APP = "userpool-interop"  # the appName the harness gives getSetupUri
EMAIL_CONFIG = {"Message": "Your sign-in code: {####}", "Subject": "Sign-in code"}
QUIZ_MODULE = "python:tests.triggers.custom_auth:"
QUIZ = {
    "DefineAuthChallenge": QUIZ_MODULE + "define",
    "CreateAuthChallenge": QUIZ_MODULE + "create",
    "VerifyAuthChallengeResponse": QUIZ_MODULE + "verify",
}
DONE = {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
TOTP_CODE_STEP = {"isSignedIn": False, "nextStep": {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}}


def amplify(server: RunningServer, pool: dict[str, Any], wire: Wire, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return run_node("amplify.mjs", node_config(server, pool, wire.url, steps=steps))


def sign_in(username: str, password: str | None = PASSWORD, **options: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"do": "signIn", "username": username}
    if password is not None:
        s["password"] = password
    if options:
        s["options"] = options
    return s


def confirm(answer: Any, **extra: Any) -> dict[str, Any]:
    return {"do": "confirmSignIn", "challengeResponse": answer, **extra}


def mfa_pool(server: RunningServer, mode: str, *, totp: bool = False, email: bool = False) -> dict[str, Any]:
    pool = create_pool(server)
    config: dict[str, Any] = {"MfaConfiguration": mode}
    if totp:
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if email:
        config["EmailMfaConfiguration"] = EMAIL_CONFIG
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], **config)
    return pool


def admin_user(server: RunningServer, pool: dict[str, Any], username: str) -> dict[str, Any]:
    return dict(server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username))


def attributes(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def challenge_answers(wire: Wire, name: str) -> list[Call]:
    return [c for c in wire.find("RespondToAuthChallenge") if c.request["ChallengeName"] == name]


def check_totp_codes(codes: list[dict[str, Any]], secret: str) -> None:
    """The harness's RFC 6238 codes are pyotp's, for the secret the server handed out."""
    assert codes and all(c["secret"] == secret for c in codes)
    for c in codes:
        assert c["code"] == pyotp.TOTP(secret).at(c["step"] * 30), c


def assert_signed_in_as(server: RunningServer, session: dict[str, Any], username: str) -> None:
    assert server.public.get_user(AccessToken=session["accessToken"]["jwt"])["Username"] == username


# ------------------------------------------------------------------ TOTP


def test_totp_set_up_when_signed_in_then_a_sign_in_asks_for_the_code(server, make_user, wire):
    pool = mfa_pool(server, "OPTIONAL", totp=True)
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        sign_in(username),                                                     # 0: no MFA yet
        {"do": "setUpTOTP", "accountName": username},                          # 1
        {"do": "verifyTOTPSetup", "code": {"totp": {"offset": 0}},             # 2
         "options": {"friendlyDeviceName": "interop phone"}},
        {"do": "updateMFAPreference", "totp": "PREFERRED"},                    # 3
        {"do": "fetchMFAPreference"},                                          # 4
        {"do": "signOut"},                                                     # 5
        sign_in(username),                                                     # 6: asks for the code
        {**confirm({"totp": "last"}), "catch": True},                          # 7: the setup code again
        confirm({"totp": {"offset": 1}}),                                      # 8: the next step's code
        {"do": "getCurrentUser"},                                              # 9
        {"do": "fetchAuthSession"},                                            # 10
        {"do": "totpCodes"},                                                   # 11
        {"do": "hubEvents"},                                                   # 12
    ])
    assert step(result, 0, "signIn") == DONE
    setup = step(result, 1, "setUpTOTP")
    secret = setup["sharedSecret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert setup["setupUri"] == f"otpauth://totp/{APP}:{username}?secret={secret}&issuer={APP}"
    step(result, 2, "verifyTOTPSetup")
    step(result, 3, "updateMFAPreference")
    assert step(result, 4, "fetchMFAPreference") == {"preferred": "TOTP", "enabled": ["TOTP"]}
    assert step(result, 6, "signIn") == TOTP_CODE_STEP
    # a code works once: Cognito's ExpiredCodeException "Your software token has already been used once."
    # (aws-amplify/amplify-swift's MFASignInTests wait 30 s after verifyTOTPSetup to avoid it)
    assert step_error(result, 7)["name"] == "ExpiredCodeException"
    assert step(result, 8, "confirmSignIn") == DONE
    assert step(result, 9, "getCurrentUser")["signInDetails"] == {"loginId": username, "authFlowType": "USER_SRP_AUTH"}
    assert_signed_in_as(server, step(result, 10, "fetchAuthSession"), username)
    codes = step(result, 11, "totpCodes")
    check_totp_codes(codes, secret)
    assert len(codes) == 2 and codes[1]["step"] > codes[0]["step"]
    assert step(result, 12, "hubEvents").count("signedIn") == 2

    # On the wire: setup with the access token, then SRP, the TOTP challenge, a refused code
    # and the right one in the same challenge session.
    assert [(c.op, c.error) for c in wire.calls] == [
        ("InitiateAuth", None), ("RespondToAuthChallenge", None),
        ("AssociateSoftwareToken", None), ("VerifySoftwareToken", None), ("SetUserMFAPreference", None), ("GetUser", None),
        ("RevokeToken", None),
        ("InitiateAuth", None), ("RespondToAuthChallenge", None),
        ("RespondToAuthChallenge", "ExpiredCodeException"), ("RespondToAuthChallenge", None),
    ]
    access_token = wire.find("AssociateSoftwareToken")[0].request["AccessToken"]
    assert wire.find("AssociateSoftwareToken")[0].request == {"AccessToken": access_token}
    assert wire.find("AssociateSoftwareToken")[0].response == {"SecretCode": secret}
    assert wire.find("VerifySoftwareToken")[0].request == {
        "AccessToken": access_token, "UserCode": codes[0]["code"], "FriendlyDeviceName": "interop phone",
    }
    assert wire.find("VerifySoftwareToken")[0].response == {"Status": "SUCCESS"}
    assert wire.find("SetUserMFAPreference")[0].request == {
        "AccessToken": access_token, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
    }
    verifier = wire.calls[8]
    assert verifier.request["ChallengeName"] == "PASSWORD_VERIFIER"
    assert verifier.response["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert verifier.response["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "interop phone"
    reused, right = challenge_answers(wire, "SOFTWARE_TOKEN_MFA")
    assert reused.request["ChallengeResponses"] == {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": codes[0]["code"]}
    assert right.request["ChallengeResponses"] == {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": codes[1]["code"]}
    assert reused.request["Session"] == right.request["Session"] == verifier.response["Session"]
    assert "AccessToken" in right.response["AuthenticationResult"]

    user = admin_user(server, pool, username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


# ------------------------------------------------------------------ e-mail codes


def test_email_code_sign_in(server, make_user, wire):
    pool = mfa_pool(server, "OPTIONAL", email=True)
    username = make_user(pool)
    server.admin.admin_set_user_mfa_preference(
        UserPoolId=pool["pool_id"], Username=username, EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    before = len(server.outbox())
    result = amplify(server, pool, wire, [
        sign_in(username),
        {**confirm({"outbox": "MFA_EMAIL", "wrong": True}, username=username), "catch": True},
        confirm({"outbox": "MFA_EMAIL"}, username=username),
        {"do": "fetchMFAPreference"},
        {"do": "fetchAuthSession"},
    ])
    assert step(result, 0, "signIn") == {
        "isSignedIn": False,
        "nextStep": {
            "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": f"{username[0]}***@e***"},
        },
    }
    assert step_error(result, 1)["name"] == "CodeMismatchException"
    assert step(result, 2, "confirmSignIn") == DONE
    assert step(result, 3, "fetchMFAPreference") == {"preferred": "EMAIL", "enabled": ["EMAIL"]}
    assert_signed_in_as(server, step(result, 4, "fetchAuthSession"), username)

    # One code went out, by e-mail, to the user's address; a wrong one did not cost a new one.
    sent = server.outbox()[before:]
    assert [(m["kind"], m["username"]) for m in sent] == [("MFA_EMAIL", username)]
    message = sent[0]
    assert message["delivery_medium"] == "EMAIL" and message["destination"] == f"{username}@example.com"
    assert message["subject"] == "Sign-in code" and message["message"] == f"Your sign-in code: {message['code']}"

    wrong, right = challenge_answers(wire, "EMAIL_OTP")
    assert (wrong.error, right.error) == ("CodeMismatchException", None)
    assert wrong.request["ChallengeResponses"]["EMAIL_OTP_CODE"] != message["code"]
    assert right.request["ChallengeResponses"] == {"USERNAME": username, "EMAIL_OTP_CODE": message["code"]}
    assert wrong.request["Session"] == right.request["Session"]
    assert [c.op for c in wire.calls] == [
        "InitiateAuth", "RespondToAuthChallenge", "RespondToAuthChallenge", "RespondToAuthChallenge", "GetUser",
    ]


# ------------------------------------------------------------------ MFA required: setup during sign-in


def test_mfa_required_pool_sets_up_totp_during_sign_in(server, make_user, wire):
    pool = mfa_pool(server, "ON", totp=True)
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        sign_in(username),                                                         # 0
        confirm({"totp": {"offset": 0}}, options={"friendlyDeviceName": "setup phone"}),  # 1
        {"do": "fetchMFAPreference"},                                              # 2
        {"do": "signOut"},                                                         # 3
        sign_in(username),                                                         # 4
        confirm({"totp": {"offset": 1}}),                                          # 5
        {"do": "fetchAuthSession"},                                                # 6
        {"do": "totpCodes"},                                                       # 7
    ])
    first = step(result, 0, "signIn")
    assert first["isSignedIn"] is False and first["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    secret = first["nextStep"]["totpSetupDetails"]["sharedSecret"]
    assert first["nextStep"]["totpSetupDetails"]["setupUri"] == f"otpauth://totp/{APP}:{username}?secret={secret}&issuer={APP}"
    assert step(result, 1, "confirmSignIn") == DONE
    assert step(result, 2, "fetchMFAPreference") == {"preferred": "TOTP", "enabled": ["TOTP"]}
    assert step(result, 4, "signIn") == TOTP_CODE_STEP
    assert step(result, 5, "confirmSignIn") == DONE
    assert_signed_in_as(server, step(result, 6, "fetchAuthSession"), username)
    codes = step(result, 7, "totpCodes")
    check_totp_codes(codes, secret)

    assert all(c.status == 200 for c in wire.calls)
    assert [c.op for c in wire.calls][:5] == [
        "InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken", "RespondToAuthChallenge",
    ]
    verifier, associate, verify, setup = wire.calls[1:5]
    assert verifier.response["ChallengeName"] == "MFA_SETUP"
    assert verifier.response["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'
    # Each step carries the Session the one before answered with.
    assert associate.request == {"Session": verifier.response["Session"]}
    assert associate.response["SecretCode"] == secret and associate.response["Session"]
    assert verify.request == {"Session": associate.response["Session"], "UserCode": codes[0]["code"], "FriendlyDeviceName": "setup phone"}
    assert verify.response["Status"] == "SUCCESS"
    assert setup.request["ChallengeName"] == "MFA_SETUP" and setup.request["Session"] == verify.response["Session"]
    assert "AccessToken" in setup.response["AuthenticationResult"]
    second = challenge_answers(wire, "SOFTWARE_TOKEN_MFA")
    assert len(second) == 1 and second[0].request["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"] == codes[1]["code"]

    user = admin_user(server, pool, username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_mfa_required_pool_offering_totp_and_email_lets_the_user_pick_totp(server, make_user, wire):
    pool = mfa_pool(server, "ON", totp=True, email=True)
    username = make_user(pool, attributes={"email_verified": "false"})  # no verified address: nothing works yet
    result = amplify(server, pool, wire, [
        sign_in(username),
        confirm("TOTP"),
        confirm({"totp": {"offset": 0}}),
        {"do": "fetchMFAPreference"},
        {"do": "totpCodes"},
    ])
    assert step(result, 0, "signIn") == {
        "isSignedIn": False,
        "nextStep": {"signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION", "allowedMFATypes": ["TOTP", "EMAIL"]},
    }
    chosen = step(result, 1, "confirmSignIn")
    assert chosen["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    secret = chosen["nextStep"]["totpSetupDetails"]["sharedSecret"]
    assert step(result, 2, "confirmSignIn") == DONE
    assert step(result, 3, "fetchMFAPreference") == {"preferred": "TOTP", "enabled": ["TOTP"]}
    check_totp_codes(step(result, 4, "totpCodes"), secret)

    # Choosing TOTP is Amplify's own step: the next call is AssociateSoftwareToken with the Session.
    assert all(c.status == 200 for c in wire.calls)
    assert [c.op for c in wire.calls][:5] == [
        "InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken", "RespondToAuthChallenge",
    ]
    assert wire.calls[1].response["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]'
    assert wire.calls[2].request == {"Session": wire.calls[1].response["Session"]}


def test_mfa_required_pool_sets_up_email_mfa_during_sign_in(server, make_user, wire):
    pool = mfa_pool(server, "ON", totp=True, email=True)
    username = make_user(pool, attributes={"email_verified": "false"})
    address = f"{username}-mfa@example.net"
    result = amplify(server, pool, wire, [
        sign_in(username),
        confirm("EMAIL"),
        confirm(address),
        confirm({"outbox": "MFA_EMAIL"}, username=username),
        {"do": "fetchUserAttributes"},
        {"do": "fetchMFAPreference"},
    ])
    assert step(result, 0, "signIn")["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION"
    assert step(result, 1, "confirmSignIn") == {"isSignedIn": False, "nextStep": {"signInStep": "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"}}
    assert step(result, 2, "confirmSignIn") == {
        "isSignedIn": False,
        "nextStep": {
            "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": f"{username[0]}***@e***"},
        },
    }
    assert step(result, 3, "confirmSignIn") == DONE
    attrs = step(result, 4, "fetchUserAttributes")
    assert attrs["email"] == address and attrs["email_verified"] == "true"
    assert step(result, 5, "fetchMFAPreference") == {"preferred": "EMAIL", "enabled": ["EMAIL"]}

    assert all(c.status == 200 for c in wire.calls)
    setup = challenge_answers(wire, "MFA_SETUP")
    assert len(setup) == 1 and setup[0].request["ChallengeResponses"] == {"USERNAME": username, "EMAIL": address}
    assert setup[0].request["Session"] == wire.calls[1].response["Session"]  # "EMAIL" itself stayed in Amplify
    message = server.outbox()[-1]
    assert message["kind"] == "MFA_EMAIL" and message["destination"] == address
    assert challenge_answers(wire, "EMAIL_OTP")[0].request["ChallengeResponses"]["EMAIL_OTP_CODE"] == message["code"]


# ------------------------------------------------------------------ custom challenges


def defines(server: RunningServer, pool: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The ``session`` history each DefineAuthChallenge call saw."""
    return [e["event"]["request"]["session"] for e in recorded(server.data_dir, pool["pool_id"], "DefineAuthChallenge_Authentication")]


def quiz_step(n: int, username: str) -> dict[str, Any]:
    return {
        "isSignedIn": False,
        "nextStep": {
            "signInStep": "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE",
            "additionalInfo": {"question": f"{n} + 1 = ?", "USERNAME": username},
        },
    }


def entry(result: bool, n: int) -> dict[str, Any]:
    return {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": result, "challengeMetadata": f"QUIZ-{n}"}


def test_custom_challenge_without_srp(server, make_user, wire):
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        sign_in(username, None, authFlowType="CUSTOM_WITHOUT_SRP"),
        confirm("2"),
        {"do": "getCurrentUser"},
        {"do": "fetchAuthSession"},
    ])
    assert step(result, 0, "signIn") == quiz_step(1, username)
    assert step(result, 1, "confirmSignIn") == DONE
    assert step(result, 2, "getCurrentUser")["signInDetails"] == {"loginId": username, "authFlowType": "CUSTOM_WITHOUT_SRP"}
    assert_signed_in_as(server, step(result, 3, "fetchAuthSession"), username)

    assert all(c.status == 200 for c in wire.calls)
    assert [c.op for c in wire.calls] == ["InitiateAuth", "RespondToAuthChallenge"]
    initiate, answer = wire.calls
    assert initiate.request["AuthFlow"] == "CUSTOM_AUTH" and initiate.request["AuthParameters"] == {"USERNAME": username}
    assert answer.request["ChallengeName"] == "CUSTOM_CHALLENGE" and answer.request["Session"] == initiate.response["Session"]
    assert answer.request["ChallengeResponses"] == {"USERNAME": username, "ANSWER": "2"}
    assert defines(server, pool) == [[], [entry(True, 1)]]


def test_custom_challenge_wrong_answers(server, make_user, wire):
    """A wrong answer brings the quiz's next question; the third wrong one fails the sign-in."""
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        sign_in(username, None, authFlowType="CUSTOM_WITHOUT_SRP"),   # 0
        confirm("5"),                                                 # 1: wrong
        confirm("3"),                                                 # 2: right (2 + 1)
        {"do": "signOut"},                                            # 3
        sign_in(username, None, authFlowType="CUSTOM_WITHOUT_SRP"),   # 4
        confirm("0"),                                                 # 5
        confirm("0"),                                                 # 6
        {**confirm("0"), "catch": True},                              # 7: three wrong answers
        {"do": "fetchAuthSession"},                                   # 8
    ])
    assert step(result, 0, "signIn") == quiz_step(1, username)
    assert step(result, 1, "confirmSignIn") == quiz_step(2, username)
    assert step(result, 2, "confirmSignIn") == DONE
    assert step(result, 4, "signIn") == quiz_step(1, username)
    assert step(result, 5, "confirmSignIn") == quiz_step(2, username)
    assert step(result, 6, "confirmSignIn") == quiz_step(3, username)
    failed = step_error(result, 7)
    assert failed["name"] == "NotAuthorizedException" and failed["message"] == "Incorrect username or password."
    assert step(result, 8, "fetchAuthSession")["accessToken"] is None

    answers = challenge_answers(wire, "CUSTOM_CHALLENGE")
    assert [(c.request["ChallengeResponses"]["ANSWER"], c.error) for c in answers] == [
        ("5", None), ("3", None), ("0", None), ("0", None), ("0", "NotAuthorizedException"),
    ]
    assert answers[1].request["Session"] == answers[0].response["Session"]  # a new session per question
    assert defines(server, pool) == [
        [], [entry(False, 1)], [entry(False, 1), entry(True, 2)],
        [], [entry(False, 1)], [entry(False, 1), entry(False, 2)], [entry(False, 1), entry(False, 2), entry(False, 3)],
    ]


def test_custom_challenge_with_srp(server, make_user, wire):
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    result = amplify(server, pool, wire, [
        {**sign_in(username, "Wr0ng-Passw0rd!", authFlowType="CUSTOM_WITH_SRP"), "catch": True},
        sign_in(username, authFlowType="CUSTOM_WITH_SRP"),
        confirm("2"),
        {"do": "getCurrentUser"},
    ])
    assert step_error(result, 0)["name"] == "NotAuthorizedException"
    assert step(result, 1, "signIn") == quiz_step(1, username)
    assert step(result, 2, "confirmSignIn") == DONE
    assert step(result, 3, "getCurrentUser")["signInDetails"] == {"loginId": username, "authFlowType": "CUSTOM_WITH_SRP"}

    assert [(c.op, c.error) for c in wire.calls] == [
        ("InitiateAuth", None), ("RespondToAuthChallenge", "NotAuthorizedException"),
        ("InitiateAuth", None), ("RespondToAuthChallenge", None), ("RespondToAuthChallenge", None),
    ]
    initiate = wire.calls[2].request
    assert initiate["AuthFlow"] == "CUSTOM_AUTH" and initiate["AuthParameters"]["CHALLENGE_NAME"] == "SRP_A"
    assert wire.calls[3].request["ChallengeName"] == "PASSWORD_VERIFIER"
    assert wire.calls[4].request["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert wire.calls[4].request["Session"] == wire.calls[3].response["Session"]
    srp_a = {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}
    verifier = {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None}
    assert defines(server, pool) == [[srp_a], [srp_a], [srp_a, verifier], [srp_a, verifier, entry(True, 1)]]

