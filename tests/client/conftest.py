"""Fixtures for the client tests (scripted ones here; HTTP ones use tests/conftest.py's server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from client_helpers import (
    CLIENT_ID,
    POOL_ID,
    AsyncAdapter,
    AsyncScriptedTransport,
    FakeClock,
    LoopThread,
    ScriptedTransport,
)

from userpool.auth import AsyncAuthClient, AuthClient, Hub, MemoryStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> tuple[Hub, list[str]]:
    hub = Hub()
    seen: list[str] = []
    hub.listen("auth", lambda capsule: seen.append(capsule.payload.event))
    return hub, seen


@pytest.fixture
def scripted(clock: FakeClock, events: tuple[Hub, list[str]]) -> tuple[AuthClient, ScriptedTransport]:
    """An AuthClient whose wire is a script; an AsyncAuthClient on its context shares it (async variant)."""
    client = AuthClient(
        user_pool_id=POOL_ID, client_id=CLIENT_ID, endpoint="http://scripted.invalid/", storage=MemoryStore(),
        hub=events[0], clock=clock,
    )
    transport = ScriptedTransport()
    client._transport = transport  # type: ignore[assignment]
    return client, transport


@pytest.fixture
def scripted_async(scripted: tuple[AuthClient, ScriptedTransport]):
    client, transport = scripted
    atransport = AsyncScriptedTransport()
    atransport.script = transport.script  # one script, both drivers
    atransport.calls = transport.calls
    aclient = AsyncAuthClient(context=client.context)
    aclient._transport = atransport  # type: ignore[assignment]
    return aclient, transport


# ---------------------------------------------------------------- HTTP fixtures (real server)

# The custom-challenge tests name trigger handlers as python:client_triggers:<fn>; the
# server process (started by tests/conftest.py, inheriting this environment) must find them.
_HERE = str(Path(__file__).parent)
if _HERE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), _HERE) if p)


@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.stop()


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def connect(server: Any, driver: str, loop_thread: LoopThread) -> Callable[..., Any]:
    """connect(pool, **kw) -> an AuthClient, or the AsyncAuthClient behind a sync-style adapter."""
    made: list[Any] = []

    def make(pool: dict[str, Any], **kw: Any) -> Any:
        kw.setdefault("endpoint", server.url)
        kw.setdefault("client_secret", pool.get("client_secret"))
        kw.setdefault("hub", Hub())
        args = dict(user_pool_id=pool["pool_id"], client_id=pool["client_id"], **kw)
        if driver == "sync":
            client = AuthClient(**args)
        else:
            client = AsyncAdapter(AsyncAuthClient(**args), loop_thread)
        made.append(client)
        return client

    yield make
    for client in made:
        if isinstance(client, AuthClient):
            client.close()
        else:
            loop_thread.run(client.aclient.aclose())


@pytest.fixture
def unique() -> Callable[[str], str]:
    return lambda prefix="u": f"{prefix}-{uuid.uuid4().hex[:8]}"
