"""Passkey registration and the credential list (StartWebAuthnRegistration,
CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential) through boto3
and the raw wire, with a software authenticator; every refusal is a Cognito-shaped 400 that
changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import create_pool
from tests.passkey_authenticator import SoftwareAuthenticator, b64url, unb64url
from tests.server.helpers import claims, ok, rejected, state, tokens_for
from userpool.server.passkeys import origin_allowed

RP_ID = "example.com"
ORIGIN = "https://example.com"
PASSKEY_POLICY = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}


def passkey_pool(server: Any, *, user_verification: str = "preferred", **pool_args: Any) -> dict[str, Any]:
    pool = create_pool(server, Policies=PASSKEY_POLICY, **pool_args)
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": RP_ID, "UserVerification": user_verification}
    )
    return pool


def access_token(server: Any, pool: dict[str, Any], make_user: Any, name: str | None = None) -> str:
    username = make_user(pool, name)
    return str(tokens_for(server, pool, username)["AccessToken"])


def start(server: Any, token: str) -> dict[str, Any]:
    return dict(ok(server, "StartWebAuthnRegistration", {"AccessToken": token})["CredentialCreationOptions"])


def register(server: Any, token: str, authenticator: SoftwareAuthenticator) -> dict[str, Any]:
    credential = authenticator.create(start(server, token))
    ok(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential})
    return credential


def listed(server: Any, token: str) -> list[dict[str, Any]]:
    return list(ok(server, "ListWebAuthnCredentials", {"AccessToken": token})["Credentials"])


@pytest.fixture
def ppool(server: Any) -> dict[str, Any]:
    return passkey_pool(server)


# ------------------------------------------------------------------ success


def test_boto3_registers_lists_and_deletes_a_passkey(server, ppool, make_user):
    username = make_user(ppool)
    tokens = tokens_for(server, ppool, username)
    client = server.public
    options = client.start_web_authn_registration(AccessToken=tokens["AccessToken"])["CredentialCreationOptions"]
    assert options["rp"]["id"] == RP_ID
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["excludeCredentials"] == []
    assert len(unb64url(options["challenge"])) >= 16
    authenticator = SoftwareAuthenticator(ORIGIN)
    credential = authenticator.create(options)
    client.complete_web_authn_registration(AccessToken=tokens["AccessToken"], Credential=credential)

    [item] = client.list_web_authn_credentials(AccessToken=tokens["AccessToken"])["Credentials"]
    assert item["CredentialId"] == credential["id"]
    assert item["RelyingPartyId"] == RP_ID
    assert item["AuthenticatorTransports"] == ["internal"]
    assert item["AuthenticatorAttachment"] == "platform"
    assert item["FriendlyCredentialName"]
    # a second registration excludes the passkey the user has
    again = client.start_web_authn_registration(AccessToken=tokens["AccessToken"])["CredentialCreationOptions"]
    assert [c["id"] for c in again["excludeCredentials"]] == [credential["id"]]

    client.delete_web_authn_credential(AccessToken=tokens["AccessToken"], CredentialId=credential["id"])
    assert client.list_web_authn_credentials(AccessToken=tokens["AccessToken"])["Credentials"] == []


def test_list_pages_with_max_results(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    authenticator = SoftwareAuthenticator(ORIGIN)
    ids = [register(server, token, authenticator)["id"] for _ in range(3)]
    first = ok(server, "ListWebAuthnCredentials", {"AccessToken": token, "MaxResults": 2})
    rest = ok(server, "ListWebAuthnCredentials", {"AccessToken": token, "NextToken": first["NextToken"]})
    assert [c["CredentialId"] for c in first["Credentials"] + rest["Credentials"]] == ids
    assert "NextToken" not in rest
    rejected(server, "ListWebAuthnCredentials", {"AccessToken": token, "NextToken": "garbage"}, "InvalidParameterException")


def test_relying_party_defaults_to_the_pool_domain(server, make_user):
    pool = create_pool(server, Policies=PASSKEY_POLICY)
    token = access_token(server, pool, make_user)
    rejected(server, "StartWebAuthnRegistration", {"AccessToken": token}, "WebAuthnConfigurationMissingException")
    prefix = "pk" + pool["pool_id"].split("_")[1].lower()[:20]
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=prefix)
    options = start(server, token)
    host = f"{prefix}.auth.{pool['region']}.amazoncognito.com"
    assert options["rp"]["id"] == host
    credential = SoftwareAuthenticator(f"https://{host}").create(options)
    ok(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential})
    assert [c["RelyingPartyId"] for c in listed(server, token)] == [host]


def test_pool_mfa_config_keeps_the_webauthn_configuration(server, ppool):
    config = server.admin.get_user_pool_mfa_config(UserPoolId=ppool["pool_id"])
    assert config["WebAuthnConfiguration"] == {"RelyingPartyId": RP_ID, "UserVerification": "preferred"}
    server.admin.set_user_pool_mfa_config(UserPoolId=ppool["pool_id"], MfaConfiguration="OFF")
    config = server.admin.get_user_pool_mfa_config(UserPoolId=ppool["pool_id"])
    assert config["WebAuthnConfiguration"]["RelyingPartyId"] == RP_ID


def test_no_challenge_is_readable_in_the_database(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    options = start(server, token)
    dump = json.dumps(server.snapshot(), default=repr)
    assert options["challenge"] not in dump
    assert unb64url(options["challenge"]).hex() not in dump
    assert repr(unb64url(options["challenge"])) not in dump


# ------------------------------------------------------------------ refusals


def test_pool_without_passkeys_is_web_authn_not_enabled(server, make_user):
    pool = create_pool(server)
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": RP_ID})
    token = access_token(server, pool, make_user)
    rejected(server, "StartWebAuthnRegistration", {"AccessToken": token}, "WebAuthnNotEnabledException")
    credential = {"id": "x", "rawId": "x", "type": "public-key", "response": {}}
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "WebAuthnNotEnabledException")


def test_complete_without_start_is_challenge_not_found(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    other = SoftwareAuthenticator(ORIGIN).create(start(server, access_token(server, ppool, make_user)))
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": other},
             "WebAuthnChallengeNotFoundException")


@pytest.mark.parametrize("origin", [
    "https://evil.test", "http://example.com", "https://example.com.evil.test", "https://notexample.com", "null",
])
def test_wrong_origin_is_refused(server, ppool, make_user, origin):
    token = access_token(server, ppool, make_user)
    credential = SoftwareAuthenticator(origin).create(start(server, token))
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "WebAuthnOriginNotAllowedException")


def test_subdomain_origin_is_allowed(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    credential = SoftwareAuthenticator("https://app.example.com:8443").create(start(server, token))
    ok(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential})


def test_wrong_rp_id_is_relying_party_mismatch(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    credential = SoftwareAuthenticator(ORIGIN, rp_id="evil.test").create(start(server, token))
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "WebAuthnRelyingPartyMismatchException")


def test_replayed_registration_is_refused(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    credential = register(server, token, SoftwareAuthenticator(ORIGIN))
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "WebAuthnChallengeNotFoundException")
    assert len(listed(server, token)) == 1


def test_an_older_start_is_replaced_by_a_newer_one(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    authenticator = SoftwareAuthenticator(ORIGIN)
    stale = authenticator.create(start(server, token))
    start(server, token)
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": stale},
             "WebAuthnChallengeNotFoundException")


def test_registration_for_another_user_is_refused(server, ppool, make_user):
    alice, bob = access_token(server, ppool, make_user), access_token(server, ppool, make_user)
    start(server, alice)
    bobs = SoftwareAuthenticator(ORIGIN).create(start(server, bob))
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": alice, "Credential": bobs},
             "WebAuthnChallengeNotFoundException")


def test_user_verification_required_refuses_an_unverified_authenticator(server, make_user):
    pool = passkey_pool(server, user_verification="required")
    token = access_token(server, pool, make_user)
    options = start(server, token)
    assert options["authenticatorSelection"]["userVerification"] == "required"
    credential = SoftwareAuthenticator(ORIGIN, user_verified=False).create(options)
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "InvalidParameterException", message="verif")


def test_another_app_client_is_client_mismatch(server, ppool, make_user):
    other = server.admin.create_user_pool_client(
        UserPoolId=ppool["pool_id"], ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    username = make_user(ppool)
    token = tokens_for(server, ppool, username)["AccessToken"]
    options = start(server, token)
    other_token = tokens_for(server, {**ppool, "client_id": other}, username)["AccessToken"]
    credential = SoftwareAuthenticator(ORIGIN).create(options)
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": other_token, "Credential": credential},
             "WebAuthnClientMismatchException")


@pytest.mark.parametrize("mangle", ["not-json", "no-response", "bad-attestation", "bad-client-data"])
def test_malformed_credential_is_invalid_parameter(server, ppool, make_user, mangle):
    token = access_token(server, ppool, make_user)
    credential = SoftwareAuthenticator(ORIGIN).create(start(server, token))
    if mangle == "not-json":
        credential = {"id": 5}
    elif mangle == "no-response":
        del credential["response"]
    elif mangle == "bad-attestation":
        credential["response"]["attestationObject"] = b64url(b"\xa1junk")
    else:
        credential["response"]["clientDataJSON"] = b64url(b"{not json")
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "InvalidParameterException")


def test_delete_another_users_or_an_unknown_credential_is_not_found(server, ppool, make_user):
    alice, bob = access_token(server, ppool, make_user), access_token(server, ppool, make_user)
    credential = register(server, alice, SoftwareAuthenticator(ORIGIN))
    rejected(server, "DeleteWebAuthnCredential", {"AccessToken": bob, "CredentialId": credential["id"]},
             "ResourceNotFoundException")
    rejected(server, "DeleteWebAuthnCredential", {"AccessToken": alice, "CredentialId": b64url(b"unknown")},
             "ResourceNotFoundException")
    assert listed(server, bob) == []
    assert [c["CredentialId"] for c in listed(server, alice)] == [credential["id"]]


def test_same_passkey_twice_is_refused(server, ppool, make_user):
    token = access_token(server, ppool, make_user)
    authenticator = SoftwareAuthenticator(ORIGIN)
    credential = register(server, token, authenticator)
    again = authenticator.create(start(server, token))
    rebuilt = rebuild_with_id(again, credential["id"])  # an attestation naming a registered credential id
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": rebuilt}, "InvalidParameterException",
             message="already registered")


def rebuild_with_id(credential: dict[str, Any], new_id: str) -> dict[str, Any]:
    """``credential`` (attestation "none") with its credential id replaced by ``new_id``."""
    from webauthn.helpers import encode_cbor, parse_cbor

    attestation = parse_cbor(unb64url(credential["response"]["attestationObject"]))
    auth_data: bytes = attestation["authData"]
    old_len = int.from_bytes(auth_data[53:55], "big")
    raw = unb64url(new_id)
    attestation["authData"] = auth_data[:53] + len(raw).to_bytes(2, "big") + raw + auth_data[55 + old_len:]
    response = {**credential["response"], "attestationObject": b64url(encode_cbor(attestation))}
    return {**credential, "id": new_id, "rawId": new_id, "response": response}


# ------------------------------------------------------------------ the origin rule, pure


@pytest.mark.parametrize(("origin", "rp_id", "allowed"), [
    ("https://example.com", "example.com", True),
    ("https://login.example.com", "example.com", True),
    ("https://example.com:8443", "example.com", True),
    ("http://example.com", "example.com", False),
    ("https://badexample.com", "example.com", False),
    ("https://example.com.evil.test", "example.com", False),
    ("http://localhost:5173", "localhost", True),
    ("https://localhost", "localhost", True),
    ("http://localhost:5173", "example.com", False),
    ("http://127.0.0.1:5173", "localhost", False),
    ("https://example.com:notaport", "example.com", False),
    ("null", "example.com", False),
])
def test_origin_rule(origin, rp_id, allowed):
    assert origin_allowed(origin, rp_id) is allowed


def test_a_token_without_the_user_admin_scope_is_refused(server, make_user):
    from tests.server.oauth_helpers import Browser, exchange, oauth_pool, redirect_params

    pool = oauth_pool(server, pool_args={"Policies": PASSKEY_POLICY})
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": RP_ID})
    username = make_user(pool)
    alice = tokens_for(server, pool, username)["AccessToken"]  # a password sign-in: full scope
    credential = register(server, alice, SoftwareAuthenticator(ORIGIN))
    browser = Browser(server)
    try:
        code = redirect_params(browser.sign_in(pool, username, scope="openid email"))["code"]
    finally:
        browser.close()
    narrow = exchange(server, pool, code).json()["access_token"]
    for op, body in [
        ("StartWebAuthnRegistration", {"AccessToken": narrow}),
        ("CompleteWebAuthnRegistration", {"AccessToken": narrow, "Credential": credential}),
        ("ListWebAuthnCredentials", {"AccessToken": narrow}),
        ("DeleteWebAuthnCredential", {"AccessToken": narrow, "CredentialId": credential["id"]}),
    ]:
        rejected(server, op, body, "NotAuthorizedException", message="does not have required scopes")


def test_update_user_pool_keeps_the_webauthn_configuration(server, ppool):
    server.admin.update_user_pool(UserPoolId=ppool["pool_id"], Policies=PASSKEY_POLICY)
    config = server.admin.get_user_pool_mfa_config(UserPoolId=ppool["pool_id"])
    assert config["WebAuthnConfiguration"]["RelyingPartyId"] == RP_ID


@pytest.mark.parametrize("config", [
    {"RelyingPartyId": "https://example.com"},
    {"RelyingPartyId": "example.com:443"},
    {"RelyingPartyId": "example.com/login"},
    {"RelyingPartyId": "-bad-.example.com"},
    {"RelyingPartyId": "example.com", "FactorConfiguration": "MULTI_FACTOR"},  # not in the enum
])
def test_unusable_webauthn_configuration_is_refused(server, ppool, config):
    before = state(server)
    with pytest.raises(server.admin.exceptions.InvalidParameterException):
        server.admin.set_user_pool_mfa_config(UserPoolId=ppool["pool_id"], WebAuthnConfiguration=config)
    assert state(server) == before


def test_deleting_the_user_deletes_their_passkeys_and_registration(server, ppool, make_user):
    username = make_user(ppool)
    token = tokens_for(server, ppool, username)["AccessToken"]
    sub = claims(token)["sub"]
    register(server, token, SoftwareAuthenticator(ORIGIN))
    start(server, token)
    assert server.query("SELECT COUNT(*) FROM webauthn_registrations WHERE user_sub = ?", sub) == [(1,)]
    server.admin.admin_delete_user(UserPoolId=ppool["pool_id"], Username=username)
    assert server.query("SELECT COUNT(*) FROM webauthn_credentials WHERE user_sub = ?", sub) == [(0,)]
    assert server.query("SELECT COUNT(*) FROM webauthn_registrations WHERE user_sub = ?", sub) == [(0,)]


def test_an_expired_registration_is_challenge_not_found(server, ppool, make_user):
    username = make_user(ppool)
    token = tokens_for(server, ppool, username)["AccessToken"]
    credential = SoftwareAuthenticator(ORIGIN).create(start(server, token))
    server.execute("UPDATE webauthn_registrations SET expires_at = 0 WHERE user_sub = ?", claims(token)["sub"])
    rejected(server, "CompleteWebAuthnRegistration", {"AccessToken": token, "Credential": credential},
             "WebAuthnChallengeNotFoundException")
