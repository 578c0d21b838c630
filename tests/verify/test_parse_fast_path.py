"""The payload's fast path (orjson + pybase64) against the strict pure-Python path it skips.

``decompose`` first tries orjson, accepting its result only when ``orjson.dumps`` gives back
the exact decoded bytes; on any difference it runs the strict stdlib parser. These tests pin
both halves: what takes the fast path (a spy on the strict parser sees no call), that the
fast path refuses everything the strict one refused, and that JSON the fast path does not
take (spaces, escapes, exponents, huge integers) still decodes to the same claims.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.verify.conftest import LOCAL_CLIENT_ID, LOCAL_POOL_ID, KeyPair, assemble, b64url
from userpool.verify import CognitoJwtVerifier, JwksCache, JwtParseError, parse
from userpool.verify.parse import decompose

HEADER = '{"kid":"k","alg":"RS256"}'
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{LOCAL_POOL_ID}"


def _token(payload: str | bytes, signature: str = "c2ln") -> str:
    return f"{b64url(HEADER)}.{b64url(payload)}.{signature}"


@pytest.fixture
def strict_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each call of the strict parser (the fallback); the header is cached, so a
    call for "JWT payload" means the payload missed the fast path."""
    calls: list[str] = []
    strict: Callable[..., dict[str, Any]] = parse._json_object

    def spy(std: str, start: int, end: int, what: str) -> dict[str, Any]:
        calls.append(what)
        return strict(std, start, end, what)

    monkeypatch.setattr(parse, "_json_object", spy)
    decompose(_token('{"warm":1}'))  # puts HEADER in the header cache
    calls.clear()
    return calls


def test_canonical_payload_takes_the_fast_path(strict_calls: list[str]) -> None:
    payload = '{"sub":"alice","exp":1796309552,"cognito:groups":["admin","staff"],"n":-0.5,"ok":true,"x":null}'
    jwt = decompose(_token(payload))
    assert jwt.payload == json.loads(payload)
    assert list(jwt.payload) == list(json.loads(payload))  # key order kept
    assert strict_calls == []


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        ('{"sub":"alice","exp":1,"sub":"admin"}', "sub"),
        ('{"sub":"alice","sub":"alice"}', "sub"),  # same value twice: still refused
        ('{"sub":"alice","identities":[{"a":1,"a":2}]}', "a"),
        ('{"sub":"alice","nested":{"deeper":{"b":true,"b":true}}}', "b"),
    ],
)
def test_compact_duplicate_keys_are_refused_at_any_level(payload: str, key: str, strict_calls: list[str]) -> None:
    with pytest.raises(JwtParseError, match=f"has the key '{key}' twice"):
        decompose(_token(payload))
    assert strict_calls == ["JWT payload"]  # refused by the strict parser, with its message


@pytest.mark.parametrize("payload", ['["not","an","object"]', '"text"', "1", "null", "true", "[]"])
def test_compact_non_objects_are_refused(payload: str) -> None:
    with pytest.raises(JwtParseError, match="JWT payload is JSON but not a JSON object"):
        decompose(_token(payload))


@pytest.mark.parametrize("payload", ['{"exp":NaN}', '{"exp":Infinity}', '{"exp":-Infinity}'])
def test_nan_and_infinity_are_still_refused(payload: str) -> None:
    with pytest.raises(JwtParseError, match=r"JWT payload is not valid UTF-8 JSON \(ValueError\)"):
        decompose(_token(payload))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sub":"\xff"}',  # not UTF-8 at all
        b'{"sub":"\xed\xa0\x80"}',  # an encoded surrogate
        b'{"sub":"\xc0\xaf"}',  # an overlong '/'
        b'\xef\xbb\xbf{"sub":"alice"}',  # a byte order mark
    ],
)
def test_bad_utf8_is_refused(raw: bytes) -> None:
    with pytest.raises(JwtParseError, match="JWT payload is not valid UTF-8 JSON"):
        decompose(_token(raw))


@pytest.mark.parametrize(
    ("payload_segment", "signature", "expected"),
    [
        ("eyJzdWIiOiJhIn0!", "c2ln", "JWT payload is not valid base64url"),
        ("eyJzdW IiOiJhIn0", "c2ln", "JWT payload is not valid base64url"),
        ("eyJzdWIiOiJhIn0", "c2l*", "JWT signature is not valid base64url"),
        ("eyJzdWIiOiJhIn0", "c2lé", "JWT signature is not valid base64url"),
        ("eyJzdWIiOiJhIn1", "c2ln", "JWT payload is not canonical base64url"),  # stray bits
        ("eyJzdWIiOiJhIn0", "c2lnA", "JWT signature is not canonical base64url"),  # length 1 mod 4
    ],
)
def test_bad_base64url_is_refused_as_before(payload_segment: str, signature: str, expected: str) -> None:
    assert b64url('{"sub":"a"}') == "eyJzdWIiOiJhIn0"
    with pytest.raises(JwtParseError, match=expected):
        decompose(f"{b64url(HEADER)}.{payload_segment}.{signature}")


@pytest.mark.parametrize(
    "payload",
    [
        '{"sub": "alice", "exp": 1}',  # spaces
        ' {"sub":"alice"}\n',  # outer whitespace
        '{"iss":"https:\\/\\/cognito-idp.us-east-1.amazonaws.com\\/pool"}',  # escaped slashes
        '{"sub":"\\u0061lice","name":"Jos\\u00e9","emoji":"\\ud83d\\ude00"}',  # unicode escapes
        '{"sub":"\\ud800"}',  # a lone surrogate escape: orjson refuses it, the stdlib reads it
        '{"exp":1e3,"iat":1E3,"f":2.5e-5,"g":1.5e300}',  # exponents
        '{"big":123456789012345678901234567890,"neg":-9223372036854775809}',  # beyond 64 bits
        '{"zero":-0,"x":1.10}',  # numbers that re-serialize differently
        '{"deep":' + "[" * 300 + "]" * 300 + "}",  # deeper than orjson.dumps goes (a TypeError)
    ],
)
def test_non_canonical_json_falls_back_with_identical_claims(payload: str, strict_calls: list[str]) -> None:
    claims = decompose(_token(payload)).payload
    assert claims == json.loads(payload)
    assert json.dumps(claims) == json.dumps(json.loads(payload))  # same types, e.g. int vs float
    assert strict_calls == ["JWT payload"]


def test_fast_path_and_strict_parser_agree_on_an_access_token(strict_calls: list[str]) -> None:
    claims = {
        "sub": "067ea6fe-2ecf-42c4-92c6-837330900d1b",
        "cognito:groups": ["admin", "staff"],
        "iss": ISSUER,
        "client_id": LOCAL_CLIENT_ID,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "exp": 1796309552,
        "username": "Zoë <zoe@example.com> \u2028",
    }
    compact = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
    segment = b64url(compact.encode())
    fast = decompose(f"{b64url(HEADER)}.{segment}.c2ln").payload
    assert strict_calls == []
    std = segment.replace("-", "+").replace("_", "/")
    strict = parse._json_object(std, 0, len(std), "JWT payload")  # the spy: the strict parser itself
    assert strict_calls == ["JWT payload"]
    assert fast == strict == claims


def _verifier(key: KeyPair) -> CognitoJwtVerifier:
    verifier = CognitoJwtVerifier(
        user_pool_id=LOCAL_POOL_ID, token_use="access", client_id=LOCAL_CLIENT_ID, jwks_cache=JwksCache()
    )
    verifier.cache_jwks({"keys": [key.public_jwk()]})
    return verifier


@pytest.mark.parametrize(
    "spell",
    [
        lambda claims: json.dumps(claims, separators=(",", ":")),  # canonical: the fast path
        lambda claims: json.dumps(claims),  # spaces
        lambda claims: json.dumps(claims, separators=(",", ":")).replace("/", "\\/"),  # escaped slashes
        lambda claims: json.dumps(claims, separators=(",", ":")).replace('"alice"', '"\\u0061lice"'),
    ],
    ids=["canonical", "spaces", "escaped-slashes", "unicode-escape"],
)
def test_signed_tokens_verify_to_the_same_claims_however_spelled(
    keys: dict[str, KeyPair], spell: Callable[[dict[str, Any]], str]
) -> None:
    key = keys["k1"]
    now = int(time.time())
    claims = {
        "sub": "alice",
        "iss": ISSUER,
        "client_id": LOCAL_CLIENT_ID,
        "token_use": "access",
        "exp": now + 600,
        "iat": now,
        "cognito:groups": ["admin"],
    }
    header = json.dumps({"kid": key.kid, "alg": "RS256"}, separators=(",", ":"))
    token = assemble(header, spell(claims), key)
    assert _verifier(key).verify(token) == claims


def test_signed_token_with_compact_duplicate_claim_is_refused(keys: dict[str, KeyPair]) -> None:
    key = keys["k1"]
    now = int(time.time())
    payload = (
        f'{{"sub":"alice","iss":"{ISSUER}","client_id":"{LOCAL_CLIENT_ID}","token_use":"access",'
        f'"exp":{now + 600},"sub":"admin"}}'
    )
    token = assemble(json.dumps({"kid": key.kid, "alg": "RS256"}, separators=(",", ":")), payload, key)
    with pytest.raises(JwtParseError, match="'sub' twice"):
        _verifier(key).verify(token)


# ---- the whole-token fast path of decompose against _decompose_in_order -------------------
#
# For a token whose header is cached, decompose checks everything in one optimistic block
# and hands any token it does not accept to _decompose_in_order, the step-by-step path. The
# outcome (the decomposed token, or the exception's type and message) must be the one the
# step-by-step path gives, for every shape of input, including those the fast path only
# refuses implicitly (a third '.', an empty payload, an empty signature).

_H = b64url(HEADER)
_P = b64url('{"sub":"alice","exp":1}')
_S = "c2ln"
_IN_ORDER = parse._decompose_in_order  # the reference, whatever a fixture puts in its place


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except JwtParseError as exc:
        return type(exc).__name__, str(exc)


@pytest.fixture
def in_order_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records each token that decompose hands to the step-by-step path."""
    calls: list[object] = []
    in_order = parse._decompose_in_order

    def spy(token: object, max_chars: int) -> parse.DecomposedJwt:
        calls.append(token)
        return in_order(token, max_chars)  # type: ignore[arg-type]

    monkeypatch.setattr(parse, "_decompose_in_order", spy)
    decompose(f"{_H}.{_P}.{_S}")  # puts HEADER in the header cache
    calls.clear()
    return calls


@pytest.mark.parametrize(
    "token",
    [
        f"{_H}.{_P}.{_S}",
        _H + "." + b64url('{"sub":"a","groups":["x",{"k":null}]}') + "." + b64url(b"\x00" * 256),
        f"{_H}.{_P}.{_S}.x",  # four segments: the third '.' is in the signature segment
        f"{_H}.{_P}.{_S}.{_P}.{_S}",  # five: a JWE's shape
        f"{_H}.{_P}",
        f"{_H}A",  # no '.', and token[:-1] is the cached header segment
        f"{_H}",
        f"{_H}..{_S}",  # empty payload
        f"{_H}.{_P}.",  # empty signature
        f"{_H}...",
        f".{_P}.{_S}",
        f"{_H}.{_P}+.{_S}",
        f"{_H}.{_P}.c2/n",
        f"{_H}.{_P}.c2ln==",
        f"{_H}.{_P}.c2lnAB",  # stray bits in the signature's last character
        _H + "." + b64url('{"sub":"a"}')[:-1] + "1." + _S,  # stray bits in the payload's last character
        f"{_H}.{_P}.c2lnA",  # length 1 mod 4
        f"{_H}.{_P}A.{_S}",
        f"{_H}.{_P}.c2lé",  # non-ASCII in the signature
        f"{_H}.{_P}é.{_S}",
        f"{_H}.{_P}.c2l\n",
        _H + "." + b64url('{"sub":"a","sub":"b"}') + "." + _S,  # duplicate key
        _H + "." + b64url('{"exp":NaN}') + "." + _S,
        f"{_H}.{b64url('[1,2]')}.{_S}",
        _H + "." + b64url(' {"sub":"a"}') + "." + _S,  # outer whitespace: accepted by the strict path
        _H + "." + b64url(b'{"sub":"\xff"}') + "." + _S,  # not UTF-8
        f"Bearer {_H}.{_P}.{_S}",
        f"{_H}.{_P}.{_S}".encode(),
        bytearray(f"{_H}.{_P}.{_S}".encode()),
        f"{_H}.{_P}.{_S}".encode() + b"\xff",
    ],
)
def test_whole_token_fast_path_agrees_with_the_step_by_step_path(
    token: str | bytes, in_order_calls: list[object]
) -> None:
    fast = _outcome(lambda: decompose(token))
    assert fast == _outcome(lambda: _IN_ORDER(token, parse.MAX_TOKEN_CHARS))
    if fast[0] == "ok" and fast[1].payload.get("sub") == "alice":
        assert in_order_calls == []  # a canonical token with a cached header: the fast path took it


def test_size_limit_is_checked_before_the_fast_path(in_order_calls: list[object]) -> None:
    token = f"{_H}.{_P}.{_S}"
    limit = len(token) - 1
    with pytest.raises(JwtParseError, match=f"JWT is {len(token)} characters long; the limit is {limit}"):
        decompose(token, limit)
    assert in_order_calls == [token]
    assert decompose(token, len(token)).payload == {"sub": "alice", "exp": 1}


def test_uncached_header_goes_the_step_by_step_way_once(in_order_calls: list[object]) -> None:
    header = b64url('{"alg":"RS256","kid":"other-key"}')
    token = f"{header}.{_P}.{_S}"
    first, second = decompose(token), decompose(token)
    assert in_order_calls == [token]  # the first call cached the header
    assert first == second and first.kid == "other-key"
