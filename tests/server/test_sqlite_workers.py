"""``userpool serve --workers N`` on SQLite: several processes on one database file, readers in
parallel, writers one at a time (queued on the kernel's ``flock``, never SQLite's busy-sleep),
and one worker per available core when ``--workers`` is not given."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import PASSWORD, RunningServer, create_pool
from userpool.server.db import Database, sqlite_url


def _workers(srv: RunningServer) -> list[int]:
    """The server's worker processes: the children of uvicorn's parent process that run the
    app (multiprocessing's resource tracker is a child too)."""
    assert srv.proc is not None
    found: list[int] = []
    for task in Path(f"/proc/{srv.proc.pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
    return found


@pytest.fixture
def two_workers(tmp_path: Path) -> Any:
    srv = RunningServer(tmp_path / "srv", "--workers", "2")
    srv.start()
    yield srv
    srv.stop()


def test_two_workers_share_one_database_under_concurrent_writes(two_workers: RunningServer) -> None:
    srv = two_workers
    assert len(_workers(srv)) == 2
    pool = create_pool(srv)
    pool_id, client_id = pool["pool_id"], pool["client_id"]
    srv.admin.admin_create_user(UserPoolId=pool_id, Username="reader", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS")
    srv.admin.admin_set_user_password(UserPoolId=pool_id, Username="reader", Password=PASSWORD, Permanent=True)
    token = srv.public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "reader", "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    failures: list[BaseException] = []

    def write(n: int) -> None:
        import boto3  # one client per thread: botocore clients are not shared across threads here

        client = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=srv.url,
                              aws_access_key_id=srv.credentials()[0], aws_secret_access_key=srv.credentials()[1])
        try:
            for i in range(12):
                client.admin_create_user(UserPoolId=pool_id, Username=f"w{n}-{i}", MessageAction="SUPPRESS")
                client.admin_update_user_attributes(UserPoolId=pool_id, Username=f"w{n}-{i}",
                                                    UserAttributes=[{"Name": "name", "Value": f"n{n}-{i}"}])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    def read() -> None:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        client = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=srv.url,
                              config=Config(signature_version=UNSIGNED))
        try:
            for _ in range(40):
                assert client.get_user(AccessToken=token)["Username"] == "reader"
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)] + [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures[:3]
    # every write landed once, whole: 72 users with their attribute, plus the reader
    rows = srv.query("SELECT count(*) FROM users WHERE pool_id = ?", pool_id)
    assert rows[0][0] == 73
    named = srv.query("SELECT count(*) FROM user_attributes a JOIN users u ON u.id = a.user_id "
                      "WHERE u.pool_id = ? AND a.name = 'name'", pool_id)
    assert named[0][0] == 72
    log = srv.log_path.read_text()
    assert "database is locked" not in log and "Traceback" not in log
    assert (srv.data_dir / "userpool.db.writer-lock").exists()  # writers queued on the file lock


def test_default_is_one_worker_per_available_core(tmp_path: Path) -> None:
    srv = RunningServer(tmp_path / "srv", env={"USERPOOL_WORKERS": "0"})
    srv.start()
    try:
        cores = len(os.sched_getaffinity(0))
        assert len(_workers(srv)) == (cores if cores > 1 else 0)  # one process: uvicorn runs no children
        create_pool(srv)  # and it serves
    finally:
        srv.stop()


def test_read_transactions_refuse_writes(tmp_path: Path) -> None:
    """Operations marked read-only run on connections that refuse writes: a slip is an error,
    never a write outside the writers' queue."""
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM user_pools")).scalar() == 0
    with pytest.raises(OperationalError, match="readonly"), db.read() as session:
        session.execute(text("DELETE FROM user_pools"))
    with db.transaction() as session:  # writers still write
        session.execute(text("DELETE FROM user_pools"))
    assert sqlite3.connect(tmp_path / "userpool.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_more_threads_than_the_pool_holds_each_keep_a_connection(tmp_path: Path) -> None:
    """Each thread keeps its SQLite connection between units of work (db._ThreadConnections):
    more threads at once than the pool's size must never wait for one (the server has 40)."""
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    threads = 48
    together = threading.Barrier(threads, timeout=20)
    done: list[int] = []

    def work(i: int) -> None:
        with db.read() as session:
            session.execute(text("SELECT count(*) FROM user_pools")).scalar()
            together.wait()  # every thread inside a read at once
        with db.transaction() as session:
            session.execute(text("SELECT 1")).scalar()
        done.append(i)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert sorted(done) == list(range(threads))


def test_a_unit_inside_another_in_one_thread_is_its_own(tmp_path: Path) -> None:
    """A unit of work begun inside another in the same thread gets its own connection: the outer
    one is neither joined nor rolled back (its snapshot stays what it was)."""
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    count = text("SELECT count(*) FROM user_pools")
    with db.read() as outer:
        assert outer.execute(count).scalar() == 0  # the outer snapshot starts here
        writer = threading.Thread(target=_insert_pool, args=(db,))
        writer.start()
        writer.join()
        with db.read() as inner:
            assert inner.execute(count).scalar() == 1  # a snapshot of its own, after the write
        assert outer.execute(count).scalar() == 0  # still the outer's snapshot: not rolled back, not joined


def _insert_pool(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("INSERT INTO user_pools (id, name, region, created_at, modified_at, config) "
                             "VALUES ('us-east-1_x', 'x', 'us-east-1', 0, 0, '{}')"))


@pytest.mark.parametrize(("files", "expected"), [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu.max": "50000 100000"}, 0.5),
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_a_containers_cpu_quota_caps_the_default(tmp_path: Path, files: dict[str, str], expected: float | None) -> None:
    """Affinity shows every core of the host inside a container limited by ``--cpus``: the
    cgroup's quota decides (one worker per allowed core, rounded up)."""
    from userpool.cli import cgroup_cpu_quota

    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    assert cgroup_cpu_quota(tmp_path) == expected
