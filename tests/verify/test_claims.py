"""Claim checks and configuration, on tokens from the local issuer (signature always valid)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.verify.conftest import LOCAL_CLIENT_ID, LOCAL_POOL_ID, KeyPair, LocalIssuer, assemble, b64url
from userpool.verify import (
    CognitoJwtVerifier,
    JwksCache,
    JwtCustomCheckError,
    JwtInvalidClaimError,
    JwtInvalidClientIdError,
    JwtInvalidGroupError,
    JwtInvalidScopeError,
    JwtInvalidTokenUseError,
    VerifierConfigError,
    cognito_issuer,
)


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"exp": None}, "no 'exp'"),
        ({"exp": "9999999999"}, "not a number"),
        ({"exp": True}, "not a number"),
        ({"nbf": "0"}, "'nbf' is not a number"),
        ({"iat": [1]}, "'iat' is not a number"),
    ],
)
def test_time_claims_must_be_numbers(local: LocalIssuer, claims: dict[str, Any], expected: str) -> None:
    with pytest.raises(JwtInvalidClaimError, match=expected):
        local.verifier().verify(local.mint(**claims))


def test_float_times_are_fine(local: LocalIssuer) -> None:
    import time

    assert local.verifier().verify(local.mint(exp=time.time() + 60.5, iat=time.time() - 0.5))


@pytest.mark.parametrize("use", [None, "refresh", "ID", 1])
def test_token_use_must_be_cognitos_even_when_not_required(local: LocalIssuer, use: Any) -> None:
    with pytest.raises(JwtInvalidTokenUseError, match="'access' or 'id'"):
        local.verifier(token_use=None).verify(local.mint(token_use=use))


def test_malformed_client_group_and_scope_claims(local: LocalIssuer) -> None:
    with pytest.raises(JwtInvalidClaimError, match="'client_id'"):
        local.verifier().verify(local.mint(client_id=["a", 1]))
    with pytest.raises(JwtInvalidClaimError, match="cognito:groups"):
        five: dict[str, Any] = {"cognito:groups": 5}
        local.verifier(groups="admin").verify(local.mint(**five))
    with pytest.raises(JwtInvalidClaimError, match="'scope'"):
        local.verifier(scope="x").verify(local.mint(scope=["x"]))


def test_missing_client_id_claim_is_refused(local: LocalIssuer) -> None:
    with pytest.raises(JwtInvalidClientIdError, match="none"):
        local.verifier().verify(local.mint(client_id=None))


def test_id_token_audience_may_be_a_list(local: LocalIssuer) -> None:
    token = assemble(
        {"kid": "kid-k1", "alg": "RS256"}, local.id_claims(aud=["other", LOCAL_CLIENT_ID]), local.keys["k1"]
    )
    assert local.verifier(token_use="id").verify(token)["aud"] == ["other", LOCAL_CLIENT_ID]


def test_groups_and_scopes_need_one_match(local: LocalIssuer) -> None:
    staff: dict[str, Any] = {"cognito:groups": ["staff"], "scope": "openid email"}
    token = local.mint(**staff)
    assert local.verifier(groups=["admin", "staff"], scope=["profile", "email"]).verify(token)
    with pytest.raises(JwtInvalidGroupError, match=r"groups \['staff'\]"):
        local.verifier(groups="admin").verify(token)
    with pytest.raises(JwtInvalidScopeError, match=r"scopes \['email', 'openid'\]"):
        local.verifier(scope="profile").verify(token)
    without: dict[str, Any] = {"cognito:groups": None}
    no_groups = local.mint(**without)
    with pytest.raises(JwtInvalidGroupError, match=r"groups \[none\]"):
        local.verifier(groups="admin").verify(no_groups)


def test_custom_check(local: LocalIssuer) -> None:
    seen: list[Mapping[str, Any]] = []

    def only_alice(claims: Mapping[str, Any]) -> bool:
        seen.append(claims)
        return claims["username"] == "alice"

    assert local.verifier(custom_check=only_alice).verify(local.mint())
    with pytest.raises(JwtCustomCheckError):
        local.verifier(custom_check=only_alice).verify(local.mint(username="bob"))
    with pytest.raises(TypeError):  # the claims handed to the check are read-only
        seen[0]["username"] = "mallory"  # type: ignore[index]

    def raises(claims: Mapping[str, Any]) -> None:
        raise JwtInvalidGroupError("no tenant", claims)

    with pytest.raises(JwtInvalidGroupError, match="no tenant"):
        local.verifier(custom_check=raises).verify(local.mint())
    assert local.verifier(custom_check=lambda claims: None).verify(local.mint())


def test_ec_and_eddsa_keys(local: LocalIssuer, keys: dict[str, KeyPair]) -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    okp = {"kty": "OKP", "crv": "Ed25519", "kid": "kid-ed", "x": b64url(raw)}
    verifier = local.verifier(jwks_cache=JwksCache())
    verifier.cache_jwks({"keys": [keys["ec"].public_jwk(), okp]})
    claims = local.claims()
    assert verifier.verify(assemble({"kid": "kid-ec", "alg": "ES256"}, claims, keys["ec"]))
    header = '{"kid":"kid-ed","alg":"EdDSA"}'
    signing_input = f"{b64url(header)}.{b64url(__import__('json').dumps(claims))}"
    token = f"{signing_input}.{b64url(ed.sign(signing_input.encode()))}"
    assert verifier.verify(token)["username"] == "alice"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"token_use": "refresh"}, "token_use"),
        ({"client_id": []}, "client_id"),
        ({"client_id": [""]}, "client_id"),
        ({"groups": [1]}, "groups"),
        ({"grace_seconds": -1}, "grace_seconds"),
        ({"custom_check": "yes"}, "custom_check"),
        ({"user_pool_id": "us-east-1_Other"}, "does not end with the user pool id"),
        ({"user_pool_id": "nopool"}, "does not look like"),
        ({"issuer": "cognito"}, "not an http"),
    ],
)
def test_configuration_mistakes_are_caught_early(kwargs: dict[str, Any], expected: str) -> None:
    args: dict[str, Any] = {
        "user_pool_id": LOCAL_POOL_ID,
        "issuer": f"http://127.0.0.1:9/{LOCAL_POOL_ID}",
        "token_use": "access",
        "client_id": "c",
    }
    args.update(kwargs)
    with pytest.raises(VerifierConfigError, match=expected):
        CognitoJwtVerifier(**args)


def test_token_use_and_client_id_must_be_spelled_out() -> None:
    with pytest.raises(TypeError):
        CognitoJwtVerifier(user_pool_id="us-east-1_Abc")  # type: ignore[call-arg]


def test_cognito_issuer_from_pool_id() -> None:
    assert (
        cognito_issuer("eu-west-1_AbC123") == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    )
    assert (
        cognito_issuer("us-gov-west-1_X1")
        == "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_X1"
    )
    with pytest.raises(VerifierConfigError, match="issuer="):
        cognito_issuer("local_Abc")
    with pytest.raises(VerifierConfigError):
        CognitoJwtVerifier(token_use="access", client_id=None)
