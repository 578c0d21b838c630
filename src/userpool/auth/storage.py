"""Where sessions live: the ``TokenStore`` interfaces and three stores.

The interface is Amplify's ``KeyValueStorageInterface`` (``setItem``/``getItem``/
``removeItem``) in Python spelling, blocking (:class:`TokenStore`) or awaitable
(:class:`AsyncTokenStore`), so any key-value backend can hold the session:

* :class:`MemoryStore` (default): the process's memory, like Amplify's in-memory storage;
* :class:`FileStore`: one JSON file, written atomically (temp file + ``os.replace``) with
  mode 0600 in a 0700 directory; what ``userpool login`` uses;
* :class:`KeyringStore`: the OS keyring through the optional ``keyring`` package
  (``pip install userpool[keyring]``), imported only when used.

The async driver never blocks its event loop on a store: it awaits an
:class:`AsyncTokenStore` directly and runs a blocking store's calls in a worker thread
(:class:`ThreadedStore`), except a store that declares ``blocking = False`` (``MemoryStore``).
The sync driver takes blocking stores only.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import AuthConfigException


@runtime_checkable
class TokenStore(Protocol):
    """A string key-value store. Implementations must be safe to call from several threads.

    The async driver calls a store in a worker thread unless the store says ``blocking = False``
    (its calls never wait on I/O, as ``MemoryStore``'s), when it calls it inline.
    """

    def get_item(self, key: str) -> str | None: ...

    def set_item(self, key: str, value: str) -> None: ...

    def remove_item(self, key: str) -> None: ...


@runtime_checkable
class AsyncTokenStore(Protocol):
    """The awaitable twin of :class:`TokenStore`, for stores with async I/O of their own."""

    async def get_item(self, key: str) -> str | None: ...

    async def set_item(self, key: str, value: str) -> None: ...

    async def remove_item(self, key: str) -> None: ...


#: What an ``AsyncAuthClient`` takes as ``storage=``; an ``AuthClient`` takes a ``Storage``.
AsyncStorage = TokenStore | AsyncTokenStore
Storage = TokenStore


class MemoryStore:
    """The process's memory (Amplify's in-memory storage); never blocks, so never thread-hops."""

    blocking = False

    def __init__(self) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()

    def get_item(self, key: str) -> str | None:
        with self._lock:
            return self._items.get(key)

    def set_item(self, key: str, value: str) -> None:
        with self._lock:
            self._items[key] = value

    def remove_item(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class FileStore:
    """A JSON object in one file; every write replaces the file atomically with mode 0600.

    Writers in several processes serialise on an ``flock`` of a sibling ``.lock`` file
    (POSIX), so two ``userpool`` commands never lose each other's keys.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            raw = self.path.read_text()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock_path = self.path.with_name(self.path.name + ".lock")
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    import fcntl

                    fcntl.flock(fd, fcntl.LOCK_EX)
                except ImportError:  # pragma: no cover - non-POSIX
                    pass
                yield
            finally:
                os.close(fd)

    def _write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def get_item(self, key: str) -> str | None:
        value = self._read().get(key)
        return value if isinstance(value, str) else None

    def set_item(self, key: str, value: str) -> None:
        with self._locked():
            data = self._read()
            data[key] = value
            self._write(data)

    def remove_item(self, key: str) -> None:
        with self._locked():
            data = self._read()
            if key in data:
                del data[key]
                self._write(data)


class KeyringStore:
    """Items kept in the OS keyring under ``service``; needs the ``keyring`` extra."""

    def __init__(self, service: str = "userpool") -> None:
        try:
            import keyring
            import keyring.errors
        except ImportError as exc:
            raise AuthConfigException(
                "KeyringStore needs the 'keyring' package: pip install 'userpool[keyring]'",
                name="AuthConfigException",
                underlying_error=exc,
            ) from exc
        self._keyring = keyring
        self._delete_error = keyring.errors.PasswordDeleteError
        self.service = service

    def get_item(self, key: str) -> str | None:
        value = self._keyring.get_password(self.service, key)
        return value if isinstance(value, str) else None

    def set_item(self, key: str, value: str) -> None:
        self._keyring.set_password(self.service, key, value)

    def remove_item(self, key: str) -> None:
        with contextlib.suppress(self._delete_error):
            self._keyring.delete_password(self.service, key)


class ThreadedStore:
    """An :class:`AsyncTokenStore` over a blocking one: every call runs in a worker thread."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    async def get_item(self, key: str) -> str | None:
        return await asyncio.to_thread(self.store.get_item, key)

    async def set_item(self, key: str, value: str) -> None:
        await asyncio.to_thread(self.store.set_item, key, value)

    async def remove_item(self, key: str) -> None:
        await asyncio.to_thread(self.store.remove_item, key)


class InlineStore:
    """An :class:`AsyncTokenStore` over a store that never blocks (``blocking = False``)."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    async def get_item(self, key: str) -> str | None:
        return self.store.get_item(key)

    async def set_item(self, key: str, value: str) -> None:
        self.store.set_item(key, value)

    async def remove_item(self, key: str) -> None:
        self.store.remove_item(key)


def is_async_store(store: AsyncStorage) -> bool:
    return inspect.iscoroutinefunction(store.get_item)


def async_view(store: AsyncStorage) -> AsyncTokenStore:
    """``store`` as the async driver uses it: awaited as is, threaded, or inline."""
    if is_async_store(store):
        return store  # type: ignore[return-value]
    blocking: TokenStore = store  # type: ignore[assignment]
    return InlineStore(blocking) if getattr(store, "blocking", True) is False else ThreadedStore(blocking)


def blocking_view(store: AsyncStorage) -> TokenStore | None:
    """``store`` as the sync driver uses it; None for an async-only store."""
    return None if is_async_store(store) else store  # type: ignore[return-value]
