"""Token storage under the async driver: awaited, never blocking the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from client_helpers import CLIENT_ID, POOL_ID, AsyncScriptedTransport, FakeClock, make_tokens

from userpool.auth import (
    AsyncAuthClient,
    AsyncTokenStore,
    AuthClient,
    FileStore,
    MemoryStore,
    ThreadedStore,
    errors,
)
from userpool.auth.storage import InlineStore, async_view


class RecordingStore(MemoryStore):
    """A blocking store that notes the thread of every call (and can be slow)."""

    blocking = True

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.threads: list[int] = []
        self.delay = delay

    def get_item(self, key: str) -> str | None:
        self.threads.append(threading.get_ident())
        if self.delay:
            threading.Event().wait(self.delay)
        return super().get_item(key)

    def set_item(self, key: str, value: str) -> None:
        self.threads.append(threading.get_ident())
        super().set_item(key, value)

    def remove_item(self, key: str) -> None:
        self.threads.append(threading.get_ident())
        super().remove_item(key)


class DictAsyncStore:
    """A store with async I/O of its own (as a redis.asyncio store would be)."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.calls: list[str] = []

    async def get_item(self, key: str) -> str | None:
        self.calls.append("get")
        await asyncio.sleep(0)
        return self.items.get(key)

    async def set_item(self, key: str, value: str) -> None:
        self.calls.append("set")
        self.items[key] = value

    async def remove_item(self, key: str) -> None:
        self.calls.append("remove")
        self.items.pop(key, None)


def _client(storage, clock: FakeClock) -> tuple[AsyncAuthClient, AsyncScriptedTransport]:
    client = AsyncAuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID, endpoint="http://scripted.invalid/",
                             storage=storage, clock=clock)
    wire = AsyncScriptedTransport()
    client._transport = wire  # type: ignore[assignment]
    return client, wire


async def _session_round_trip(client: AsyncAuthClient, wire: AsyncScriptedTransport, clock: FakeClock):
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens(now=clock.now)})
    await client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    session = await client.fetch_auth_session()
    wire.add("RevokeToken", {})
    await client.sign_out()
    return session, await client.fetch_auth_session()


def test_blocking_store_runs_in_worker_threads(clock):
    store = RecordingStore()
    client, wire = _client(store, clock)

    async def main():
        return threading.get_ident(), await _session_round_trip(client, wire, clock)

    loop_thread, (session, after) = asyncio.run(main())
    assert session.tokens is not None and after.tokens is None
    assert len(store.threads) >= 4 and loop_thread not in store.threads


def test_slow_store_does_not_stall_the_loop(clock):
    client, _ = _client(RecordingStore(delay=0.3), clock)
    ticks: list[int] = []

    async def ticker():
        for i in range(20):
            ticks.append(i)
            await asyncio.sleep(0.01)

    async def main():
        tick = asyncio.create_task(ticker())
        session = await client.fetch_auth_session()  # one 0.3 s store read
        ticked_meanwhile = len(ticks)
        await tick
        return session, ticked_meanwhile

    session, ticked_meanwhile = asyncio.run(main())
    assert session.tokens is None and ticked_meanwhile >= 10


def test_memory_store_is_read_inline(clock):
    store = MemoryStore()
    assert isinstance(async_view(store), InlineStore)
    assert isinstance(async_view(FileStore("/nonexistent/x.json")), ThreadedStore)


def test_native_async_store(clock):
    store = DictAsyncStore()
    assert isinstance(store, AsyncTokenStore)
    client, wire = _client(store, clock)
    session, after = asyncio.run(_session_round_trip(client, wire, clock))
    assert session.user_sub == "sub-alice" and after.tokens is None
    assert {"get", "set", "remove"} <= set(store.calls) and store.items == {}


def test_sync_driver_refuses_an_async_store(clock):
    client, _ = _client(DictAsyncStore(), clock)
    with pytest.raises(errors.AuthConfigException):
        AuthClient(context=client.context)
    with pytest.raises(errors.AuthConfigException):
        AuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID, storage=DictAsyncStore())  # type: ignore[arg-type]


def test_file_store_shared_by_both_drivers(tmp_path, clock):
    """One FileStore, a sync and an async client on one context: one session."""
    client, wire = _client(FileStore(tmp_path / "tokens.json"), clock)
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens(now=clock.now)})
    asyncio.run(client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"}))
    assert AuthClient(context=client.context).fetch_auth_session().user_sub == "sub-alice"
    assert FileStore(tmp_path / "tokens.json").get_item(client.context.async_tokens.key)
