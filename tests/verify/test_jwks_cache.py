"""The JWKS cache: one fetch, one refetch on rotation, a penalty box, single flight.

Fetches are counted by the local issuer's HTTP server itself, so the numbers are the
requests the key server really received. Time in the penalty box is driven by a fake
clock: nothing here waits for a real period to pass.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from tests.verify.conftest import LOCAL_POOL_ID, KeyPair, LocalIssuer, assemble
from userpool.verify import (
    CognitoJwtVerifier,
    JwksCache,
    JwksFetchError,
    JwtInvalidSignatureError,
    KidNotFoundInJwksError,
    VerifierConfigError,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(local: LocalIssuer, clock: FakeClock) -> JwksCache:
    local.cache = JwksCache(penalty_seconds=10, clock=clock)
    return local.cache


def test_jwks_is_fetched_once(local: LocalIssuer, cache: JwksCache) -> None:
    verifier = local.verifier()
    for _ in range(5):
        assert verifier.verify(local.mint())
    assert local.fetches == 1
    assert cache.fetch_count(local.jwks_uri) == 1


def test_key_rotation_costs_exactly_one_refetch(local: LocalIssuer, cache: JwksCache) -> None:
    verifier = local.verifier(cache_size=0)
    assert verifier.verify(local.mint("k1"))
    assert local.fetches == 1
    # The issuer rotates: it publishes k2 next to k1 and signs new tokens with k2.
    local.publish("k1", "k2")
    for _ in range(3):
        assert verifier.verify(local.mint("k2"))
    assert verifier.verify(local.mint("k1"))  # old tokens stay valid until they expire
    assert local.fetches == 2
    # Then k1 is withdrawn; tokens signed by k2 keep working with no further fetch.
    local.publish("k2")
    assert verifier.verify(local.mint("k2"))
    assert local.fetches == 2


def test_unknown_kids_cannot_make_it_hammer_the_key_server(
    local: LocalIssuer, cache: JwksCache, clock: FakeClock
) -> None:
    verifier = local.verifier()
    assert verifier.verify(local.mint("k1"))
    with pytest.raises(KidNotFoundInJwksError, match="even after refetching"):
        verifier.verify(local.mint("rogue"))
    assert local.fetches == 2
    for _ in range(50):
        with pytest.raises(KidNotFoundInJwksError, match="penalty period"):
            verifier.verify(local.mint("rogue", header={"kid": "junk"}))
    assert local.fetches == 2
    assert verifier.verify(local.mint("k1"))  # known keys keep working meanwhile
    # A legitimate rotation during the penalty waits for it to end, then costs one fetch.
    local.publish("k1", "k2")
    with pytest.raises(KidNotFoundInJwksError):
        verifier.verify(local.mint("k2"))
    clock.now += 10
    assert verifier.verify(local.mint("k2"))
    assert local.fetches == 3


def test_failed_fetch_enters_the_penalty_box(local: LocalIssuer, cache: JwksCache, clock: FakeClock) -> None:
    local.jwks_status = 500
    verifier = local.verifier()
    with pytest.raises(JwksFetchError, match="HTTP 500"):
        verifier.verify(local.mint())
    for _ in range(10):
        with pytest.raises(JwksFetchError, match="Not retrying for another"):
            verifier.verify(local.mint())
    assert local.fetches == 1
    local.jwks_status = 200
    clock.now += 10
    assert verifier.verify(local.mint())
    assert local.fetches == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"not json", "did not answer JSON"), (b'{"keys": "nope"}', "not a JWKS"), (b"[]", "not a JWKS")],
)
def test_unusable_jwks_documents(local: LocalIssuer, cache: JwksCache, body: bytes, expected: str) -> None:
    local.jwks_body = body
    with pytest.raises(JwksFetchError, match=expected):
        local.verifier().verify(local.mint())


def test_unusable_key_is_explained(local: LocalIssuer, cache: JwksCache) -> None:
    local.jwks_body = b'{"keys": [{"kty": "oct", "kid": "kid-k1", "k": "c2VjcmV0"}]}'
    with pytest.raises(KidNotFoundInJwksError, match="unusable: key type 'oct'"):
        local.verifier().verify(local.mint())


def test_weak_rsa_keys_are_not_trusted(local: LocalIssuer, cache: JwksCache) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = KeyPair("kid-k1", rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505 - weak on purpose: the cache must refuse it
    local.jwks_body = json.dumps({"keys": [weak.public_jwk()]}).encode()
    with pytest.raises(KidNotFoundInJwksError, match="at least 2048"):
        local.verifier().verify(assemble({"kid": "kid-k1", "alg": "RS256"}, local.claims(), weak))


def test_concurrent_threads_cause_one_fetch(local: LocalIssuer, cache: JwksCache) -> None:
    local.release.clear()  # hold the first fetch until everyone is queued behind it
    verifier = local.verifier(cache_size=0)
    tokens = [local.mint() for _ in range(8)]
    results: list[Any] = []

    def call(token: str) -> None:
        try:
            results.append(verifier.verify(token))
        except Exception as exc:  # noqa: BLE001 - any failure is reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=call, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    assert local.fetch_started.wait(10)
    local.release.set()
    for t in threads:
        t.join(10)
    assert all(isinstance(r, dict) for r in results) and len(results) == 8
    assert local.fetches == 1


def test_concurrent_tasks_cause_one_fetch(local: LocalIssuer, cache: JwksCache) -> None:
    verifier = local.verifier(cache_size=0)

    async def main() -> list[dict[str, Any]]:
        return await asyncio.gather(*(verifier.averify(local.mint()) for _ in range(8)))

    assert len(asyncio.run(main())) == 8
    assert local.fetches == 1


def test_threads_and_tasks_share_one_fetch(local: LocalIssuer, cache: JwksCache) -> None:
    local.release.clear()
    verifier = local.verifier(cache_size=0)
    token = local.mint()
    outcomes: list[Any] = []
    thread = threading.Thread(target=lambda: outcomes.append(verifier.verify(token)))
    thread.start()
    assert local.fetch_started.wait(10)

    async def main() -> list[dict[str, Any]]:
        waiting = asyncio.gather(*(verifier.averify(token) for _ in range(4)))
        await asyncio.sleep(0)
        local.release.set()
        return await waiting

    outcomes.extend(asyncio.run(main()))
    thread.join(10)
    assert len(outcomes) == 5
    assert local.fetches == 1


def test_a_cancelled_fetch_leaves_the_others_working(local: LocalIssuer, cache: JwksCache) -> None:
    local.release.clear()
    verifier = local.verifier(cache_size=0)

    async def main() -> dict[str, Any]:
        leader = asyncio.create_task(verifier.averify(local.mint()))
        while not local.fetch_started.is_set():
            await asyncio.sleep(0.01)
        follower = asyncio.create_task(verifier.averify(local.mint()))
        await asyncio.sleep(0)
        leader.cancel()
        local.release.set()
        with pytest.raises(asyncio.CancelledError):
            await leader
        return await follower

    assert asyncio.run(main())["username"] == "alice"


def test_hydrate_and_cache_jwks(local: LocalIssuer, cache: JwksCache) -> None:
    verifier = local.verifier()
    verifier.hydrate()
    verifier.hydrate()
    assert local.fetches == 1
    offline = local.verifier(jwks_cache=JwksCache())
    offline.cache_jwks(local.jwks_document())
    assert offline.verify(local.mint())
    assert local.fetches == 1


def test_verifiers_share_the_cache_per_uri(local: LocalIssuer, cache: JwksCache) -> None:
    a = local.verifier()
    b = local.verifier(token_use="id")
    assert a.verify(local.mint())
    assert b.verify(local.mint(token_use="id", client_id=None, aud="localclient1234567890abcd"))
    assert local.fetches == 1


def test_keys_come_only_from_the_configured_uri(local: LocalIssuer, cache: JwksCache, keys: Any) -> None:
    """cache_jwks for one URI does not make another verifier trust those keys."""
    elsewhere = "http://127.0.0.1:9/other/jwks.json"
    cache.add_jwks(elsewhere, {"keys": [keys["rogue"].public_jwk()]})
    with pytest.raises(KidNotFoundInJwksError):
        local.verifier().verify(local.mint("rogue"))


def test_a_replaced_key_set_is_used_for_signatures(local: LocalIssuer, cache: JwksCache, keys: Any) -> None:
    verifier = local.verifier(cache_size=0)
    rogue = keys["rogue"].public_jwk()
    verifier.cache_jwks({"keys": [{**rogue, "kid": "kid-k1"}]})
    with pytest.raises(JwtInvalidSignatureError):
        verifier.verify(local.mint("k1"))


@pytest.mark.parametrize(
    ("kwargs", "ok"),
    [
        ({"issuer": "http://example.com/us-east-1_Abc"}, False),
        ({"issuer": "http://example.com/us-east-1_Abc", "allow_http": True}, True),
        ({"issuer": "http://localhost:8080/us-east-1_Abc"}, True),
        ({"issuer": "http://127.0.0.2/us-east-1_Abc"}, True),
        ({"issuer": "http://[::1]:8080/us-east-1_Abc"}, True),
        ({"issuer": "https://example.com/us-east-1_Abc", "jwks_uri": "http://example.com/jwks.json"}, False),
        ({"issuer": "https://example.com/us-east-1_Abc", "jwks_uri": "ftp://example.com/jwks.json"}, False),
        (
            {
                "issuer": "https://example.com/us-east-1_Abc",
                "check_revocation": True,
                "endpoint": "http://e.com/",
            },
            False,
        ),
    ],
)
def test_plain_http_only_for_loopback(kwargs: dict[str, Any], ok: bool) -> None:
    def build() -> CognitoJwtVerifier:
        return CognitoJwtVerifier(user_pool_id="us-east-1_Abc", token_use="access", client_id=None, **kwargs)

    if ok:
        assert build().jwks_uri.endswith("/.well-known/jwks.json")
    else:
        with pytest.raises(VerifierConfigError):
            build()


def test_discovery_must_name_the_same_issuer(local: LocalIssuer) -> None:
    local.discovery_issuer = "https://evil.example/us-east-1_LocalPool1"
    with pytest.raises(JwksFetchError, match="must describe the issuer"):
        CognitoJwtVerifier.from_issuer(local.issuer, token_use="access", client_id=None)
    local.discovery_issuer = None
    verifier = CognitoJwtVerifier.from_issuer(
        local.issuer, token_use="access", client_id=None, jwks_cache=JwksCache()
    )
    assert verifier.user_pool_id == LOCAL_POOL_ID
    assert verifier.verify(local.mint())
