"""Passkey sign-in: USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN (or SELECT_CHALLENGE's
ANSWER), the WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS and the CREDENTIAL answer, with
the software authenticator; and every refusal (wrong origin or RP id, a replayed assertion, a
counter going backwards, another user's credential, an unknown credential, no user
verification where it is required, a tampered signature), each a Cognito-shaped 400 that
changes nothing but the failure count toward lockout and the session's tries (``counted``);
a malformed credential changes nothing at all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ALL_FLOWS, create_pool
from tests.passkey_authenticator import SoftwareAuthenticator, b64url, unb64url
from tests.server.helpers import (
    claims,
    ok,
    rejected,
    rejected_recording,
    tokens_for,
    unknown_offered,
    user_column,
)
from tests.server.test_webauthn_registration import ORIGIN, PASSKEY_POLICY, RP_ID, register

FLOWS = [*ALL_FLOWS, "ALLOW_USER_AUTH"]


def passkey_pool(server: Any, *, user_verification: str = "preferred", prevent: str = "ENABLED") -> dict[str, Any]:
    pool = create_pool(server, Policies=PASSKEY_POLICY,
                       client_args={"ExplicitAuthFlows": FLOWS, "PreventUserExistenceErrors": prevent})
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": RP_ID, "UserVerification": user_verification}
    )
    return pool


def with_passkey(server: Any, pool: dict[str, Any], make_user: Any, authenticator: SoftwareAuthenticator) -> str:
    username = make_user(pool)
    register(server, tokens_for(server, pool, username)["AccessToken"], authenticator)
    return str(username)


def challenge(server: Any, pool: dict[str, Any], username: str) -> dict[str, Any]:
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"}}
    step = ok(server, "InitiateAuth", body)
    assert step["ChallengeName"] == "WEB_AUTHN", step
    return step


def options_of(step: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]))


def answer(pool: dict[str, Any], step: dict[str, Any], username: str, credential: dict[str, Any]) -> dict[str, Any]:
    return {"ClientId": pool["client_id"], "ChallengeName": "WEB_AUTHN", "Session": step["Session"],
            "ChallengeResponses": {"USERNAME": username, "CREDENTIAL": json.dumps(credential)}}


def counted(server: Any, pool: dict[str, Any], username: str, body: dict[str, Any], *, message: str | None = None,
            known: bool = True) -> dict[str, Any]:
    """Refused as a wrong password is: NotAuthorizedException, the user's (or the unknown name's)
    failure count one up toward lockout, the session kept for another try; nothing else changed."""
    before = user_column(server, pool["pool_id"], username, "failed_attempts") or 0 if known else 0
    out = rejected_recording(server, "RespondToAuthChallenge", body, "NotAuthorizedException", message=message,
                             tables={"users" if known else "unknown_users", "auth_sessions"})
    if known:
        assert user_column(server, pool["pool_id"], username, "failed_attempts") == before + 1
    return out


@pytest.fixture
def ppool(server: Any) -> dict[str, Any]:
    return passkey_pool(server)


@pytest.fixture
def authenticator() -> SoftwareAuthenticator:
    return SoftwareAuthenticator(ORIGIN)


# ------------------------------------------------------------------ success


def test_boto3_signs_in_with_a_passkey(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = server.public.initiate_auth(
        ClientId=ppool["client_id"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"}
    )
    options = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert options["rpId"] == RP_ID
    assert options["userVerification"] == "preferred"
    assert [c["id"] for c in options["allowCredentials"]] == list(authenticator.keys)
    done = server.public.respond_to_auth_challenge(
        ClientId=ppool["client_id"], ChallengeName="WEB_AUTHN", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "CREDENTIAL": json.dumps(authenticator.get(options))},
    )
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username
    [(credential_id, key)] = authenticator.keys.items()
    assert server.query("SELECT sign_count FROM webauthn_credentials WHERE credential_id = ?", credential_id) == [(key.counter,)]


def test_select_challenge_offers_web_authn_to_a_user_with_a_passkey(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    without = make_user(ppool)
    body = {"ClientId": ppool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": username}}
    step = ok(server, "InitiateAuth", body)
    assert step["ChallengeName"] == "SELECT_CHALLENGE"
    assert "WEB_AUTHN" in step["AvailableChallenges"]
    other = ok(server, "InitiateAuth", {**body, "AuthParameters": {"USERNAME": without}})
    assert "WEB_AUTHN" not in other["AvailableChallenges"]
    picked = ok(server, "RespondToAuthChallenge", {
        "ClientId": ppool["client_id"], "ChallengeName": "SELECT_CHALLENGE", "Session": step["Session"],
        "ChallengeResponses": {"USERNAME": username, "ANSWER": "WEB_AUTHN"},
    })
    assert picked["ChallengeName"] == "WEB_AUTHN"
    done = ok(server, "RespondToAuthChallenge", answer(ppool, picked, username, authenticator.get(options_of(picked))))
    assert "AccessToken" in done["AuthenticationResult"]


def test_unknown_user_gets_options_like_a_users_and_fails_at_the_answer(server, ppool, make_user, authenticator):
    with_passkey(server, ppool, make_user, authenticator)
    nobody = unknown_offered(server, ppool, {"WEB_AUTHN"})
    step = challenge(server, ppool, nobody)
    assert len(options_of(step)["allowCredentials"]) == 1
    again = challenge(server, ppool, nobody)
    assert options_of(again)["allowCredentials"] == options_of(step)["allowCredentials"]
    credential = authenticator.assert_with(next(iter(authenticator.keys)), options_of(step)["challenge"], RP_ID)
    counted(server, ppool, nobody, answer(ppool, step, nobody, credential), known=False)


def test_no_challenge_is_readable_in_the_database(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    raw = options_of(step)["challenge"]
    dump = json.dumps(server.snapshot(), default=repr)
    assert raw not in dump and unb64url(raw).hex() not in dump


# ------------------------------------------------------------------ refusals


def test_replayed_assertion_is_refused(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    credential = authenticator.get(options_of(step))
    ok(server, "RespondToAuthChallenge", answer(ppool, step, username, credential))
    rejected(server, "RespondToAuthChallenge", answer(ppool, step, username, credential), "NotAuthorizedException")
    fresh = challenge(server, ppool, username)  # the same assertion in a new session: not its challenge
    counted(server, ppool, username, answer(ppool, fresh, username, credential), message="challenge")


def test_counter_going_backwards_is_refused(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    ok(server, "RespondToAuthChallenge", answer(ppool, step, username, authenticator.get(options_of(step))))
    authenticator.counter_step = -1  # a cloned authenticator behind the real one
    step = challenge(server, ppool, username)
    counted(server, ppool, username, answer(ppool, step, username, authenticator.get(options_of(step))),
            message="sign count")
    authenticator.counter_step = 0  # the same counter again
    counted(server, ppool, username, answer(ppool, step, username, authenticator.get(options_of(step))),
            message="sign count")
    authenticator.counter_step = 5  # the session was not used up by the refusals
    ok(server, "RespondToAuthChallenge", answer(ppool, step, username, authenticator.get(options_of(step))))


@pytest.mark.parametrize("origin", ["https://evil.test", "http://example.com", "https://example.com.evil.test"])
def test_wrong_origin_is_refused(server, ppool, make_user, authenticator, origin):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    authenticator.origin = origin
    counted(server, ppool, username, answer(ppool, step, username, authenticator.get(options_of(step))), message="origin")


def test_wrong_rp_id_is_refused(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    authenticator.rp_id = "evil.test"
    counted(server, ppool, username, answer(ppool, step, username, authenticator.get(options_of(step))),
            message="relying party")


def test_credential_of_another_user_is_refused(server, ppool, make_user, authenticator):
    alice = with_passkey(server, ppool, make_user, authenticator)
    bobs_key = SoftwareAuthenticator(ORIGIN)
    with_passkey(server, ppool, make_user, bobs_key)
    step = challenge(server, ppool, alice)
    bobs = bobs_key.assert_with(next(iter(bobs_key.keys)), options_of(step)["challenge"], RP_ID)
    counted(server, ppool, alice, answer(ppool, step, alice, bobs))


def test_unknown_credential_is_refused(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    stranger = SoftwareAuthenticator(ORIGIN)
    stranger.create({"rp": {"id": RP_ID}, "user": {"id": b64url(b"someone")}, "challenge": b64url(b"x" * 32)})
    step = challenge(server, ppool, username)
    credential = stranger.assert_with(next(iter(stranger.keys)), options_of(step)["challenge"], RP_ID)
    counted(server, ppool, username, answer(ppool, step, username, credential))


def test_tampered_signature_is_refused(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    credential = authenticator.get(options_of(step))
    signature = bytearray(unb64url(credential["response"]["signature"]))
    signature[-1] ^= 1
    credential["response"]["signature"] = b64url(bytes(signature))
    counted(server, ppool, username, answer(ppool, step, username, credential), message="signature")


def test_user_verification_required_refuses_an_unverified_assertion(server, make_user):
    pool = passkey_pool(server, user_verification="required")
    authenticator = SoftwareAuthenticator(ORIGIN)
    username = with_passkey(server, pool, make_user, authenticator)
    step = challenge(server, pool, username)
    assert options_of(step)["userVerification"] == "required"
    authenticator.user_verified = False
    counted(server, pool, username, answer(pool, step, username, authenticator.get(options_of(step))), message="verif")


@pytest.mark.parametrize("credential", ["", "not json", json.dumps({"id": "x"}), json.dumps([1, 2])])
def test_malformed_credential_is_refused(server, ppool, make_user, authenticator, credential):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    body = answer(ppool, step, username, {})
    body["ChallengeResponses"]["CREDENTIAL"] = credential
    rejected(server, "RespondToAuthChallenge", body, "InvalidParameterException")


def test_deleted_passkey_no_longer_signs_in(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    step = challenge(server, ppool, username)
    token = tokens_for(server, ppool, username)["AccessToken"]
    ok(server, "DeleteWebAuthnCredential", {"AccessToken": token, "CredentialId": next(iter(authenticator.keys))})
    counted(server, ppool, username, answer(ppool, step, username, authenticator.get(options_of(step))))
