"""Messages a new user meets first: a verifier made without issuer= for a self-hosted token,
and bearer tokens that are neither JWTs nor refresh tokens."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.verify.conftest import RealTokens
from userpool.verify import CognitoJwtVerifier, JwksCache, JwtInvalidIssuerError, JwtParseError
from userpool.verify.parse import decompose


def test_cognito_verifier_names_the_tokens_issuer_instead_of_reaching_aws(real: RealTokens) -> None:
    """user_pool_id= alone means Cognito's issuer; a self-hosted token is refused with its
    iss and the issuer= to pass, before any key fetch (no DNS error from AWS)."""
    fetched: list[str] = []

    class Watched(JwksCache):
        def get_key(self, uri: str, kid: str) -> Any:
            fetched.append(uri)
            return super().get_key(uri, kid)

    cache = Watched()
    verifier = CognitoJwtVerifier(user_pool_id=real.pool["pool_id"], token_use="access", client_id=None, jwks_cache=cache)
    with pytest.raises(JwtInvalidIssuerError) as info:
        verifier.verify(real.access)
    message = str(info.value)
    assert f"Token issuer is {real.pool['issuer']!r}" in message
    assert f"issuer={real.pool['issuer']!r}" in message and "no key was fetched from AWS" in message
    assert info.value.claims is None  # nothing in the token was verified
    assert fetched == []
    # a verifier given the issuer accepts the same token
    assert real.verifier().verify(real.access)["username"] == real.username


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("token", ["garbage.garbage.garbage", "abc.def.ghi", _b64(b"[1]") + "." + _b64(b"{}") + ".c2ln"])
def test_three_segment_garbage_gets_no_refresh_token_hint(token: str) -> None:
    with pytest.raises(JwtParseError) as info:
        decompose(token)
    message = str(info.value)
    assert "refresh token" not in message
    assert "not a JWT" in message


def test_refresh_token_shapes_keep_their_hint() -> None:
    for token in ("opaque-refresh-token-value", "a.b.c.d.e"):
        with pytest.raises(JwtParseError, match="refresh tokens are not bearer tokens"):
            decompose(token)
    with pytest.raises(JwtParseError) as info:
        decompose("a.b.c.d")
    assert "refresh token" not in str(info.value)
