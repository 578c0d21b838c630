"""Reading a JWKS (RFC 7517) into ready-to-use public keys.

Keys are turned into ``cryptography`` objects once, when the JWKS arrives, not per token.
A JWKS is read leniently key by key (a key we cannot use, e.g. an ``oct`` secret or an
encryption key, is skipped and remembered with the reason) but strictly per key (a key we
do use must be well formed, and RSA keys must have at least 2048 bits). The reason for a
skipped ``kid`` shows up in :class:`KidNotFoundInJwksError`, so a developer whose token
names that key learns why it was not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from userpool.verify.algorithms import EC_ALGS, RSA_ALGS, Verify, signature_checker
from userpool.verify.errors import JwtInvalidSignatureAlgorithmError, JwtParseError
from userpool.verify.parse import b64url_decode

MIN_RSA_BITS = 2048

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_CURVE_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66}
_OKP: dict[str, tuple[Any, int]] = {
    "Ed25519": (ed25519.Ed25519PublicKey, 32),
    "Ed448": (ed448.Ed448PublicKey, 57),
}


class JwkError(ValueError):
    """A JWK (or JWKS) that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Jwk:
    """A trusted public key: its ``kid``, the algorithms it may verify, and the key object."""

    kid: str
    kty: str
    algs: frozenset[str]
    key: Any
    checkers: Mapping[str, Verify] = field(repr=False, default_factory=dict)

    def checker(self, alg: str) -> Verify:
        """The signature check for ``alg``, refusing an ``alg`` that does not fit this key (e.g.
        ES256 with an RSA key: the key's type, not the token, decides what the key may verify).
        The check raises :class:`JwtInvalidSignatureError` for a bad signature."""
        checker = self.checkers.get(alg)
        if checker is None:
            raise JwtInvalidSignatureAlgorithmError(
                f"JWT alg {alg!r} does not fit the key {self.kid!r} ({self.kty}), "
                f"which may only verify {', '.join(sorted(self.algs))}"
            )
        return checker

    def verify(self, alg: str, signature: bytes, signing_input: bytes) -> None:
        """Check a signature with this key for ``alg`` (see :meth:`checker`)."""
        self.checker(alg)(signature, signing_input)


def _member(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise JwkError(f"member {name!r} is missing or not a string")
    try:
        return b64url_decode(value, f"member {name!r}")
    except JwtParseError as exc:
        raise JwkError(str(exc)) from None


def _rsa_key(jwk: Mapping[str, Any]) -> tuple[Any, frozenset[str]]:
    n = int.from_bytes(_member(jwk, "n"), "big")
    e = int.from_bytes(_member(jwk, "e"), "big")
    if n.bit_length() < MIN_RSA_BITS:
        raise JwkError(f"RSA key has {n.bit_length()} bits; at least {MIN_RSA_BITS} are required")
    if e < 3 or e % 2 == 0:
        raise JwkError("RSA public exponent is invalid")
    return rsa.RSAPublicNumbers(e, n).public_key(), frozenset(RSA_ALGS)


def _ec_key(jwk: Mapping[str, Any]) -> tuple[Any, frozenset[str]]:
    crv = jwk.get("crv")
    if crv not in _CURVES:
        raise JwkError(f"EC curve {crv!r} is not supported (P-256, P-384, P-521)")
    x, y = _member(jwk, "x"), _member(jwk, "y")
    if len(x) != _CURVE_BYTES[crv] or len(y) != _CURVE_BYTES[crv]:
        raise JwkError(f"EC coordinates have the wrong length for {crv}")
    numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), _CURVES[crv])
    return numbers.public_key(), frozenset({EC_ALGS[crv]})  # public_key() refuses points off the curve


def _okp_key(jwk: Mapping[str, Any]) -> tuple[Any, frozenset[str]]:
    crv = jwk.get("crv")
    if crv not in _OKP:
        raise JwkError(f"OKP curve {crv!r} is not supported (Ed25519, Ed448)")
    cls, size = _OKP[crv]
    x = _member(jwk, "x")
    if len(x) != size:
        raise JwkError(f"{crv} key has the wrong length")
    return cls.from_public_bytes(x), frozenset({"EdDSA"})


_LOADERS = {"RSA": _rsa_key, "EC": _ec_key, "OKP": _okp_key}


def load_jwk(jwk: Any) -> Jwk:
    """Turn one JWK into a :class:`Jwk`, or raise :class:`JwkError` saying why it is unusable."""
    if not isinstance(jwk, Mapping):
        raise JwkError("JWK is not a JSON object")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwkError("JWK has no 'kid'")
    kty = jwk.get("kty")
    loader = _LOADERS.get(kty) if isinstance(kty, str) else None
    if loader is None or not isinstance(kty, str):
        raise JwkError(f"key type {kty!r} cannot verify signatures here (RSA, EC, OKP only)")
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise JwkError(f"key 'use' is {use!r}, not 'sig'")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        raise JwkError(f"key_ops {ops!r} does not include 'verify'")
    try:
        key, algs = loader(jwk)
    except (ValueError, TypeError) as exc:  # cryptography's own refusals (bad point, ...) are ValueErrors
        raise JwkError(str(exc) or "invalid key material") from None
    alg = jwk.get("alg")
    if alg is not None:
        if alg not in algs:
            raise JwkError(f"JWK alg {alg!r} does not fit its {kty} key")
        algs = frozenset({alg})
    return Jwk(kid=kid, kty=kty, algs=algs, key=key, checkers={a: signature_checker(a, key) for a in algs})


def load_jwks(document: Any) -> tuple[dict[str, Jwk], dict[str, str]]:
    """Read a JWKS: ``(usable keys by kid, reason per unusable kid)``.

    Raises :class:`JwkError` only when the document is not a JWKS at all. Two usable keys
    with one ``kid`` are both refused: which one a token meant cannot be known.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise JwkError('not a JWKS: expected a JSON object {"keys": [...]}')
    usable: dict[str, Jwk] = {}
    unusable: dict[str, str] = {}
    duplicated: set[str] = set()
    for entry in document["keys"]:
        try:
            jwk = load_jwk(entry)
        except JwkError as exc:
            kid = entry.get("kid") if isinstance(entry, Mapping) else None
            if isinstance(kid, str):
                unusable.setdefault(kid, str(exc))
            continue
        if jwk.kid in usable or jwk.kid in duplicated:
            usable.pop(jwk.kid, None)
            duplicated.add(jwk.kid)
            continue
        usable[jwk.kid] = jwk
    for kid in usable:
        unusable.pop(kid, None)
    for kid in duplicated:
        unusable[kid] = "the JWKS has more than one usable key with this kid"
    return usable, unusable
