"""Passkey sign-in: USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN (or SELECT_CHALLENGE's
ANSWER), the WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS and the CREDENTIAL answer, with
the software authenticator; and every refusal (wrong origin or RP id, a replayed assertion, a
counter going backwards, another user's credential, an unknown credential, no user
verification where it is required, a tampered signature), each a Cognito-shaped 400 that
changes nothing but the failure count toward lockout and the session's tries (``counted``);
a malformed credential changes nothing at all."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import ALL_FLOWS, create_pool
from tests.passkey_authenticator import SoftwareAuthenticator, b64url, unb64url
from tests.server.helpers import (
    claims,
    execute,
    ok,
    rejected,
    rejected_recording,
    state,
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


def lock_until(server: Any, pool: dict[str, Any], username: str, when: float) -> None:
    execute(server, "UPDATE users SET locked_until = ? WHERE pool_id = ? AND username = ?", when, pool["pool_id"], username)


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


# ------------------------------------------------------------------ lockout


def forged(authenticator: SoftwareAuthenticator, step: dict[str, Any]) -> dict[str, Any]:
    credential = authenticator.get(options_of(step))
    signature = bytearray(unb64url(credential["response"]["signature"]))
    signature[-1] ^= 1
    credential["response"]["signature"] = b64url(bytes(signature))
    return credential


def test_failed_assertions_lock_the_user_out_as_wrong_passwords_do(server, ppool, make_user, authenticator):
    username = with_passkey(server, ppool, make_user, authenticator)
    first = challenge(server, ppool, username)
    for _ in range(3):  # mfa.MAX_ANSWERS tries per session, each counted
        counted(server, ppool, username, answer(ppool, first, username, forged(authenticator, first)), message="signature")
    rejected(server, "RespondToAuthChallenge", answer(ppool, first, username, authenticator.get(options_of(first))),
             "NotAuthorizedException", message="Invalid session")
    second = challenge(server, ppool, username)
    for _ in range(2):
        counted(server, ppool, username, answer(ppool, second, username, forged(authenticator, second)))
    assert user_column(server, ppool["pool_id"], username, "failed_attempts") == 5
    assert user_column(server, ppool["pool_id"], username, "locked_until") is not None
    lock_until(server, ppool, username, time.time() + 600)  # the first (1 s) lockout, long enough to observe
    good = answer(ppool, second, username, authenticator.get(options_of(second)))
    rejected(server, "RespondToAuthChallenge", good, "NotAuthorizedException", message="Password attempts exceeded")
    with pytest.raises(server.public.exceptions.NotAuthorizedException, match="Password attempts exceeded"):
        server.public.initiate_auth(ClientId=ppool["client_id"], AuthFlow="USER_AUTH",
                                    AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert user_column(server, ppool["pool_id"], username, "failed_attempts") == 5  # attempts while locked do not count
    lock_until(server, ppool, username, time.time() - 1)  # the lockout is over: the session still takes a right one
    done = ok(server, "RespondToAuthChallenge", answer(ppool, second, username, authenticator.get(options_of(second))))
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username
    assert user_column(server, ppool["pool_id"], username, "failed_attempts") == 0


def test_failed_assertions_lock_an_unknown_name_out_too(server, ppool, make_user, authenticator):
    with_passkey(server, ppool, make_user, authenticator)
    ghost = unknown_offered(server, ppool, {"WEB_AUTHN"})
    for tries in (3, 2):  # five failures over two sessions
        step = challenge(server, ppool, ghost)
        for _ in range(tries):
            credential = authenticator.assert_with(next(iter(authenticator.keys)), options_of(step)["challenge"], RP_ID)
            counted(server, ppool, ghost, answer(ppool, step, ghost, credential), known=False)
    server.execute("UPDATE unknown_users SET locked_until = ? WHERE pool_id = ?", time.time() + 600, ppool["pool_id"])
    with pytest.raises(server.public.exceptions.NotAuthorizedException, match="Password attempts exceeded"):
        server.public.initiate_auth(ClientId=ppool["client_id"], AuthFlow="USER_AUTH",
                                    AuthParameters={"USERNAME": ghost, "PREFERRED_CHALLENGE": "WEB_AUTHN"})


# ------------------------------------------------------------------ passkeys as MFA (FactorConfiguration)

EMAIL_MFA = {"Message": "Code {####}", "Subject": "Code"}


def mfa_pool(server: Any, make_user: Any, authenticator: SoftwareAuthenticator, factor: str | None) -> tuple[dict[str, Any], str]:
    """An OPTIONAL-MFA pool (e-mail codes) and a user with a passkey and e-mail MFA turned on;
    ``factor`` is WebAuthnConfiguration.FactorConfiguration (None: left out)."""
    pool = passkey_pool(server)
    username = with_passkey(server, pool, make_user, authenticator)
    webauthn = {"RelyingPartyId": RP_ID, **({"FactorConfiguration": factor} if factor else {})}
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
                                          EmailMfaConfiguration=EMAIL_MFA, WebAuthnConfiguration=webauthn)
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username,
                                               EmailMfaSettings={"Enabled": True})
    return pool, username


def test_factor_configuration_is_set_and_read_back(server):
    pool = passkey_pool(server)
    config = {"RelyingPartyId": RP_ID, "UserVerification": "required", "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
    out = server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], WebAuthnConfiguration=config)
    assert out["WebAuthnConfiguration"] == config
    assert server.admin.get_user_pool_mfa_config(UserPoolId=pool["pool_id"])["WebAuthnConfiguration"] == config
    single = {**config, "FactorConfiguration": "SINGLE_FACTOR"}
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], WebAuthnConfiguration=single)
    assert server.admin.get_user_pool_mfa_config(UserPoolId=pool["pool_id"])["WebAuthnConfiguration"] == single


def test_passkeys_as_mfa_need_the_essentials_tier(server):
    lite = create_pool(server, UserPoolTier="LITE")
    before = state(server)
    with pytest.raises(server.admin.exceptions.FeatureUnavailableInTierException):
        server.admin.set_user_pool_mfa_config(UserPoolId=lite["pool_id"], WebAuthnConfiguration={
            "RelyingPartyId": RP_ID, "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    assert state(server) == before


def test_a_verified_passkey_satisfies_mfa(server, make_user, authenticator):
    pool, username = mfa_pool(server, make_user, authenticator, "MULTI_FACTOR_WITH_USER_VERIFICATION")
    offer = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": username})
    assert offer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"]  # passwordless otherwise barred
    step = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_AUTH",
                                       AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert step["ChallengeName"] == "WEB_AUTHN"
    sent = len(server.outbox())
    done = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="WEB_AUTHN", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "CREDENTIAL": json.dumps(authenticator.get(options_of(step)))},
    )
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username
    assert "ChallengeName" not in done and len(server.outbox()) == sent  # no MFA code went out


def test_an_unverified_passkey_goes_on_to_mfa(server, make_user, authenticator):
    pool, username = mfa_pool(server, make_user, authenticator, "MULTI_FACTOR_WITH_USER_VERIFICATION")
    step = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_AUTH",
                                       AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    authenticator.user_verified = False  # UserVerification "preferred": the authenticator may skip it
    mfa_step = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="WEB_AUTHN", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "CREDENTIAL": json.dumps(authenticator.get(options_of(step)))},
    )
    assert mfa_step["ChallengeName"] == "EMAIL_OTP" and "AuthenticationResult" not in mfa_step
    code = next(m["code"] for m in reversed(server.outbox()) if m["username"] == username)
    done = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="EMAIL_OTP", Session=mfa_step["Session"],
        ChallengeResponses={"USERNAME": username, "EMAIL_OTP_CODE": str(code)},
    )
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username


@pytest.mark.parametrize("factor", [None, "SINGLE_FACTOR"])
def test_a_single_factor_passkey_is_barred_where_mfa_applies(server, make_user, authenticator, factor):
    pool, username = mfa_pool(server, make_user, authenticator, factor)
    step = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_AUTH",
                                       AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert step["ChallengeName"] == "SELECT_CHALLENGE"
    assert step["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


def test_in_an_mfa_required_pool_a_verified_passkey_signs_in_and_an_unverified_one_sets_up_mfa(
    server, make_user, authenticator
):
    pool = passkey_pool(server)
    username = with_passkey(server, pool, make_user, authenticator)
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True},
        WebAuthnConfiguration={"RelyingPartyId": RP_ID, "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"},
    )
    results = []
    for verified in (True, False):
        authenticator.user_verified = verified
        step = challenge(server, pool, username)
        results.append(server.public.respond_to_auth_challenge(
            ClientId=pool["client_id"], ChallengeName="WEB_AUTHN", Session=step["Session"],
            ChallengeResponses={"USERNAME": username, "CREDENTIAL": json.dumps(authenticator.get(options_of(step)))},
        ))
    assert claims(results[0]["AuthenticationResult"]["AccessToken"])["username"] == username
    assert results[1]["ChallengeName"] == "MFA_SETUP" and "AuthenticationResult" not in results[1]
