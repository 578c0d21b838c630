"""The access token's own checks (tokens._signed_claims): the same answers PyJWT's decode gave
before the server took the verifier's strict parse instead (GetUser, and every call that
presents an access token, meets these). The end-to-end cases (expired, tampered, revoked
tokens through boto3) are in test_auth.py and test_sessions.py."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from userpool.server import errors
from userpool.server.tokens import _signed_claims
from userpool.verify.parse import decompose

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOW = time.time()


def _token(claims: dict[str, Any], key: Any = KEY) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def _claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sub": "s", "token_use": "access", "iat": int(NOW) - 10, "exp": int(NOW) + 3600}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def _check(token: str) -> dict[str, Any]:
    return _signed_claims(decompose(token), KEY.public_key(), NOW)


def test_a_good_token_gives_its_claims() -> None:
    assert _check(_token(_claims()))["sub"] == "s"


def test_an_expired_token_says_so() -> None:
    with pytest.raises(errors.CognitoError, match="Access Token has expired"):
        _check(_token(_claims(exp=int(NOW) - 1)))


@pytest.mark.parametrize("claims", [
    _claims(exp=None), _claims(iat=None), _claims(token_use=None), _claims(sub=None),
    _claims(sub=7), _claims(exp=True), _claims(exp="9999999999"), _claims(iat=int(NOW) + 60),
    _claims(nbf=int(NOW) + 60), _claims(nbf="soon"),
])
def test_tokens_pyjwt_refused_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(errors.CognitoError, match="Invalid Access Token"):
        _check(_token(claims))


def test_another_keys_signature_is_refused() -> None:
    with pytest.raises(errors.CognitoError, match="Invalid Access Token"):
        _check(_token(_claims(), OTHER))


def test_a_payload_changed_after_signing_is_refused() -> None:
    header, _, signature = _token(_claims()).split(".")
    forged = jwt.utils.base64url_encode(json.dumps(_claims(sub="admin")).encode()).decode()
    with pytest.raises(errors.CognitoError, match="Invalid Access Token"):
        _check(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("claims", [
    _claims(),
    _claims(name="Zoë Ünïcode 名前", groups=["a", "b"], nested={"x": [1, 2.5, None, True]}),
    _claims(email="a/b\\c\"d@example.com", empty=""),
])
def test_the_servers_own_jws_is_byte_for_byte_pyjwts(claims: dict[str, Any]) -> None:
    # tokens.jws_rs256 replaced jwt.encode on the signing path: every token must stay what it was
    # (RSA PKCS#1 v1.5 signatures are deterministic, so the whole string compares).
    from userpool.server.tokens import jws_rs256

    expected = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "kid-1", "typ": None})
    assert jws_rs256(claims, "kid-1", KEY) == expected
    assert jwt.decode(expected, KEY.public_key(), algorithms=["RS256"], options={"verify_exp": False}) == claims
