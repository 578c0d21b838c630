"""The signature algorithms a Cognito-style token may use, and checking a signature.

Only asymmetric JWS algorithms are allowed (RFC 7518 §3): the verifier holds public keys
from a JWKS, so a symmetric ``HS*`` algorithm could only ever mean "use the public key as
an HMAC secret", the classic algorithm-confusion forgery; and ``none`` means unsigned.
Both are refused by name, in any letter case, with a message that says why.

Signatures are checked with ``cryptography`` directly, with padding and hash objects
built once: PyJWT's algorithm objects do the same calls with more indirection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from userpool.verify.errors import JwtInvalidSignatureAlgorithmError, JwtInvalidSignatureError

RSA_ALGS = ("RS256", "RS384", "RS512")
EC_ALGS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
ALLOWED_ALGS: frozenset[str] = frozenset((*RSA_ALGS, *EC_ALGS.values(), "EdDSA"))

_PKCS1 = padding.PKCS1v15()
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "256": hashes.SHA256(),
    "384": hashes.SHA384(),
    "512": hashes.SHA512(),
}
# Size in bytes of r and s in an ES* signature (RFC 7518 §3.4): the curve order's size.
_EC_COORD_BYTES = {"ES256": 32, "ES384": 48, "ES512": 66}

Verify = Callable[[bytes, bytes], None]


def check_alg(alg: str) -> None:
    """Refuse any ``alg`` outside :data:`ALLOWED_ALGS`, naming the attack where there is one."""
    if alg in ALLOWED_ALGS:
        return
    if alg.lower() == "none":
        raise JwtInvalidSignatureAlgorithmError(
            f"JWT header alg is {alg!r}: unsigned tokens are never accepted"
        )
    if alg.upper().startswith("HS"):
        raise JwtInvalidSignatureAlgorithmError(
            f"JWT header alg is {alg!r}: symmetric HMAC algorithms are never accepted, because the "
            "only key an HMAC could use here is the public key, which anyone can download "
            "(the algorithm-confusion forgery)"
        )
    raise JwtInvalidSignatureAlgorithmError(
        f"JWT header alg {alg!r} is not allowed; allowed: {', '.join(sorted(ALLOWED_ALGS))}"
    )


def _rsa(key: Any, hash_algorithm: hashes.HashAlgorithm) -> Verify:
    verify = key.verify

    # A closure passing everything positionally: a partial with padding= and algorithm= keywords
    # saves the frame but builds a keyword dict per call, which cryptography then parses by
    # name (0.4 µs a call against the closure's 0.17).
    def check(signature: bytes, data: bytes) -> None:
        verify(signature, data, _PKCS1, hash_algorithm)

    return check


def _ecdsa(key: Any, alg: str) -> Verify:
    size = _EC_COORD_BYTES[alg]
    scheme = ec.ECDSA(_HASHES[alg[2:]])

    def check(signature: bytes, data: bytes) -> None:
        # JWS carries r ‖ s as fixed-size big-endian integers; cryptography wants DER.
        if len(signature) != 2 * size:
            raise InvalidSignature
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), data, scheme)

    return check


def signature_checker(alg: str, key: Any) -> Verify:
    """A function ``(signature, signing_input)`` that raises ``InvalidSignature`` unless the
    signature is valid for ``alg`` with ``key``; built once per key and algorithm."""
    if alg in RSA_ALGS:
        return _rsa(key, _HASHES[alg[2:]])
    if alg == "EdDSA":
        return key.verify  # type: ignore[no-any-return]
    return _ecdsa(key, alg)


def invalid_signature() -> JwtInvalidSignatureError:
    return JwtInvalidSignatureError(
        "JWT signature is invalid: the token was altered or was not signed by this issuer's key"
    )
