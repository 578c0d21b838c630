"""A bounded map of recent entries, shared by a process's request threads: when it is full, the
oldest entry goes. For memories whose every use is checked against the truth (the app clients
and pools built from their rows, the access tokens whose signature was verified), so a lost
entry costs only the work it saved."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)), None)
            self._items[key] = value
