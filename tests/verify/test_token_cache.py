"""The verified-token cache: one signature check per token, claims re-checked every time,
nothing kept past ``exp``. Time is a fake clock patched into the verifier module."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.verify.conftest import LocalIssuer
from userpool.verify import JwksCache, JwtExpiredError, JwtInvalidGroupError, JwtInvalidTokenUseError
from userpool.verify import verifier as verifier_module
from userpool.verify.cache import ExpiringLru


class FakeTime:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime(time.time())
    monkeypatch.setattr(verifier_module, "time", fake)
    return fake


@pytest.fixture
def key_lookups(local: LocalIssuer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every key lookup the verifier makes: a cache hit makes none."""
    seen: list[str] = []
    cache = JwksCache()
    original = cache.get_key

    def counting(uri: str, kid: str) -> Any:
        seen.append(kid)
        return original(uri, kid)

    monkeypatch.setattr(cache, "get_key", counting)
    local.cache = cache
    return seen


def test_a_repeated_token_is_verified_once(local: LocalIssuer, key_lookups: list[str]) -> None:
    verifier = local.verifier()
    token = local.mint()
    for _ in range(5):
        assert verifier.verify(token)["username"] == "alice"
    assert len(key_lookups) == 1


def test_a_cache_hit_still_checks_the_request_requirements(
    local: LocalIssuer, key_lookups: list[str]
) -> None:
    verifier = local.verifier()
    token = local.mint()
    assert verifier.verify(token)
    with pytest.raises(JwtInvalidGroupError):
        verifier.verify(token, groups="superusers")
    with pytest.raises(JwtInvalidTokenUseError):
        verifier.verify(token, token_use="id")
    with pytest.raises(Exception, match="custom_check"):
        verifier.verify(token, custom_check=lambda claims: False)
    assert len(key_lookups) == 1


def test_cached_refusals_stay_refusals(local: LocalIssuer, key_lookups: list[str]) -> None:
    """An authentic ID token is cached, and refused as an access token every time."""
    verifier = local.verifier()
    token = local.mint(token_use="id")
    for _ in range(3):
        with pytest.raises(JwtInvalidTokenUseError, match="ID token"):
            verifier.verify(token)
    assert len(key_lookups) == 1


def test_entries_never_outlive_the_token(local: LocalIssuer, key_lookups: list[str], clock: FakeTime) -> None:
    now = int(clock.now)
    token = local.mint(exp=now + 100, iat=now)
    verifier = local.verifier(grace_seconds=30)
    assert verifier.verify(token)
    clock.now = now + 99.5
    assert verifier.verify(token)
    assert len(key_lookups) == 1
    clock.now = now + 100
    assert verifier.verify(token)  # accepted thanks to grace, but verified afresh: the entry is gone
    assert len(key_lookups) == 2
    clock.now = now + 130
    with pytest.raises(JwtExpiredError):
        verifier.verify(token)


def test_without_grace_the_token_expires_exactly_at_exp(local: LocalIssuer, clock: FakeTime) -> None:
    now = int(clock.now)
    token = local.mint(exp=now + 10, iat=now)
    verifier = local.verifier()
    assert verifier.verify(token)
    clock.now = now + 10
    with pytest.raises(JwtExpiredError):
        verifier.verify(token)


def test_callers_cannot_corrupt_the_cache(local: LocalIssuer) -> None:
    verifier = local.verifier()
    token = local.mint(identities=[{"providerName": "Google"}])
    first = verifier.verify(token)
    first["cognito:groups"].append("superusers")
    first["identities"][0]["providerName"] = "Evil"
    first["username"] = "mallory"
    again = verifier.verify(token)
    assert again["cognito:groups"] == ["admin", "staff"]
    assert again["identities"] == [{"providerName": "Google"}]
    assert again["username"] == "alice"
    with pytest.raises(JwtInvalidGroupError):
        verifier.verify(token, groups="superusers")


def test_the_cache_is_bounded(local: LocalIssuer, key_lookups: list[str]) -> None:
    verifier = local.verifier(cache_size=2)
    a, b, c = local.mint(), local.mint(), local.mint()
    for token in (a, b, a, c):  # c evicts b, the least recently used
        verifier.verify(token)
    assert len(key_lookups) == 3
    verifier.verify(a)
    assert len(key_lookups) == 3
    verifier.verify(b)
    assert len(key_lookups) == 4


def test_cache_can_be_disabled(local: LocalIssuer, key_lookups: list[str]) -> None:
    verifier = local.verifier(cache_size=0)
    token = local.mint()
    verifier.verify(token)
    verifier.verify(token)
    assert len(key_lookups) == 2


def test_expiring_lru_basics() -> None:
    lru: ExpiringLru[str] = ExpiringLru(2)
    lru.put(b"a", "A", expires_at=10)
    assert lru.get(b"a", now=9.99) == "A"
    assert lru.get(b"a", now=10) is None
    assert len(lru) == 0
    with pytest.raises(ValueError):
        ExpiringLru(0)


def test_the_cache_is_safe_under_concurrent_use(local: LocalIssuer) -> None:
    """Threads hammering a tiny cache (constant eviction) all get correct answers."""
    import threading

    verifier = local.verifier(cache_size=3)
    tokens = [(local.mint(username=f"user{i}"), f"user{i}") for i in range(8)]
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(150):
                token, username = tokens[(offset + n) % len(tokens)]
                assert verifier.verify(token)["username"] == username
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []


def test_unknown_per_call_requirements_are_refused(local: LocalIssuer) -> None:
    with pytest.raises(TypeError, match="unknown requirement"):
        local.verifier().verify(local.mint(), group="admin")  # type: ignore[call-arg]
