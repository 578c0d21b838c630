"""Rough edges a new user met on a first run, each checked on the real commands (issue 13):
read commands on a missing database, alembic's start-up noise, dates instead of epoch numbers,
a piped `userpool login`, the import progress without a terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool

USERPOOL = [sys.executable, "-m", "userpool"]
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _run(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*USERPOOL, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = RunningServer(tmp_path_factory.mktemp("first-use") / "data")
    srv.start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("command", [["users", "export", "--pool", "us-east-1_Abc"], ["keys", "list", "--pool", "us-east-1_Abc"],
                                     ["users", "import", "x.csv", "--pool", "us-east-1_Abc"]])
def test_commands_on_a_pool_refuse_a_missing_database(tmp_path: Path, command: list[str]) -> None:
    """Without --data-dir where no server ran: an error naming the directory, and nothing made."""
    (tmp_path / "x.csv").write_text("cognito:username\n")
    r = _run(*command, cwd=tmp_path)
    assert r.returncode == 1
    assert f"no userpool database in {tmp_path / '.userpool'}" in r.stderr and "--data-dir" in r.stderr
    assert not (tmp_path / ".userpool").exists()


def test_serve_starts_without_alembic_noise(started: RunningServer) -> None:
    log = started.log_path.read_text()
    assert "setup plugin" not in log and "Will assume" not in log and "Context impl" not in log
    assert "Running upgrade" in log  # a migration that runs is still reported


def test_keys_list_prints_dates(started: RunningServer) -> None:
    pool = create_pool(started)
    where = ("--pool", pool["pool_id"], "--data-dir", str(started.data_dir))
    assert _run("keys", "rotate", *where, cwd=started.data_dir).returncode == 0  # at least one key, published
    r = _run("keys", "list", "--pool", pool["pool_id"], "--data-dir", str(started.data_dir), cwd=started.data_dir)
    assert r.returncode == 0, r.stderr
    header, *rows = r.stdout.strip().splitlines()
    assert header.split("\t") == ["KID", "STATUS", "CREATED", "RETIRE AFTER"]
    assert rows
    for row in rows:
        _kid, _status, created, retire = row.split("\t")
        assert ISO_DATE.fullmatch(created) and (retire == "-" or ISO_DATE.fullmatch(retire)), row


def test_piped_login_reads_lines_and_ends_each_prompt(started: RunningServer, tmp_path: Path) -> None:
    pool = create_pool(started)
    started.admin.admin_create_user(UserPoolId=pool["pool_id"], Username="pipe", MessageAction="SUPPRESS")
    started.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="pipe", Password=PASSWORD, Permanent=True)
    env = {"USERPOOL_CONFIG_DIR": str(tmp_path / "cfg")}
    r = _run("login", "--endpoint", started.url, "--user-pool-id", pool["pool_id"], "--client-id", pool["client_id"],
             cwd=tmp_path, stdin=f"pipe\n{PASSWORD}\n", env=env)
    assert r.returncode == 0, r.stderr
    assert "GetPassWarning" not in r.stderr and "echo free" not in r.stderr
    assert r.stderr.splitlines() == ["Username: ", "Password: "]  # each prompt on its own line
    assert r.stdout.splitlines()[-1].startswith("Signed in as pipe (")
    who = _run("whoami", cwd=tmp_path, env=env)
    assert re.search(r"^expires_at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", who.stdout, re.MULTILINE), who.stdout
    ended = _run("login", cwd=tmp_path, stdin="pipe\n", env=env)  # standard input ends before the password
    assert ended.returncode == 1 and "standard input ended" in ended.stderr


def test_import_progress_without_a_terminal_keeps_its_time_columns(started: RunningServer, tmp_path: Path) -> None:
    pool = create_pool(started)
    rows = ["cognito:username,email,email_verified,cognito:mfa_enabled"]
    rows += [f"long-user-name-{i:05},user{i}@example.com,true,false" for i in range(120)]
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("\n".join(rows) + "\n")
    r = _run("users", "import", str(csv_file), "--pool", pool["pool_id"], "--data-dir", str(started.data_dir), cwd=tmp_path,
             env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    progress = [line for line in r.stderr.splitlines() if line.startswith("import ")]
    assert progress, r.stderr
    last = progress[-1]
    assert re.fullmatch(r"import \S+: 120/120 rows, imported 120 skipped 0 failed 0, elapsed \d+\.\d s, remaining \d+\.\d s", last), last
    assert "…" not in r.stderr and "\x1b[" not in r.stderr  # nothing cut, no terminal codes
