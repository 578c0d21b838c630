"""Fixtures for the client tests (scripted ones here; HTTP ones use tests/conftest.py's server)."""

from __future__ import annotations

import pytest
from client_helpers import CLIENT_ID, POOL_ID, AsyncScriptedTransport, FakeClock, ScriptedTransport

from userpool.auth import AuthClient, Hub, MemoryStore


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
    """An AuthClient whose wire is a script; its .aio shares the script (async variant)."""
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
    aclient = client.aio
    aclient._transport = atransport  # type: ignore[assignment]
    return aclient, transport
