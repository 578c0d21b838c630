"""A JWKS cache per URI with a penalty box, shared by threads and asyncio tasks.

Behaviour (aws-jwt-verify's ``SimpleJwksCache`` + ``SimplePenaltyBox``):

* a JWKS is fetched once and kept; a token whose ``kid`` is already known costs a dict
  lookup and no lock;
* a token with an unknown ``kid`` causes one refetch (that is how key rotation is picked
  up); if the ``kid`` is still unknown afterwards, or the fetch failed, the URI enters a
  penalty period during which unknown ``kid``s are refused without fetching, so that a
  flood of junk tokens costs the key server one request per period, not one per token;
* callers arriving while a fetch is in flight wait for it instead of starting another
  ("single flight"), whether they are threads calling :meth:`JwksCache.get_key` or tasks
  awaiting :meth:`JwksCache.aget_key`, in any mix and on any event loop.

The decisions live in :meth:`JwksCache._plan` and :meth:`JwksCache._settle`, which do no
I/O; the sync and async drivers only differ in how they fetch and how they wait. The
in-flight fetch is a :class:`concurrent.futures.Future` because both a blocked thread and
an awaiting task (on any loop) can wait for one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.verify import _http
from userpool.verify.errors import JwksFetchError, KidNotFoundInJwksError
from userpool.verify.jwk import Jwk, JwkError, load_jwks

#: aws-jwt-verify's default wait after a failed fetch or an unknown kid.
DEFAULT_PENALTY_SECONDS = 10.0

_OK, _FAILED, _ABANDONED = "ok", "failed", "abandoned"


@dataclass(slots=True)
class _UriState:
    keys: dict[str, Jwk] | None = None  # replaced whole, never mutated: lock-free reads
    unusable: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # why the last fetch failed; None after a success
    fetched_at: float = 0.0  # when the last fetch (or cache_jwks) settled, monotonic
    penalty_until: float = 0.0
    inflight: concurrent.futures.Future[str] | None = None
    fetches: int = 0


@dataclass(frozen=True, slots=True)
class _Fetch:
    """Plan: this caller fetches (``lead``) or waits for the caller who does."""

    future: concurrent.futures.Future[str]
    lead: bool


class JwksCache:
    """JWKS per URI, fetched lazily, refetched on unknown ``kid``, with a penalty period.

    One instance is shared by default (:data:`default_jwks_cache`) so that every verifier
    in the process trusting the same URI shares one key set and one fetch.
    """

    def __init__(
        self,
        *,
        penalty_seconds: float = DEFAULT_PENALTY_SECONDS,
        timeout: float = _http.DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.penalty_seconds = penalty_seconds
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, _UriState] = {}

    # ---- public surface ------------------------------------------------------------

    def get_key(self, uri: str, kid: str) -> Jwk:
        """The trusted key for ``kid``, fetching the JWKS if needed (blocking)."""
        state = self._states.get(uri)  # _known, written out: this runs once per fresh token
        jwk = state.keys.get(kid) if state is not None and state.keys is not None else None
        return jwk if jwk is not None else self._resolve(uri, kid)  # type: ignore[return-value]

    async def aget_key(self, uri: str, kid: str) -> Jwk:
        """Async twin of :meth:`get_key`: fetches with ``httpx.AsyncClient``, never blocks the loop."""
        jwk = self._known(uri, kid)
        return jwk if jwk is not None else await self._aresolve(uri, kid)  # type: ignore[return-value]

    def hydrate(self, uri: str) -> None:
        """Fetch the JWKS now unless it is cached (e.g. at start-up, to fail fast)."""
        self._resolve(uri, None)

    async def ahydrate(self, uri: str) -> None:
        """Async twin of :meth:`hydrate`."""
        await self._aresolve(uri, None)

    def add_jwks(self, uri: str, jwks: Mapping[str, Any]) -> None:
        """Install a JWKS for ``uri`` without fetching (offline use, tests, pre-seeding)."""
        try:
            keys, unusable = load_jwks(jwks)
        except JwkError as exc:
            raise JwksFetchError(f"JWKS given for {uri} is unusable: {exc}") from None
        with self._lock:
            state = self._states.setdefault(uri, _UriState())
            state.keys, state.unusable, state.error = keys, unusable, None
            state.fetched_at, state.penalty_until = self._clock(), 0.0

    def fetch_count(self, uri: str) -> int:
        """How many fetches of ``uri`` this cache started (for monitoring and tests)."""
        state = self._states.get(uri)
        return 0 if state is None else state.fetches

    def clear(self, uri: str | None = None) -> None:
        """Forget one URI's keys (or all): the next token fetches afresh."""
        with self._lock:
            if uri is None:
                self._states.clear()
            else:
                self._states.pop(uri, None)

    # ---- drivers: the only place where sync and async differ -------------------------

    def _known(self, uri: str, kid: str) -> Jwk | None:
        """The common case, without the lock: key sets are replaced whole, never mutated."""
        state = self._states.get(uri)
        return state.keys.get(kid) if state is not None and state.keys is not None else None

    def _resolve(self, uri: str, kid: str | None) -> Jwk | None:
        waited = False
        while True:
            step = self._plan(uri, kid, waited)
            if not isinstance(step, _Fetch):
                return step
            if step.lead:
                try:
                    outcome: Any = _http.get_json(uri, timeout=self.timeout)
                except _http.FetchFailed as exc:
                    outcome = exc
                except BaseException:
                    self._settle(uri, step.future, None)
                    raise
                result = self._settle(uri, step.future, outcome)
            else:
                try:
                    result = step.future.result(timeout=self.timeout + 1.0)
                except concurrent.futures.TimeoutError:
                    raise JwksFetchError(
                        f"Timed out waiting for a concurrent fetch of the JWKS from {uri}"
                    ) from None
            waited = result != _ABANDONED

    async def _aresolve(self, uri: str, kid: str | None) -> Jwk | None:
        waited = False
        while True:
            step = self._plan(uri, kid, waited)
            if not isinstance(step, _Fetch):
                return step
            if step.lead:
                try:
                    outcome: Any = await _http.aget_json(uri, timeout=self.timeout)
                except _http.FetchFailed as exc:
                    outcome = exc
                except BaseException:  # cancelled: let the waiters retry
                    self._settle(uri, step.future, None)
                    raise
                result = self._settle(uri, step.future, outcome)
            else:
                try:
                    result = await asyncio.wait_for(_wait_on_loop(step.future), self.timeout + 1.0)
                except TimeoutError:
                    raise JwksFetchError(
                        f"Timed out waiting for a concurrent fetch of the JWKS from {uri}"
                    ) from None
            waited = result != _ABANDONED

    # ---- the decisions (no I/O) --------------------------------------------------------

    def _plan(self, uri: str, kid: str | None, waited: bool) -> Jwk | _Fetch | None:
        """Decide: return the key, raise, or say who fetches.

        ``waited`` means a fetch settled since this caller asked, so a ``kid`` still
        missing now is really missing: refuse it (and start the penalty), don't refetch.
        """
        with self._lock:
            state = self._states.setdefault(uri, _UriState())
            if state.keys is not None:
                if kid is None:
                    return None
                jwk = state.keys.get(kid)
                if jwk is not None:
                    return jwk
            if state.inflight is not None:
                return _Fetch(state.inflight, lead=False)
            now = self._clock()
            if waited:
                if state.error is not None:
                    raise self._fetch_error(uri, state, now)
                state.penalty_until = max(state.penalty_until, state.fetched_at + self.penalty_seconds)
                raise self._kid_error(uri, state, kid, now, refetched=True)
            if now < state.penalty_until:
                if state.keys is None:
                    raise self._fetch_error(uri, state, now)
                raise self._kid_error(uri, state, kid, now, refetched=False)
            state.inflight = concurrent.futures.Future()
            state.fetches += 1
            return _Fetch(state.inflight, lead=True)

    def _settle(self, uri: str, future: concurrent.futures.Future[str], outcome: Any) -> str:
        """Record a fetch's outcome (a JWKS document, a :class:`FetchFailed`, or ``None``
        for abandoned), release the waiters, and return the outcome's kind."""
        if outcome is None:
            result = _ABANDONED
        elif isinstance(outcome, Exception):
            result, reason = _FAILED, str(outcome)
        else:
            try:
                keys, unusable = load_jwks(outcome)
                result = _OK
            except JwkError as exc:
                result, reason = _FAILED, f"{uri} did not serve a usable JWKS: {exc}"
        with self._lock:
            state = self._states.setdefault(uri, _UriState())
            state.inflight = None
            now = self._clock()
            if result == _OK:
                state.keys, state.unusable, state.error, state.fetched_at = keys, unusable, None, now
            elif result == _FAILED:
                state.error, state.fetched_at, state.penalty_until = reason, now, now + self.penalty_seconds
        future.set_result(result)
        return result

    def _fetch_error(self, uri: str, state: _UriState, now: float) -> JwksFetchError:
        wait = max(0.0, state.penalty_until - now)
        return JwksFetchError(
            f"Could not get the JWKS from {uri}: {state.error}. "
            f"Not retrying for another {wait:.1f} s (penalty period after a failed fetch)."
        )

    def _kid_error(
        self, uri: str, state: _UriState, kid: str | None, now: float, refetched: bool
    ) -> Exception:
        if kid is None:
            return self._fetch_error(uri, state, now)
        reason = state.unusable.get(kid)
        if reason is not None:
            return KidNotFoundInJwksError(
                f"The JWKS at {uri} has a key with kid {kid!r}, but it is unusable: {reason}"
            )
        wait = max(0.0, state.penalty_until - now)
        if refetched:
            detail = "even after refetching it"
        elif state.error is not None:
            detail = f"and refetching it failed ({state.error}); next attempt in {wait:.1f} s"
        else:
            detail = (
                f"and it will not be refetched for another {wait:.1f} s (penalty period after an unknown "
                "kid, so junk tokens cannot flood the key server)"
            )
        return KidNotFoundInJwksError(
            f"No key with kid {kid!r} in the JWKS at {uri}, {detail}. The token was signed by a key "
            "this issuer does not publish: another user pool or server, or a forgery."
        )


async def _wait_on_loop(future: concurrent.futures.Future[str]) -> str:
    """Await a concurrent future without letting our cancellation cancel it for others."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[str] = loop.create_future()

    def wake(done: concurrent.futures.Future[str]) -> None:
        def deliver() -> None:
            if not waiter.done():
                waiter.set_result(done.result())

        with contextlib.suppress(RuntimeError):  # the waiting loop is gone; nobody to tell
            loop.call_soon_threadsafe(deliver)

    future.add_done_callback(wake)
    return await waiter


#: The process-wide cache used by verifiers unless given their own.
default_jwks_cache = JwksCache()
