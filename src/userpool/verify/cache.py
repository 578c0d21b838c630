"""A bounded, thread-safe LRU whose entries carry their own expiry time.

Used twice: verified tokens (kept until the token's ``exp``, never past it) and
revocation verdicts (kept for a few seconds). Expiry is checked on read against the
caller's clock, so an entry can never outlive the instant it was given.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringLru(Generic[V]):
    """At most ``maxsize`` entries; the least recently used goes first when full."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._items: OrderedDict[bytes, tuple[V, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, now: float) -> V | None:
        """The value, if present and ``now`` is before its expiry.

        Lock-free: each ``OrderedDict`` operation is atomic, and a concurrent eviction
        between two of them only turns the second into a no-op. This is the hot path of
        every cached verification, so it avoids the lock's cost.
        """
        items = self._items
        item = items.get(key)
        if item is None:
            return None
        if now >= item[1]:
            items.pop(key, None)
            return None
        try:  # noqa: SIM105 - the hot path: a bare try costs nothing, suppress() a context manager per hit
            items.move_to_end(key)
        except KeyError:  # evicted meanwhile; the value is still good to return
            pass
        return item[0]

    def put(self, key: bytes, value: V, expires_at: float) -> None:
        with self._lock:
            self._items[key] = (value, expires_at)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                try:
                    self._items.popitem(last=False)
                except KeyError:  # emptied by a concurrent clear()
                    break

    def discard(self, key: bytes) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
