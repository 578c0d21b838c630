"""Structure: what counts as a well-formed token, before any key or claim is looked at."""

from __future__ import annotations

import json

import pytest

from tests.verify.conftest import KeyPair, assemble, b64url
from userpool.verify import JwtInvalidSignatureAlgorithmError, JwtParseError
from userpool.verify.algorithms import check_alg
from userpool.verify.parse import MAX_TOKEN_CHARS, b64url_decode, decompose

HEADER = {"kid": "k", "alg": "RS256"}
PAYLOAD = {"sub": "alice", "exp": 1}


def token(header: object = HEADER, payload: object = PAYLOAD, signature: str = "c2ln") -> str:
    h = header if isinstance(header, str) else json.dumps(header)
    p = payload if isinstance(payload, str) else json.dumps(payload)
    return f"{b64url(h)}.{b64url(p)}.{signature}"


def test_decomposes_a_well_formed_token() -> None:
    jwt = decompose(token())
    assert jwt.header == HEADER and jwt.payload == PAYLOAD
    assert (jwt.alg, jwt.kid, jwt.signature) == ("RS256", "k", b"sig")
    assert jwt.signing_input == token().rsplit(".", 1)[0].encode()


def test_bytes_are_accepted_as_ascii() -> None:
    assert decompose(token().encode()).payload == PAYLOAD


@pytest.mark.parametrize("bad", [None, 42, ["a.b.c"]])
def test_non_strings_are_refused(bad: object) -> None:
    with pytest.raises(JwtParseError, match="must be a string"):
        decompose(bad)  # type: ignore[arg-type]


def test_oversized_token_is_refused_before_decoding() -> None:
    huge = token(payload={"sub": "x" * MAX_TOKEN_CHARS})
    with pytest.raises(JwtParseError, match=f"the limit is {MAX_TOKEN_CHARS}"):
        decompose(huge)
    assert decompose(huge, max_chars=len(huge)).payload["sub"].startswith("x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("onlyonesegment", "has 1"),
        ("a.b", "signature segment is missing"),
        ("a.b.c.d", "has 4"),
        ("a.b.c.d.e", "encrypted JWE"),
        ("Bearer a.b.c", "without the Authorization scheme"),
    ],
)
def test_wrong_segment_counts_are_explained(text: str, expected: str) -> None:
    with pytest.raises(JwtParseError, match=expected):
        decompose(text)


def test_opaque_refresh_token_gets_the_bearer_explanation() -> None:
    with pytest.raises(JwtParseError) as info:
        decompose("l8CRE6wupEJa73KluegR_AQKmeeoD5jOdVCk9_-0" * 3)
    message = str(info.value)
    assert "refresh tokens are not bearer tokens" in message
    assert "fetch_auth_session().tokens.access_token" in message


def test_empty_signature_is_refused() -> None:
    with pytest.raises(JwtParseError, match="empty signature"):
        decompose(token(signature=""))


@pytest.mark.parametrize(
    "segment",
    [
        "c2ln=",  # padding
        "c2l+",  # standard alphabet
        "c2l/",
        "c2 n",  # whitespace
        "c2l\n",
        "c2l*",  # not base64 at all
        "c2lnc",  # impossible length (1 mod 4)
        "c2lh",  # 'sia' ... fine; paired with the next line to show canonical matters
    ][:-1],
)
def test_signature_segment_must_be_strict_base64url(segment: str) -> None:
    with pytest.raises(JwtParseError):
        decompose(token(signature=segment))


def test_non_canonical_base64url_is_refused() -> None:
    # "c2ln" is b"sig"; "c2lo" would be the same bytes with stray low bits set ("c2lm" too).
    assert b64url_decode("c2ln", "x") == b"sig"
    assert b64url_decode("AQ", "x") == b"\x01"
    with pytest.raises(JwtParseError, match="canonical"):
        b64url_decode("AR", "x")  # also decodes to b"\x01" in lenient decoders


@pytest.mark.parametrize("segment", ["AR", "c2lnAR", "AAB", "AAF"])
def test_non_canonical_segments_are_refused_in_tokens(segment: str) -> None:
    with pytest.raises(JwtParseError, match="canonical"):
        decompose(token(signature=segment))
    payload_segment = b64url(json.dumps(PAYLOAD))
    assert payload_segment[-1] == "0" and len(payload_segment) % 4 == 3
    stray = payload_segment[:-1] + "1"  # same bytes to a lenient decoder, stray low bits
    with pytest.raises(JwtParseError, match="JWT payload is not canonical"):
        decompose(f"{b64url(json.dumps(HEADER))}.{stray}.c2ln")


def test_duplicate_keys_in_payload_are_refused() -> None:
    with pytest.raises(JwtParseError, match="'sub' twice"):
        decompose(token(payload='{"sub":"alice","exp":1,"sub":"admin"}'))


def test_duplicate_keys_in_nested_objects_are_refused() -> None:
    with pytest.raises(JwtParseError, match="'a' twice"):
        decompose(token(payload='{"sub":"alice","identities":[{"a":1,"a":2}]}'))


def test_duplicate_keys_in_header_are_refused() -> None:
    with pytest.raises(JwtParseError, match="'alg' twice"):
        decompose(token(header='{"kid":"k","alg":"none","alg":"RS256"}'))


@pytest.mark.parametrize(
    "payload",
    ['["not","an","object"]', '"text"', "{", '{"exp": NaN}', '{"exp": Infinity}', "[" * 5000 + "]" * 5000],
)
def test_payload_must_be_a_json_object(payload: str) -> None:
    with pytest.raises(JwtParseError, match="JWT payload"):
        decompose(token(payload=payload), max_chars=10**6)


def test_payload_must_be_utf8() -> None:
    raw = b64url(b'{"sub":"\xff"}')
    with pytest.raises(JwtParseError, match="UTF-8"):
        decompose(f"{b64url(json.dumps(HEADER))}.{raw}.c2ln")


def test_surrounding_whitespace_in_json_is_tolerated() -> None:
    assert decompose(token(payload=' {"sub": "alice"}\n')).payload == {"sub": "alice"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"alg": "RS256"}, "no 'kid'"),
        ({"kid": "", "alg": "RS256"}, "no 'kid'"),
        ({"kid": "k"}, "no 'alg'"),
        ({"kid": "k", "alg": 256}, "no 'alg'"),
        ({"kid": "k", "alg": "RS256", "crit": ["exp"]}, "crit"),
        ("not json", "JWT header"),
    ],
)
def test_header_requirements(header: object, expected: str) -> None:
    with pytest.raises(JwtParseError, match=expected):
        decompose(token(header=header))


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_in_any_case_is_refused(alg: str) -> None:
    with pytest.raises(JwtInvalidSignatureAlgorithmError, match="unsigned tokens are never accepted"):
        check_alg(alg)


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512", "hs256"])
def test_hmac_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(JwtInvalidSignatureAlgorithmError, match="algorithm-confusion"):
        check_alg(alg)


@pytest.mark.parametrize("alg", ["PS256", "RS1", "ES256K", "rs256", ""])
def test_other_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(JwtInvalidSignatureAlgorithmError, match="not allowed"):
        check_alg(alg)


def test_assembled_tokens_round_trip(keys: dict[str, KeyPair]) -> None:
    text = assemble({"kid": "kid-k1", "alg": "RS256"}, '{"a":1}', keys["k1"])
    jwt = decompose(text)
    assert jwt.payload == {"a": 1} and len(jwt.signature) == 256
