"""Splitting a compact JWS into header, payload and signature, strictly (RFC 7515 §7.1).

Nothing here trusts the token: it only establishes that the token is well formed, so
that later steps (algorithm, key, signature, claims) work on clean values. Strictness
matters because lenient parsers are where JWT attacks live:

* base64url only, unpadded and canonical (no ``+ / =``, no whitespace, no stray bits),
  so one signature has exactly one spelling;
* header and payload are JSON objects, UTF-8, without ``NaN``/``Infinity`` and without
  duplicate keys: ``{"sub": "alice", "sub": "admin"}`` is read differently by different
  parsers, so it is refused outright rather than resolved;
* a size limit before any decoding, and a ``crit`` header (extensions we would have to
  understand) refused.

A refresh token is not a JWT here (Cognito's is an encrypted JWE with five segments; a
self-hosted server's is opaque): the error says that refresh tokens are not bearer tokens.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
import pybase64

from userpool.verify.errors import ACCESS_TOKEN_HINT, JwtParseError

#: Cognito's access and ID tokens are 1-4 KiB; 16 KiB leaves room for many groups and
#: custom attributes while bounding the work an attacker can make us do per request.
MAX_TOKEN_CHARS = 16 * 1024

_REFRESH_HINT = (
    "If this is a refresh token: refresh tokens are not bearer tokens; they are only ever sent to "
    f"the user pool to get new tokens. To call an API, {ACCESS_TOKEN_HINT}."
)

_BEARER_PREFIX = "The token starts with 'Bearer ': pass the token alone, without the Authorization scheme."

# The last character of a segment whose length is 2 or 3 (mod 4) carries 4 or 2 unused bits;
# canonical base64url has them zero, i.e. the character is one of these.
_CANONICAL_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}
_PADDING = ("", "", "==", "=")
# The same by length mod 4, for the fast path: None where any character will do, an empty set
# where none will (a length of 1 mod 4 is never valid).
_LAST_CHARS: tuple[frozenset[str] | None, ...] = (
    None,
    frozenset(),
    _CANONICAL_LAST[2],
    _CANONICAL_LAST[3],
)

# The fast path's JSON: orjson (C) parses, and the result is accepted only if serializing it
# again gives back the very same bytes. Those bytes are then orjson's canonical form of a
# value, which holds no duplicate key at any level (a dict cannot), no NaN/Infinity (orjson
# refuses them), no whitespace, no escape that has a shorter spelling, no number that reads
# differently (ints beyond 64 bits come back as floats, spelled differently), and is valid
# JSON that the strict stdlib parser below reads to the same value. Anything else (a
# duplicate, a space, an escaped "/", an exponent, a parse error) goes to that parser, so
# what is accepted or refused, and with which message, is exactly what it decides.
_FAST_LOADS, _FAST_DUMPS = orjson.loads, orjson.dumps
# The fast path's base64: pybase64 (SIMD C) with the base64url alphabet and validate=True refuses
# every character outside it; '+ / =' are refused before, and the padding and the last
# character's unused bits are checked here, so it accepts exactly what _b64 accepts.
_FAST_B64 = pybase64.b64decode
_URLSAFE = b"-_"


class DecomposedJwt(NamedTuple):
    """A structurally valid JWS: nothing in it is trusted yet."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    alg: str
    kid: str


# What DecomposedJwt(...) does, minus the Python frame of the generated __new__ (half its cost).
_NEW_DECOMPOSED: Callable[[type[DecomposedJwt], tuple[Any, ...]], DecomposedJwt] = tuple.__new__


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_object_without_duplicates, parse_constant=_refuse_constant)
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner json.loads itself uses


def _b64(std: str, start: int, end: int, what: str) -> bytes:
    """Decode ``std[start:end]``, a base64url segment already translated to the standard
    alphabet (``-_`` → ``+/``) by the caller, which has also refused ``+ / =`` in the
    original. Translating once per token instead of once per segment is measurably faster."""
    rem = (end - start) % 4
    if rem and (rem == 1 or std[end - 1] not in _CANONICAL_LAST[rem]):
        raise JwtParseError(f"{what} is not canonical base64url (wrong length or stray bits at the end)")
    try:
        return binascii.a2b_base64(std[start:end] + _PADDING[rem], strict_mode=True)
    except (binascii.Error, ValueError):
        raise JwtParseError(f"{what} is not valid base64url") from None


def _refuse_base64_alphabet(text: str, what: str) -> None:
    if "+" in text or "/" in text or "=" in text:
        raise JwtParseError(f"{what} uses '+', '/' or '=': that is base64, not unpadded base64url")


def b64url_decode(segment: str, what: str) -> bytes:
    """Decode unpadded, canonical base64url (RFC 7515 §2), refusing every other spelling."""
    _refuse_base64_alphabet(segment, what)
    return _b64(segment.replace("-", "+").replace("_", "/"), 0, len(segment), what)


def _json_object(std: str, start: int, end: int, what: str) -> dict[str, Any]:
    raw = _b64(std, start, end, what)
    try:
        text = raw.decode("utf-8")
        try:  # fast path: the C scanner on a text with no surrounding whitespace
            value, stop = _SCAN(text, 0)
        except (StopIteration, ValueError):
            stop = -1
        if stop != len(text):  # slow path, for whitespace and for the error message
            value = _DECODER.decode(text)
    except _DuplicateKeyError as exc:
        raise JwtParseError(
            f"{what} has the key {exc.key!r} twice; duplicate JSON keys are refused because "
            "parsers disagree on which one counts"
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise JwtParseError(f"{what} is not valid UTF-8 JSON ({exc.__class__.__name__})") from None
    if type(value) is not dict:
        raise JwtParseError(f"{what} is JSON but not a JSON object")
    return value


# Tokens from one pool share a handful of distinct headers; their parse is cached by the
# exact header segment (a pure function of it), bounded so that junk cannot grow it.
_HEADER_CACHE: dict[str, dict[str, Any]] = {}
_HEADER_CACHE_SIZE = 64


def _header(token: str, end: int) -> dict[str, Any]:
    segment = token[:end]
    header = _HEADER_CACHE.get(segment)
    if header is not None:
        return header
    try:
        header = _json_object(token[:end].replace("-", "+").replace("_", "/"), 0, end, "JWT header")
    except JwtParseError as exc:
        if token[:7].lower() == "bearer ":
            raise JwtParseError(_BEARER_PREFIX) from None
        # Three segments is a JWT's shape, and no refresh token has it (Cognito's has five, a
        # self-hosted server's one): say what is wrong, not that it may be a refresh token.
        raise JwtParseError(f"{exc}: this is not a JWT (its first segment does not decode to a JSON header)") from None
    if "crit" in header:
        raise JwtParseError(
            f"JWT header has 'crit' extensions {header['crit']!r}, which this verifier does not implement"
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise JwtParseError("JWT header has no 'alg' (string)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwtParseError("JWT header has no 'kid' (string); Cognito tokens always name their signing key")
    if len(_HEADER_CACHE) >= _HEADER_CACHE_SIZE:
        _HEADER_CACHE.clear()
    _HEADER_CACHE[segment] = header
    return header


def _explain_segments(token: str, count: int) -> str:
    if token[:7].lower() == "bearer ":
        return _BEARER_PREFIX
    base = f"A JWT has 3 dot-separated segments (header.payload.signature); this token has {count}."
    if count == 2:
        return f"{base} The signature segment is missing."
    if count == 5:
        return f"{base} Five segments is an encrypted JWE, like Cognito's refresh token. {_REFRESH_HINT}"
    if count == 1:  # an opaque string: a self-hosted server's refresh token has this shape
        return f"{base} {_REFRESH_HINT}"
    return base


def _as_text(token: object) -> str:
    if isinstance(token, (bytes, bytearray)):
        try:
            return bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise JwtParseError("JWT contains non-ASCII bytes") from None
    if not isinstance(token, str):
        raise JwtParseError(f"JWT must be a string, not {type(token).__name__}")
    return token


def decompose(token: str | bytes, max_chars: int = MAX_TOKEN_CHARS) -> DecomposedJwt:
    """Split and decode ``token``; raise :class:`JwtParseError` on any deviation.

    The header's ``alg`` and ``kid`` are checked to be non-empty strings; whether the
    ``alg`` is acceptable is the next step's business (``algorithms.check_alg``).
    """
    # Optimistic path, one frame, for a well-formed token whose header is in the cache (so
    # it has passed every header check). Any doubt sends the token to _decompose_in_order,
    # which runs all checks from the start in their order and raises the precise error.
    # Its own checks that are not written out here are implied: a third '.' can only be in
    # the signature segment, where pybase64 refuses it; an empty payload is not JSON.
    if type(token) is not str:  # the first check of both paths
        token = _as_text(token)
    if len(token) <= max_chars:
        first = token.find(".")
        second = token.find(".", first + 1)
        header = _HEADER_CACHE.get(token[:first])
        p_rem, s_rem = (second - first - 1) % 4, (len(token) - second - 1) % 4
        # rem 1 is never canonical (empty set); the canonical last characters have no '-' or '_'
        p_last, s_last = _LAST_CHARS[p_rem], _LAST_CHARS[s_rem]
        if (
            header is not None
            and second > first + 1  # also false when either '.' is missing
            and not ("+" in token or "/" in token or "=" in token)
            and (p_last is None or token[second - 1] in p_last)
            and (s_last is None or token[-1] in s_last)
        ):
            try:
                raw = _FAST_B64(token[first + 1 : second] + _PADDING[p_rem], _URLSAFE, True)
                payload = _FAST_LOADS(raw)  # orjson checks the UTF-8 itself
                if type(payload) is dict and _FAST_DUMPS(payload) == raw:
                    signature = _FAST_B64(token[second + 1 :] + _PADDING[s_rem], _URLSAFE, True)
                    if signature:
                        signing_input = token[:second].encode("ascii")
                        fields = (header, payload, signing_input, signature, header["alg"], header["kid"])
                        return _NEW_DECOMPOSED(DecomposedJwt, fields)
            # binascii.Error, orjson.JSONDecodeError and non-ASCII text are ValueErrors;
            # orjson.JSONEncodeError (nesting deeper than dumps allows) is a TypeError
            except (ValueError, TypeError, RecursionError):
                pass
    return _decompose_in_order(token, max_chars)


def _decompose_in_order(token: str | bytes, max_chars: int) -> DecomposedJwt:
    """``decompose``, one check after the other: the strict stdlib parser for the payload."""
    if type(token) is not str:
        token = _as_text(token)
    if len(token) > max_chars:
        raise JwtParseError(f"JWT is {len(token)} characters long; the limit is {max_chars}")
    first = token.find(".")
    second = token.find(".", first + 1)
    if first < 0 or second < 0 or token.find(".", second + 1) >= 0:
        raise JwtParseError(_explain_segments(token, token.count(".") + 1))
    if first == 0 or second == first + 1:
        raise JwtParseError("JWT has an empty header or payload segment")
    if second == len(token) - 1:
        raise JwtParseError("JWT has an empty signature segment: unsigned tokens are never accepted")
    _refuse_base64_alphabet(token, "JWT")
    header = _HEADER_CACHE.get(token[:first]) or _header(token, first)
    std = token.replace("-", "+").replace("_", "/")
    payload = _json_object(std, first + 1, second, "JWT payload")
    signature = _b64(std, second + 1, len(token), "JWT signature")
    return _NEW_DECOMPOSED(
        DecomposedJwt, (header, payload, token[:second].encode("ascii"), signature, header["alg"], header["kid"])
    )
