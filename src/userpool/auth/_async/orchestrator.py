"""``AsyncTokenOrchestrator``: Amplify's TokenOrchestrator for one driver.

Amplify's ``TokenOrchestrator`` is given a token store and a token refresher; reading the
tokens refreshes them when they expire (``now + clock drift + 5 s > exp``) or when asked to,
and concurrent readers share one refresh. Here it is given the driver's token repository,
the clock, the driver's refresh callable and the context's :class:`SharedRefresh`, which is
what makes the refresh one for every thread and task on the context, whichever driver they use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..shared_refresh import Inflight, Join, Lead, Ready, SharedRefresh
from .token_repository import AsyncTokenRepository

if TYPE_CHECKING:
    from ..state import Clock
    from ..tokens import CognitoTokens


class AsyncTokenOrchestrator:
    """Hands out the session's tokens, refreshing them once for all concurrent readers."""

    def __init__(
        self,
        tokens: AsyncTokenRepository,
        clock: Clock,
        refresh: Callable[[CognitoTokens], Awaitable[CognitoTokens | None]],
        shared: SharedRefresh,
    ) -> None:
        self._tokens = tokens
        self._clock = clock
        self._refresh = refresh
        self._shared = shared

    async def get_tokens(self, force_refresh: bool = False) -> CognitoTokens | None:
        """The stored tokens if usable, else the outcome of the (one) refresh; None: no session."""
        while True:
            generation = self._shared.generation
            tokens = await self._tokens.load()
            must_refresh = tokens is not None and (force_refresh or tokens.is_expired(self._clock()))
            if not must_refresh and self._shared.idle:
                return tokens  # the common case: usable tokens (or none), and no refresh to wait for
            decision = self._shared.begin(tokens, generation, must_refresh)
            if isinstance(decision, Ready):
                return decision.tokens
            if isinstance(decision, Lead):
                return await self._lead(decision.inflight)
            if isinstance(decision, Join):
                await decision.inflight.wait_async()
                try:
                    return decision.inflight.outcome()
                except asyncio.CancelledError:
                    continue  # the leading task was cancelled, not us: try again
            # Retry: a refresh ended while we read the store; read it again

    async def _lead(self, inflight: Inflight) -> CognitoTokens | None:
        try:
            fresh = await self._refresh(inflight.tokens)
        except BaseException as error:
            self._shared.finish(inflight, error=error)
            raise
        self._shared.finish(inflight, result=fresh)
        return fresh
