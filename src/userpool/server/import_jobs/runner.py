"""Running an import job: batches of users inserted with Core, progress committed with
each batch, and a lease so that one process runs a job and another takes over when it dies.

Speed: a million users in minutes, because nothing here is per-user ORM work. Rows are parsed
and checked in Python, then each batch of :data:`BATCH` users goes in one transaction as two
Core ``executemany`` inserts (users, attributes) with ids allocated up front, together with the
job's progress (``rows_done``). So a run that dies (process killed, server restarted) leaves
whole batches only, and whichever process resumes the job skips the rows already done. The
process running a job holds a lease on it; when the lease runs out, any process may take over
(DescribeUserImportJob and ListUserImportJobs do so). Rows that cannot be imported are counted
(``FailedUsers``; ``SkippedUsers`` for users that already exist) and the first
:data:`MAX_ERRORS` are kept on the job with their line and reason, in place of CloudWatch logs.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from userpool.server import metrics, users
from userpool.server.db import Database, ImportChunk, ImportJob, User, UserAttribute, UserPool
from userpool.server.import_jobs.csv_plan import HeaderError, Plan, Row, parse_row, plan
from userpool.server.import_jobs.jobs import (
    FAILED,
    IN_PROGRESS,
    PENDING,
    RUNNING,
    STOPPED,
    STOPPING,
    SUCCEEDED,
    csv_lines,
)

log = logging.getLogger("userpool.imports")

BATCH = 5000  # users per transaction
MAX_ERRORS = 1000
LEASE_SECONDS = 60.0
_IN_LIMIT = 900  # parameters per IN (...) list, below every SQLite build's limit

__all__ = [  # PENDING: the status a job is in when a runner picks it up
    "BATCH", "LEASE_SECONDS", "MAX_ERRORS", "PENDING", "Progress", "after_commit", "new_runner_id", "orphaned_jobs", "run",
    "start_in_background",
]


@dataclass
class Progress:
    rows_done: int
    imported: int
    skipped: int
    failed: int
    status: str


def _in_chunks(values: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), _IN_LIMIT):
        yield values[i : i + _IN_LIMIT]


def _allocate_ids(db: Session, n: int) -> list[int]:
    """``n`` user ids for explicit inserts: from the sequence on PostgreSQL; on SQLite after the
    largest id (the transaction holds SQLite's write lock, so no one else takes them)."""
    if db.get_bind().dialect.name == "postgresql":
        return list(db.scalars(text("SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, :n)"), {"n": n}))
    start = int(db.scalar(select(func.coalesce(func.max(User.id), 0))) or 0) + 1
    return list(range(start, start + n))


def _import_batch(db: Session, p: Plan, batch: list[Row], now: float) -> tuple[int, int, list[dict[str, Any]]]:
    """Insert the batch's new users; (imported, skipped, errors). Existing users are skipped."""
    problems: list[dict[str, Any]] = []
    pool_id = p.pool.id
    keys = [r.key for r in batch if r.key]
    existing: set[str] = set()
    for part in _in_chunks(keys):
        existing.update(db.scalars(select(User.username_key).where(User.pool_id == pool_id, User.username_key.in_(part))))
    taken: dict[str, set[str]] = {}
    for name in p.unique_attrs:
        values = [users.value_key(name, r.attrs[name]) for r in batch if r.attrs.get(name)]
        found: set[str] = set()
        for part in _in_chunks(values):
            found.update(
                db.scalars(
                    select(UserAttribute.value_key).where(
                        UserAttribute.pool_id == pool_id, UserAttribute.name == name, UserAttribute.value_key.in_(part)
                    )
                )
            )
        taken[name] = found
    fresh: list[Row] = []
    skipped = 0
    for r in batch:
        if r.key and r.key in existing:
            skipped += 1
            problems.append({"line": r.line, "username": r.username, "status": "SKIPPED", "reason": "User already exists."})
            continue
        clash = next((n for n in p.unique_attrs if r.attrs.get(n) and users.value_key(n, r.attrs[n]) in taken[n]), None)
        if clash is not None:
            problems.append({"line": r.line, "username": r.username or r.attrs.get(clash, ""), "status": "FAILED",
                             "reason": f"An account with the given {clash} already exists."})
            continue
        fresh.append(r)
    if fresh:
        ids = _allocate_ids(db, len(fresh))
        user_rows = []
        attr_rows = []
        status = users.RESET_REQUIRED
        for uid, r in zip(ids, fresh, strict=True):
            sub = str(uuid.uuid4())
            user_rows.append((uid, pool_id, r.username or sub, r.key or sub, sub, status, True, now, now, 0, _MFA_ON if r.mfa else _MFA_OFF))
            attr_rows.append((uid, "sub", pool_id, sub, sub))
            for name, value in r.attrs.items():
                attr_rows.append((uid, name, pool_id, value, users.value_key(name, value)))
        # Straight to the driver's executemany: SQLAlchemy's per-row parameter processing would
        # cost more than the inserts themselves.
        conn = db.connection()
        user_sql, attr_sql = _insert_sql(conn.dialect.name)
        conn.exec_driver_sql(user_sql, user_rows)
        conn.exec_driver_sql(attr_sql, attr_rows)
    return len(fresh), skipped, problems


_MFA_ON = json.dumps({"Enabled": ["SMS_MFA"], "Preferred": "SMS_MFA"})
_MFA_OFF = "{}"
_USER_COLUMNS = ("id", "pool_id", "username", "username_key", "sub", "status", "enabled", "created_at", "modified_at", "failed_attempts", "mfa")
_ATTR_COLUMNS = ("user_id", "name", "pool_id", "value", "value_key")


def _insert_sql(dialect: str) -> tuple[str, str]:
    mark = "?" if dialect == "sqlite" else "%s"
    values = [mark] * len(_USER_COLUMNS)
    if dialect == "postgresql":
        values[-1] = "CAST(%s AS JSON)"
    # Table and column names from the schema, placeholders only: no value is formatted into the SQL.
    users_sql = f"INSERT INTO {User.__tablename__} ({', '.join(_USER_COLUMNS)}) VALUES ({', '.join(values)})"  # noqa: S608
    attrs_sql = f"INSERT INTO {UserAttribute.__tablename__} ({', '.join(_ATTR_COLUMNS)}) VALUES ({', '.join([mark] * len(_ATTR_COLUMNS))})"  # noqa: S608
    return users_sql, attrs_sql


def _claim(database: Database, job_id: str, runner: str) -> bool:
    now = time.time()
    with database.transaction() as db:
        job = db.get(ImportJob, job_id, with_for_update=True)
        if job is None or job.status not in RUNNING:
            return False
        if job.runner not in (None, runner) and (job.lease_until or 0) > now:
            return False
        job.runner, job.lease_until, job.status = runner, now + LEASE_SECONDS, IN_PROGRESS
        job.started_at = job.started_at or now
        return True


def _finish(database: Database, job_id: str, runner: str, status: str, message: str) -> None:
    with database.transaction() as db:
        job = db.get(ImportJob, job_id, with_for_update=True)
        if job is None or job.runner != runner:
            return
        job.status, job.completion_message, job.completed_at = status, message[:128], time.time()
        job.runner = job.lease_until = None
        db.execute(delete(ImportChunk).where(ImportChunk.job_id == job_id))


def new_runner_id() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(6)}"


def run(
    database: Database, job_id: str, *, runner: str | None = None, progress: Callable[[Progress], None] | None = None
) -> Progress | None:
    """Run (or resume) the job to its end in this thread; None when another process holds it."""
    runner = runner or new_runner_id()
    if not _claim(database, job_id, runner):
        return None
    try:
        return _run(database, job_id, runner, progress)
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        _finish(database, job_id, runner, FAILED, f"Import job failed: {type(exc).__name__}")
        raise


def _run(database: Database, job_id: str, runner: str, progress: Callable[[Progress], None] | None) -> Progress | None:
    with database.transaction() as db:
        job = db.get(ImportJob, job_id)
        if job is None:
            raise LookupError(job_id)  # deleted (its pool was) since the claim
        pool = db.get(UserPool, job.pool_id)
        start_at = job.rows_done
        if pool is None:
            raise LookupError(job.pool_id)
        db.expunge(pool)
    reader = csv.reader(csv_lines(database, job_id))
    header = next(reader, None)
    if header is None:
        _finish(database, job_id, runner, FAILED, "The CSV file is empty.")
        return _progress(database, job_id)
    try:
        p = plan(pool, header)
    except HeaderError as exc:
        _finish(database, job_id, runner, FAILED, str(exc))
        return _progress(database, job_id)
    done = 0
    batch: list[Row] = []
    bad: list[dict[str, Any]] = []
    seen: set[str] = set()
    seen_attrs: dict[str, set[str]] = {n: set() for n in p.unique_attrs}
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines are not users
        done += 1
        if done <= start_at:
            continue  # committed by an earlier run
        parsed = parse_row(p, reader.line_num, row)
        if isinstance(parsed, str):
            bad.append({"line": reader.line_num, "username": row[p.username_col] if len(row) > p.username_col else "",
                        "status": "FAILED", "reason": parsed})
        else:
            dup = parsed.key and parsed.key in seen
            dup_attr = next((n for n in p.unique_attrs if parsed.attrs.get(n) and users.value_key(n, parsed.attrs[n]) in seen_attrs[n]), None)
            if dup or dup_attr:
                bad.append({"line": parsed.line, "username": parsed.username, "status": "FAILED",
                            "reason": "The user appears twice in the file." if dup else f"The {dup_attr} appears twice in the file."})
            else:
                if parsed.key:
                    seen.add(parsed.key)
                for n in p.unique_attrs:
                    if parsed.attrs.get(n):
                        seen_attrs[n].add(users.value_key(n, parsed.attrs[n]))
                batch.append(parsed)
        if len(batch) + len(bad) >= BATCH:
            if not _commit(database, job_id, runner, p, batch, bad, done):
                return _progress(database, job_id)
            batch, bad = [], []
            if progress:
                progress(_progress(database, job_id))
    if not _commit(database, job_id, runner, p, batch, bad, done):
        return _progress(database, job_id)
    _finish(database, job_id, runner, SUCCEEDED, "Import Job Completed Successfully.")
    result = _progress(database, job_id)
    if progress:
        progress(result)
    return result


def _commit(database: Database, job_id: str, runner: str, p: Plan, batch: list[Row], bad: list[dict[str, Any]], done: int) -> bool:
    """One batch and the job's progress in one transaction; False when the job must stop here."""
    for attempt in range(5):
        try:
            with database.transaction() as db:
                job = db.get(ImportJob, job_id, with_for_update=True)
                if job is None or job.runner != runner:
                    return False  # deleted, or taken over after our lease ran out
                if job.status == STOPPING:
                    job.status, job.completed_at, job.runner, job.lease_until = STOPPED, time.time(), None, None
                    job.completion_message = "Import Job Stopped."
                    return False
                if db.get_bind().dialect.name == "sqlite":
                    # For a big import on this connection only: a bigger page cache for the index
                    # inserts, and checkpoints every ~256 MiB of WAL instead of every 4 MiB, so that
                    # a page written by many batches is copied to the database once.
                    db.connection().exec_driver_sql("PRAGMA cache_size=-262144")
                    db.connection().exec_driver_sql("PRAGMA wal_autocheckpoint=65536")
                imported, skipped, problems = _import_batch(db, p, batch, time.time())
                problems = sorted(bad + problems, key=lambda e: e["line"])
                failed = sum(1 for e in problems if e["status"] == "FAILED")
                job.imported += imported
                job.skipped += skipped
                job.failed += failed
                job.rows_done = done
                job.lease_until = time.time() + LEASE_SECONDS
                if problems and len(job.errors or []) < MAX_ERRORS:
                    job.errors = [*(job.errors or []), *problems][:MAX_ERRORS]
                after_commit(db, functools.partial(metrics.import_rows, imported, skipped, failed))
                return True
        except Exception as exc:  # a concurrent sign-up took a username between our check and insert
            from sqlalchemy.exc import IntegrityError, OperationalError

            if not isinstance(exc, (IntegrityError, OperationalError)) or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    return False


def _progress(database: Database, job_id: str) -> Progress:
    with database.transaction() as db:
        job = db.get(ImportJob, job_id)
        if job is None:
            raise LookupError(job_id)
        return Progress(job.rows_done, job.imported, job.skipped, job.failed, job.status)


# ------------------------------------------------------------------ in the server


# ------------------------------------------------------------------ in the server


_running: set[str] = set()
_running_lock = threading.Lock()


def start_in_background(database: Database, job_id: str) -> None:
    """Run the job on a daemon thread of this process (once per process)."""
    with _running_lock:
        if job_id in _running:
            return
        _running.add(job_id)

    def work() -> None:
        try:
            run(database, job_id)
        except Exception:  # noqa: BLE001 - run() has logged it and marked the job Failed
            log.debug("import job %s ended with an error", job_id)
        finally:
            with _running_lock:
                _running.discard(job_id)

    threading.Thread(target=work, name=f"import-{job_id}", daemon=True).start()


def after_commit(db: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the request's transaction has committed (so other connections see it)."""
    from sqlalchemy import event

    event.listen(db, "after_commit", lambda _s: action(), once=True)


def orphaned_jobs(db: Session, pool_id: str, now: float) -> list[str]:
    """Jobs of the pool that should be running but whose runner has gone (lease ran out).
    A ``Stopping`` job without a runner is marked ``Stopped`` here."""
    out = []
    rows = db.scalars(
        select(ImportJob).where(ImportJob.pool_id == pool_id, ImportJob.status.in_([*RUNNING, STOPPING]))
    ).all()
    for job in rows:
        if job.lease_until is not None and job.lease_until > now:
            continue
        if job.status == STOPPING:
            job.status, job.completed_at, job.runner, job.lease_until = STOPPED, now, None, None
            job.completion_message = "Import Job Stopped."
        else:
            out.append(job.id)
    return out


# ------------------------------------------------------------------ export
