"""One refresh for many readers: Amplify's TokenOrchestrator, safe across threads and tasks.

Amplify de-duplicates concurrent ``fetchAuthSession`` calls behind one in-flight promise.
Here the readers may be threads (sync driver) and asyncio tasks (async driver) of the same
client at once, so the in-flight refresh is a small object guarded by a lock:
:meth:`TokenOrchestrator.begin` decides under the lock whether the caller may use the stored
tokens, must lead a refresh, or joins the one in flight; the leader drives the refresh flow
with its own I/O and calls :meth:`finish`; joiners wait (a blocking ``Event`` for threads, a
future woken through ``call_soon_threadsafe`` for tasks). The waiting is the only part that
differs between drivers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import AuthContext
    from .tokens import CognitoTokens


class Inflight:
    """A refresh in progress: its input tokens, and later its outcome."""

    def __init__(self, tokens: CognitoTokens) -> None:
        self.tokens = tokens
        self.done = threading.Event()
        self._result: CognitoTokens | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[], None]] = []

    def outcome(self) -> CognitoTokens | None:
        if self._error is not None:
            raise self._error
        return self._result


@dataclass(frozen=True)
class Ready:
    tokens: CognitoTokens | None


@dataclass(frozen=True)
class Join:
    inflight: Inflight


@dataclass(frozen=True)
class Lead:
    inflight: Inflight


class TokenOrchestrator:
    def __init__(self, ctx: AuthContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._inflight: Inflight | None = None

    def begin(self, force_refresh: bool) -> Ready | Join | Lead:
        """Stored tokens if usable, else the refresh to join, else a new one to lead."""
        with self._lock:
            if self._inflight is not None:
                return Join(self._inflight)
            tokens = self._ctx.tokens.load()
            if tokens is None:
                return Ready(None)
            if not force_refresh and not tokens.is_expired(self._ctx.now()):
                return Ready(tokens)
            self._inflight = Inflight(tokens)
            return Lead(self._inflight)

    def finish(
        self, inflight: Inflight, result: CognitoTokens | None = None, error: BaseException | None = None
    ) -> None:
        with self._lock:
            if self._inflight is inflight:
                self._inflight = None
            inflight._result, inflight._error = result, error
            inflight.done.set()
            callbacks, inflight._callbacks = inflight._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except RuntimeError:  # a waiter's event loop has closed: nobody left to wake
                pass

    def add_done_callback(self, inflight: Inflight, callback: Callable[[], None]) -> bool:
        """Register ``callback`` for when ``inflight`` ends; False if it already has."""
        with self._lock:
            if inflight.done.is_set():
                return False
            inflight._callbacks.append(callback)
            return True
