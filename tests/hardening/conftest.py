"""Fixtures of the hardening suite: dedicated servers on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningServer


def kind(server: RunningServer) -> str:
    return "postgres" if server.database_url else "sqlite"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A dedicated server (rate limits off) on SQLite, then on a fresh PostgreSQL database."""
    args = ["--database", request.getfixturevalue("pg_database")] if request.param == "postgres" else []
    srv = RunningServer(tmp_path / "server", *args, "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_server_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """When the session ends: every ``server.log`` of every suite that ran (all servers start in
    pytest's base temp dir) is scanned for passwords, codes, keys and tokens."""
    yield
    from tests.hardening.audit_scan import scan
    from tests.hardening.support import record

    files, lines, findings = scan(tmp_path_factory.getbasetemp())
    record("audit", {"session_logs_scanned": files, "session_log_lines_scanned": lines, "session_findings": len(findings)})
    if findings:
        pytest.fail("secrets in server logs:\n" + "\n".join(findings[:20]), pytrace=False)
