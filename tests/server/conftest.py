"""Fixtures of the server suites that do not need the session's running server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from userpool.server.bootstrap import open_state
from userpool.server.config import ServerConfig
from userpool.server.context import ServerState


@pytest.fixture
def local_state(tmp_path: Path) -> Iterator[ServerState]:
    """A server's state in this process, on a data directory of its own (rate limits off), for
    tests that run operations through ``app.execute`` directly (tests.server.helpers.run_op)."""
    opened = open_state(ServerConfig(data_dir=tmp_path, rate_limits="off"))
    yield opened
    opened.database.engine.dispose()
