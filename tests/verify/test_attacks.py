"""Every forged or altered token is refused, with the error that names the attack.

Forgeries start from a real access token issued by ``userpool serve`` wherever possible
(same claims, same kid), so that the only thing wrong is the attack itself. Attacks that
need a valid signature on a bad payload (expired, duplicate keys, wrong issuer) are minted
with a local key that a local issuer publishes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.verify.conftest import KeyPair, LocalIssuer, RealTokens, assemble, b64url
from userpool.verify import (
    JwksCache,
    JwtExpiredError,
    JwtInvalidIssuerError,
    JwtInvalidSignatureAlgorithmError,
    JwtInvalidSignatureError,
    JwtNotBeforeError,
    JwtParseError,
    JwtVerificationError,
    KidNotFoundInJwksError,
)
from userpool.verify.parse import MAX_TOKEN_CHARS


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    h, p, s = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(h + "==")),
        json.loads(base64.urlsafe_b64decode(p + "==")),
        s,
    )


def with_header(token: str, **changes: Any) -> str:
    header, _, signature = parts(token)
    h = b64url(json.dumps({**header, **changes}))
    return ".".join([h, token.split(".")[1], signature])


@pytest.fixture
def verifier(real: RealTokens) -> Any:
    return real.verifier(jwks_cache=JwksCache())


def test_the_untouched_token_is_accepted(verifier: Any, real: RealTokens) -> None:
    """The control for every test below."""
    assert verifier.verify(real.access)["username"] == real.username


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused_in_any_case(verifier: Any, real: RealTokens, alg: str) -> None:
    with pytest.raises(JwtInvalidSignatureAlgorithmError, match="unsigned"):
        verifier.verify(with_header(real.access, alg=alg))
    unsigned = with_header(real.access, alg=alg).rsplit(".", 1)[0] + "."
    with pytest.raises(JwtParseError, match="empty signature"):
        verifier.verify(unsigned)


def test_hs256_signed_with_the_public_key_is_refused(verifier: Any, real: RealTokens) -> None:
    """The algorithm-confusion forgery: HMAC keyed with the (public) JWKS key."""
    jwks = httpx.get(real.pool["jwks_uri"]).json()
    header, payload, _ = parts(real.access)
    public = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    from jwt.algorithms import RSAAlgorithm

    key = RSAAlgorithm.from_jwk(public)
    assert isinstance(key, rsa.RSAPublicKey)
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    payload["username"] = "admin"
    for secret in (pem, json.dumps(public).encode(), base64.urlsafe_b64decode(public["n"] + "==")):
        signing_input = f"{b64url(json.dumps({**header, 'alg': 'HS256'}))}.{b64url(json.dumps(payload))}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(JwtInvalidSignatureAlgorithmError, match="HMAC"):
            verifier.verify(f"{signing_input}.{b64url(mac)}")


def test_embedded_jwk_is_ignored(verifier: Any, real: RealTokens, keys: dict[str, KeyPair]) -> None:
    rogue = keys["rogue"]
    _, payload, _ = parts(real.access)
    payload["username"] = "mallory"
    # The rogue key named by its own kid: not in the trusted JWKS.
    token = assemble({"alg": "RS256", "kid": rogue.kid, "jwk": rogue.public_jwk()}, payload, rogue)
    with pytest.raises(KidNotFoundInJwksError):
        verifier.verify(token)
    # The rogue key claiming the trusted kid: the trusted key is used, and the signature fails.
    header, _, _ = parts(real.access)
    token = assemble({**header, "jwk": {**rogue.public_jwk(), "kid": header["kid"]}}, payload, rogue)
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(token)


@pytest.mark.parametrize("member", ["jku", "x5u"])
def test_key_urls_in_the_header_are_never_fetched(
    verifier: Any, real: RealTokens, local: LocalIssuer, keys: dict[str, KeyPair], member: str
) -> None:
    local.publish("rogue")
    _, payload, _ = parts(real.access)
    header, _, _ = parts(real.access)
    for kid in (keys["rogue"].kid, header["kid"]):
        token = assemble({"alg": "RS256", "kid": kid, member: local.jwks_uri}, payload, keys["rogue"])
        with pytest.raises((KidNotFoundInJwksError, JwtInvalidSignatureError)):
            verifier.verify(token)
    assert local.requests == []  # the attacker's key server was never asked


def test_x5c_chain_in_the_header_is_ignored(
    verifier: Any, real: RealTokens, keys: dict[str, KeyPair]
) -> None:
    header, payload, _ = parts(real.access)
    der = (
        keys["rogue"]
        .private.public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = assemble({**header, "x5c": [base64.b64encode(der).decode()]}, payload, keys["rogue"])
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(token)


def test_unknown_kid_is_refused(verifier: Any, real: RealTokens) -> None:
    with pytest.raises(KidNotFoundInJwksError, match="'no-such-kid'"):
        verifier.verify(with_header(real.access, kid="no-such-kid"))


def test_tampered_payload_is_refused(verifier: Any, real: RealTokens) -> None:
    _, payload, signature = parts(real.access)
    for change in (
        {"username": "admin"},
        {"cognito:groups": ["admin", "superusers"]},
        {"exp": payload["exp"] + 86400},
    ):
        forged = ".".join([real.access.split(".")[0], b64url(json.dumps({**payload, **change})), signature])
        with pytest.raises(JwtInvalidSignatureError):
            verifier.verify(forged)


def test_signature_is_checked_before_any_claim(verifier: Any, real: RealTokens) -> None:
    """A tampered token that is also expired and from another issuer fails on the signature."""
    _, payload, signature = parts(real.access)
    forged_payload = {**payload, "exp": 1, "iss": "https://evil.example", "token_use": "id"}
    forged = ".".join([real.access.split(".")[0], b64url(json.dumps(forged_payload)), signature])
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(forged)


def test_stripped_or_damaged_signature_is_refused(verifier: Any, real: RealTokens) -> None:
    head, body, signature = real.access.split(".")
    with pytest.raises(JwtParseError):
        verifier.verify(f"{head}.{body}")
    with pytest.raises(JwtParseError):
        verifier.verify(f"{head}.{body}.")
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(f"{head}.{body}.{signature[:340]}")  # whole bytes, one short
    flipped = ("B" if signature[10] == "A" else "A").join([signature[:10], signature[11:]])
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(f"{head}.{body}.{flipped}")


def test_signature_from_another_token_is_refused(verifier: Any, real: RealTokens) -> None:
    head, body, _ = real.access.split(".")
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(f"{head}.{body}.{real.id.split('.')[2]}")


def test_expired_token_is_refused(local: LocalIssuer) -> None:
    now = int(time.time())
    token = local.mint(exp=now - 10, iat=now - 3610)
    with pytest.raises(JwtExpiredError, match="expired at"):
        local.verifier().verify(token)
    assert local.verifier(grace_seconds=60).verify(token)


def test_not_yet_valid_token_is_refused(local: LocalIssuer) -> None:
    now = int(time.time())
    with pytest.raises(JwtNotBeforeError, match="not valid before"):
        local.verifier().verify(local.mint(nbf=now + 600))
    with pytest.raises(JwtNotBeforeError, match="issued in the future"):
        local.verifier().verify(local.mint(iat=now + 600))
    assert local.verifier(grace_seconds=900).verify(local.mint(nbf=now + 600, iat=now + 600))


def test_wrong_issuer_is_refused(local: LocalIssuer) -> None:
    for iss in ("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1", local.issuer + "/", None):
        with pytest.raises(JwtInvalidIssuerError):
            local.verifier().verify(local.mint(iss=iss))


def test_duplicate_json_keys_are_refused_even_when_signed(
    local: LocalIssuer, keys: dict[str, KeyPair]
) -> None:
    claims = json.dumps(local.claims(username="alice"), separators=(",", ":"))
    doubled = claims[:-1] + ',"username":"admin"}'
    token = assemble({"kid": "kid-k1", "alg": "RS256"}, doubled, keys["k1"])
    with pytest.raises(JwtParseError, match="'username' twice"):
        local.verifier().verify(token)
    header = '{"kid":"kid-k1","alg":"RS256","kid":"kid-rogue"}'
    with pytest.raises(JwtParseError, match="'kid' twice"):
        local.verifier().verify(assemble(header, claims, keys["k1"]))


def test_oversized_token_is_refused(local: LocalIssuer) -> None:
    token = local.mint(padding="x" * MAX_TOKEN_CHARS)
    with pytest.raises(JwtParseError, match="limit"):
        local.verifier().verify(token)
    assert local.fetches == 0  # refused before any key lookup


def test_key_type_must_fit_the_algorithm(local: LocalIssuer, keys: dict[str, KeyPair]) -> None:
    """An ES256 header naming an RSA key, and RS512 naming a key published for RS256 only."""
    claims = local.claims()
    forged = assemble({"kid": "kid-k1", "alg": "ES256"}, claims, keys["ec"])
    with pytest.raises(JwtInvalidSignatureAlgorithmError, match="does not fit the key"):
        local.verifier().verify(forged)
    rs512 = assemble({"kid": "kid-k1", "alg": "RS512"}, claims, keys["k1"])
    with pytest.raises(JwtInvalidSignatureAlgorithmError, match="may only verify RS256"):
        local.verifier().verify(rs512)


def test_the_signature_must_hash_with_the_alg_the_header_names(local: LocalIssuer, keys: dict[str, KeyPair]) -> None:
    """RS256, RS384 and RS512 with a key published without "alg": each signature verifies under
    its own alg only, whatever the DigestInfo inside it says; a signature over other bytes, or one
    of another key, fails whatever the hash."""
    jwk = {k: v for k, v in keys["k1"].public_jwk().items() if k != "alg"}
    verifier = local.verifier(jwks_cache=JwksCache())
    verifier.cache_jwks({"keys": [jwk]})
    private = keys["k1"].private
    claims = json.dumps(local.claims(), separators=(",", ":"))
    hashes_by_alg = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}

    def token(alg: str, signed_with: hashes.HashAlgorithm, key: Any = private, over: bytes | None = None) -> str:
        signing_input = f"{b64url(json.dumps({'kid': 'kid-k1', 'alg': alg}))}.{b64url(claims)}"
        signature = key.sign(over or signing_input.encode(), padding.PKCS1v15(), signed_with)
        return f"{signing_input}.{b64url(signature)}"

    for alg, right in hashes_by_alg.items():
        assert verifier.verify(token(alg, right))["iss"] == local.issuer
        for other in hashes_by_alg.values():
            if other.name != right.name:
                with pytest.raises(JwtInvalidSignatureError):
                    verifier.verify(token(alg, other))
        with pytest.raises(JwtInvalidSignatureError):
            verifier.verify(token(alg, right, over=b"other bytes"))
        with pytest.raises(JwtInvalidSignatureError):
            verifier.verify(token(alg, right, key=keys["rogue"].private))


def test_every_refusal_is_a_jwt_verification_error(verifier: Any, real: RealTokens) -> None:
    for junk in (
        "",
        ".",
        "..",
        "a.b.c",
        "eyJ.eyJ.eyJ",
        real.refresh,
        real.access[::-1],
        "\u00e9.\u00e9.\u00e9",
    ):
        with pytest.raises(JwtVerificationError):
            verifier.verify(junk)
