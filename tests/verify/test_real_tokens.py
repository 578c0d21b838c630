"""Tokens issued by the real ``userpool serve``: accepted where they should be, refused where not."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from tests.verify.conftest import RealTokens
from userpool.verify import (
    CognitoJwtVerifier,
    JwksCache,
    JwksFetchError,
    JwtInvalidClientIdError,
    JwtInvalidGroupError,
    JwtInvalidIssuerError,
    JwtInvalidScopeError,
    JwtInvalidTokenUseError,
    JwtParseError,
    JwtRevokedError,
    KidNotFoundInJwksError,
    RevocationCheckError,
    VerifierConfigError,
    _http,
    revocation,
)


def test_valid_access_token_is_accepted(real: RealTokens) -> None:
    claims = real.verifier().verify(real.access)
    assert claims["token_use"] == "access"
    assert claims["username"] == real.username
    assert claims["client_id"] == real.pool["client_id"]
    assert claims["iss"] == real.pool["issuer"]
    assert sorted(claims["cognito:groups"]) == ["admin", "staff"]


def test_valid_access_token_is_accepted_async(real: RealTokens) -> None:
    claims = asyncio.run(real.verifier(jwks_cache=JwksCache()).averify(real.access))
    assert claims["username"] == real.username


def test_id_token_is_refused_where_an_access_token_is_required(real: RealTokens) -> None:
    with pytest.raises(JwtInvalidTokenUseError) as info:
        real.verifier().verify(real.id)
    message = str(info.value)
    assert "This is an ID token" in message
    assert "APIs take the access token" in message
    assert "fetch_auth_session().tokens.access_token" in message
    assert "fetchAuthSession().tokens.accessToken" in message
    assert info.value.claims is not None and info.value.claims["token_use"] == "id"


def test_id_token_is_accepted_as_an_id_token(real: RealTokens) -> None:
    claims = real.verifier(token_use="id").verify(real.id)
    assert claims["token_use"] == "id"
    assert claims["aud"] == real.pool["client_id"]
    assert claims["cognito:username"] == real.username


def test_access_token_is_refused_where_an_id_token_is_required(real: RealTokens) -> None:
    with pytest.raises(JwtInvalidTokenUseError, match=re.escape("fetch_auth_session().tokens.id_token")):
        real.verifier(token_use="id").verify(real.access)


def test_token_use_none_accepts_both_and_still_checks_the_client(real: RealTokens) -> None:
    verifier = real.verifier(token_use=None)
    assert verifier.verify(real.access)["token_use"] == "access"
    assert verifier.verify(real.id)["token_use"] == "id"
    other = real.verifier(token_use=None, client_id="someotherclient")
    for token in (real.access, real.id):
        with pytest.raises(JwtInvalidClientIdError):
            other.verify(token)


def test_wrong_client_is_refused(real: RealTokens) -> None:
    with pytest.raises(JwtInvalidClientIdError, match="someotherclient"):
        real.verifier(client_id="someotherclient").verify(real.access)
    with pytest.raises(JwtInvalidClientIdError, match="'aud'"):
        real.verifier(token_use="id", client_id="someotherclient").verify(real.id)


def test_client_id_list_and_explicit_none(real: RealTokens) -> None:
    assert real.verifier(client_id=["x", real.pool["client_id"]]).verify(real.access)
    assert real.verifier(client_id=None).verify(real.access)


def test_groups_and_scope(real: RealTokens) -> None:
    assert real.verifier(groups="admin").verify(real.access)
    assert real.verifier(groups=["nobody", "staff"]).verify(real.access)
    assert real.verifier(scope="aws.cognito.signin.user.admin").verify(real.access)
    with pytest.raises(JwtInvalidGroupError, match="'superusers'"):
        real.verifier(groups="superusers").verify(real.access)
    with pytest.raises(JwtInvalidScopeError, match="'openid'"):
        real.verifier(scope="openid").verify(real.access)


def test_per_call_requirements_override_the_verifiers(real: RealTokens) -> None:
    verifier = real.verifier()
    assert verifier.verify(real.access, groups="admin")
    with pytest.raises(JwtInvalidGroupError):
        verifier.verify(real.access, groups="superusers")
    assert verifier.verify(real.id, token_use="id")
    assert verifier.verify(real.access)  # the verifier's own requirements are unchanged


def test_token_from_another_pool_is_refused(real: RealTokens, other_pool_tokens: RealTokens) -> None:
    # Each pool signs with its own key, so the other pool's kid is not in this pool's JWKS.
    with pytest.raises(KidNotFoundInJwksError, match="another user pool"):
        real.verifier(client_id=None, jwks_cache=JwksCache()).verify(other_pool_tokens.access)


def test_token_from_another_pool_is_refused_even_with_its_keys(
    real: RealTokens, other_pool_tokens: RealTokens
) -> None:
    """A verifier misconfigured with the other pool's JWKS still refuses on the issuer."""
    verifier = real.verifier(
        client_id=None, jwks_uri=other_pool_tokens.pool["jwks_uri"], jwks_cache=JwksCache()
    )
    with pytest.raises(JwtInvalidIssuerError, match="another user pool"):
        verifier.verify(other_pool_tokens.access)


def test_refresh_token_is_refused_with_an_explanation(real: RealTokens) -> None:
    with pytest.raises(JwtParseError) as info:
        real.verifier().verify(real.refresh)
    assert "refresh tokens are not bearer tokens" in str(info.value)


def test_cognito_issuer_is_the_default(real: RealTokens) -> None:
    """With only a pool id, the issuer is Cognito's; a self-hosted token's iss does not match."""
    verifier = CognitoJwtVerifier(
        user_pool_id=real.pool["pool_id"],
        token_use="access",
        client_id=real.pool["client_id"],
        jwks_uri=real.pool["jwks_uri"],
        jwks_cache=JwksCache(),
    )
    assert verifier.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{real.pool['pool_id']}"
    with pytest.raises(JwtInvalidIssuerError, match=re.escape("cognito-idp.us-east-1.amazonaws.com")):
        verifier.verify(real.access)


def test_from_issuer_uses_oidc_discovery(real: RealTokens) -> None:
    verifier = CognitoJwtVerifier.from_issuer(
        real.pool["issuer"], token_use="access", client_id=real.pool["client_id"], jwks_cache=JwksCache()
    )
    assert verifier.jwks_uri == real.pool["jwks_uri"]
    assert verifier.verify(real.access)["username"] == real.username


def test_afrom_issuer_uses_oidc_discovery(real: RealTokens) -> None:
    async def main() -> dict[str, Any]:
        verifier = await CognitoJwtVerifier.afrom_issuer(
            real.pool["issuer"] + "/",
            token_use="access",
            client_id=real.pool["client_id"],
            jwks_cache=JwksCache(),
        )
        await verifier.ahydrate()
        return await verifier.averify(real.access)

    assert asyncio.run(main())["username"] == real.username


def test_hydrate_fails_fast_on_a_wrong_jwks_uri(real: RealTokens) -> None:
    verifier = real.verifier(jwks_uri=real.pool["issuer"] + "/nope.json", jwks_cache=JwksCache())
    with pytest.raises(JwksFetchError, match="HTTP 404"):
        verifier.hydrate()


def test_revocation_check_catches_global_sign_out(server: Any, fresh_real: RealTokens) -> None:
    verifier = fresh_real.verifier(check_revocation=True, revocation_cache_seconds=0, jwks_cache=JwksCache())
    assert verifier.verify(fresh_real.access)["username"] == fresh_real.username
    assert asyncio.run(verifier.averify(fresh_real.access))
    server.public.global_sign_out(AccessToken=fresh_real.access)
    with pytest.raises(JwtRevokedError, match="NotAuthorizedException"):
        verifier.verify(fresh_real.access)
    with pytest.raises(JwtRevokedError):
        asyncio.run(verifier.averify(fresh_real.access))
    # Without the online check the token still verifies: that is what the check is for.
    assert fresh_real.verifier().verify(fresh_real.access)


def test_revocation_verdicts_are_cached_briefly(server: Any, fresh_real: RealTokens) -> None:
    verifier = fresh_real.verifier(
        check_revocation=True, revocation_cache_seconds=300, jwks_cache=JwksCache()
    )
    assert verifier.verify(fresh_real.access)
    server.public.global_sign_out(AccessToken=fresh_real.access)
    assert verifier.verify(fresh_real.access)  # "active" verdict still cached
    verifier.clear_cache()
    with pytest.raises(JwtRevokedError):
        verifier.verify(fresh_real.access)


def test_revocation_needs_access_tokens(real: RealTokens) -> None:
    with pytest.raises(VerifierConfigError, match="GetUser accepts only access tokens"):
        real.verifier(token_use="id", check_revocation=True)
    verifier = real.verifier(check_revocation=True)
    with pytest.raises(VerifierConfigError):
        verifier.verify(real.id, token_use="id")


def test_revocation_check_fails_closed(real: RealTokens) -> None:
    from tests.conftest import free_port

    verifier = real.verifier(check_revocation=True, endpoint=f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(RevocationCheckError, match="Could not check"):
        verifier.verify(real.access)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"x-amzn-ErrorType": "NotAuthorizedException:http://internal/"}, {}, "NotAuthorizedException"),
        ({}, {"__type": "com.amazonaws.cognito#UserNotFoundException"}, "UserNotFoundException"),
        ({}, {"code": "NotAuthorizedException", "__type": "Other"}, "NotAuthorizedException"),
        ({}, {"message": "no name"}, None),
    ],
)
def test_revocation_reads_error_names_like_aws_sdks(
    headers: dict[str, str], body: dict[str, str], expected: str | None
) -> None:
    answer = _http.Answer(400, httpx.Headers(headers), body)
    assert revocation.error_name(answer) == expected
    if expected is None:
        with pytest.raises(RevocationCheckError, match="HTTP 400"):
            revocation.interpret(answer)
    else:
        assert revocation.interpret(answer)[0] == "revoked"
