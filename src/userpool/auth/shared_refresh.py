"""The one refresh in flight per context, shared by its threads and its tasks.

Amplify de-duplicates concurrent ``fetchAuthSession`` calls behind one in-flight promise.
Here the readers may be threads (sync driver) and asyncio tasks (async driver) on the same
context at once, so the in-flight refresh is a small object guarded by a lock. Each driver's
:class:`~userpool.auth._async.orchestrator.AsyncTokenOrchestrator` (or its generated sync
twin) reads the store, then asks :meth:`SharedRefresh.begin` whether to use those tokens,
join the refresh in flight, lead a new one, or read again because a refresh ended while it
was reading. Joiners wait for :class:`Inflight` to settle: blocking on an ``Event``
(:meth:`Inflight.wait`, threads) or on a future woken with ``call_soon_threadsafe``
(:meth:`Inflight.wait_async`, tasks). Nothing here does I/O or knows Cognito.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tokens import CognitoTokens


class Inflight:
    """A refresh in progress: the tokens it started from, and later its outcome."""

    def __init__(self, tokens: CognitoTokens) -> None:
        self.tokens = tokens
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._result: CognitoTokens | None = None
        self._error: BaseException | None = None
        self._wakers: list[Callable[[], None]] = []

    def outcome(self) -> CognitoTokens | None:
        """The leader's fresh tokens (None: the session ended), or its error raised."""
        if self._error is not None:
            raise self._error
        return self._result

    def wait(self) -> None:
        """Block this thread until the refresh has settled."""
        self._done.wait()

    async def wait_async(self) -> None:
        """Suspend this task (not its loop) until the refresh has settled, whichever thread leads it."""
        loop = asyncio.get_running_loop()
        settled: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not settled.done():
                settled.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(resolve)

        with self._lock:
            if self._done.is_set():
                return
            self._wakers.append(wake)
        await settled

    def settle(self, result: CognitoTokens | None, error: BaseException | None) -> None:
        with self._lock:
            self._result, self._error = result, error
            self._done.set()
            wakers, self._wakers = self._wakers, []
        for wake in wakers:
            try:
                wake()
            except RuntimeError:  # a waiter's event loop has closed: nobody left to wake
                continue


@dataclass(frozen=True)
class Ready:
    """Use these tokens (None: no session)."""

    tokens: CognitoTokens | None


@dataclass(frozen=True)
class Join:
    """Wait for the refresh in flight and take its outcome."""

    inflight: Inflight


@dataclass(frozen=True)
class Lead:
    """Run the refresh, then :meth:`SharedRefresh.finish` it for everyone waiting."""

    inflight: Inflight


@dataclass(frozen=True)
class Retry:
    """A refresh ended after the caller read the store: what it read may be stale."""


class SharedRefresh:
    """At most one refresh in flight for one context's session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inflight: Inflight | None = None
        #: Counts finished refreshes; read before loading the store, checked in :meth:`begin`.
        self.generation = 0

    @property
    def idle(self) -> bool:
        """No refresh in flight (read without the lock: a hint, which :meth:`begin` confirms)."""
        return self._inflight is None

    def begin(self, tokens: CognitoTokens | None, generation: int, must_refresh: bool) -> Ready | Join | Lead | Retry:
        """Decide, under the lock, what a reader that loaded ``tokens`` at ``generation`` does."""
        with self._lock:
            if self._inflight is not None:
                return Join(self._inflight)
            if generation != self.generation:
                return Retry()
            if tokens is None or not must_refresh:
                return Ready(tokens)
            self._inflight = Inflight(tokens)
            return Lead(self._inflight)

    def finish(
        self, inflight: Inflight, result: CognitoTokens | None = None, error: BaseException | None = None
    ) -> None:
        """End the refresh ``inflight`` and wake its joiners, threads and tasks alike."""
        with self._lock:
            if self._inflight is inflight:
                self._inflight = None
            self.generation += 1
        inflight.settle(result, error)
