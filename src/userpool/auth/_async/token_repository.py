"""``AsyncTokenRepository``: one pool/client's :class:`~userpool.auth.tokens.CognitoTokens` in a store.

The session is one JSON record under ``<storage key>.session``. The parsed tokens are cached
against the stored string, so a cached ``fetch_auth_session`` costs one store read and no
JSON or JWT decoding.
"""

from __future__ import annotations

import threading

from ..storage import AsyncTokenStore
from ..tokens import CognitoTokens


class AsyncTokenRepository:
    """Loads, saves and clears the session in its :class:`~userpool.auth.storage.AsyncTokenStore`."""

    def __init__(self, store: AsyncTokenStore, key: str) -> None:
        self.store = store
        self.key = f"{key}.session"
        self._lock = threading.Lock()
        self._cache: tuple[str, CognitoTokens] | None = None

    async def load(self) -> CognitoTokens | None:
        """The stored session; None when there is none or the record is corrupt."""
        raw = await self.store.get_item(self.key)
        if raw is None:
            return None
        cached = self._cache
        if cached is not None and cached[0] == raw:
            return cached[1]
        try:
            tokens = CognitoTokens.from_json(raw)
        except (ValueError, KeyError, TypeError):
            return None  # a corrupt record is no session
        with self._lock:
            self._cache = (raw, tokens)
        return tokens

    async def save(self, tokens: CognitoTokens) -> None:
        raw = tokens.to_json()
        await self.store.set_item(self.key, raw)
        with self._lock:
            self._cache = (raw, tokens)

    async def clear(self) -> None:
        await self.store.remove_item(self.key)
        with self._lock:
            self._cache = None
