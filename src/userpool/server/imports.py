"""Bulk user import, as Cognito's CSV import jobs do it, and export in the same CSV shape.

The job's life (Cognito's statuses): ``Created`` (CreateUserImportJob; the caller PUTs the
CSV to the job's ``PreSignedUrl``, which this server serves itself at ``PUT /import/<jobId>``
with an HMAC signature instead of S3) → ``Pending`` (StartUserImportJob) → ``InProgress`` →
``Succeeded`` / ``Failed``, or ``Stopping`` → ``Stopped`` (StopUserImportJob).

Imported users get status ``RESET_REQUIRED`` and no password, as Cognito's import does: they
sign in after ForgotPassword / ConfirmForgotPassword. Rows that cannot be imported are counted
(``FailedUsers``; ``SkippedUsers`` for users that already exist) and the first
:data:`MAX_ERRORS` are kept on the job with their line and reason, in place of CloudWatch logs.

Speed: a million users in minutes, because nothing here is per-user ORM work. Rows are parsed
and checked in Python, then each batch of :data:`BATCH` users goes in one transaction as two
Core ``executemany`` inserts (users, attributes) with ids allocated up front, together with the
job's progress (``rows_done``). So a run that dies (process killed, server restarted) leaves
whole batches only, and whichever process resumes the job skips the rows already done. The
process running a job holds a lease on it; when the lease runs out, any process may take over
(DescribeUserImportJob and ListUserImportJobs do so).
"""

from __future__ import annotations

import codecs
import csv
import hmac
import json
import logging
import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from userpool.server import errors, pools, users
from userpool.server.config import ServerConfig
from userpool.server.db import Database, ImportChunk, ImportJob, User, UserAttribute, UserPool
from userpool.server.sealing import Sealer

log = logging.getLogger("userpool.imports")

CREATED, PENDING, IN_PROGRESS = "Created", "Pending", "InProgress"
STOPPING, STOPPED, FAILED, SUCCEEDED, EXPIRED = "Stopping", "Stopped", "Failed", "Succeeded", "Expired"
RUNNING = (PENDING, IN_PROGRESS)
USERNAME_COLUMN = "cognito:username"
MFA_COLUMN = "cognito:mfa_enabled"
# GetCSVHeader's order for the standard attributes (custom ones follow, then the two cognito: columns).
STANDARD_ORDER = (
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at",
)
BATCH = 5000  # users per transaction
CHUNK_BYTES = 4 << 20  # the uploaded CSV is stored in pieces of this size
MAX_UPLOAD_BYTES = 1 << 30  # Cognito allows 100 MB; a million users with a few attributes need more
MAX_ERRORS = 1000
LEASE_SECONDS = 60.0
URL_VALIDITY_SECONDS = 24 * 3600
_IN_LIMIT = 900  # parameters per IN (...) list, below every SQLite build's limit
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+[0-9]{4,15}$")
_BOOL = {"true": "true", "false": "false", "": ""}


# ------------------------------------------------------------------ header and job shapes


def csv_header(pool: UserPool) -> list[str]:
    """GetCSVHeader: the pool's attributes in Cognito's order, then cognito:mfa_enabled and cognito:username."""
    schema = pools.schema_of(pool)
    standard = [n for n in STANDARD_ORDER if n in schema]
    custom = [n for n in schema if n not in STANDARD_ORDER and n not in ("sub", "identities")]
    return [*standard, *custom, MFA_COLUMN, USERNAME_COLUMN]


def new_job_id() -> str:
    return "import-" + secrets.token_urlsafe(12).replace("_", "0").replace("-", "1")


def _signature(sealer: Sealer, job_id: str, expires: int) -> str:
    return sealer.derive("import-upload", job_id, str(expires)).hex()


def upload_url(config: ServerConfig, sealer: Sealer, job: ImportJob) -> str:
    """The job's PreSignedUrl: a PUT to this server, valid for a day from the job's creation."""
    expires = int(job.created_at) + URL_VALIDITY_SECONDS
    return f"{config.base_url}/import/{job.id}?expires={expires}&sig={_signature(sealer, job.id, expires)}"


def check_upload(sealer: Sealer, job_id: str, expires: str, sig: str, now: float) -> bool:
    if not expires.isdigit() or int(expires) < now:
        return False
    return hmac.compare_digest(_signature(sealer, job_id, int(expires)), sig)


def job_type(job: ImportJob, config: ServerConfig, sealer: Sealer) -> dict[str, Any]:
    """UserImportJobType as Cognito returns it."""
    out: dict[str, Any] = {
        "JobName": job.name,
        "JobId": job.id,
        "UserPoolId": job.pool_id,
        "PreSignedUrl": upload_url(config, sealer, job),
        "CreationDate": job.created_at,
        "StartDate": job.started_at,
        "CompletionDate": job.completed_at,
        "Status": job.status,
        "CloudWatchLogsRoleArn": job.role_arn,
        "ImportedUsers": job.imported,
        "SkippedUsers": job.skipped,
        "FailedUsers": job.failed,
    }
    if job.completion_message:
        out["CompletionMessage"] = job.completion_message
    return out


def create_job(db: Session, pool_id: str, name: str, role_arn: str, now: float) -> ImportJob:
    job = ImportJob(
        id=new_job_id(), pool_id=pool_id, name=name, role_arn=role_arn, status=CREATED, created_at=now,
        rows_done=0, imported=0, skipped=0, failed=0, errors=[],
    )
    db.add(job)
    return job


# ------------------------------------------------------------------ the upload


def store_upload(database: Database, job_id: str, pieces: Iterable[bytes]) -> int:
    """Replace the job's CSV with ``pieces`` (one transaction); returns the size in bytes."""
    size = 0
    seq = 0
    buf = bytearray()
    with database.transaction() as db:
        job = db.get(ImportJob, job_id, with_for_update=True)
        if job is None:
            raise LookupError(job_id)
        if job.status != CREATED:
            raise errors.PreconditionNotMet(f"Job {job_id} is {job.status}; the file can be uploaded only before it starts.")
        db.execute(delete(ImportChunk).where(ImportChunk.job_id == job_id))
        table = ImportChunk
        for piece in pieces:
            size += len(piece)
            if size > MAX_UPLOAD_BYTES:
                raise errors.InvalidParameter("The CSV file is too large.")
            buf += piece
            while len(buf) >= CHUNK_BYTES:
                db.execute(insert(table), [{"job_id": job_id, "seq": seq, "data": bytes(buf[:CHUNK_BYTES])}])
                del buf[:CHUNK_BYTES]
                seq += 1
        if buf:
            db.execute(insert(table), [{"job_id": job_id, "seq": seq, "data": bytes(buf)}])
        job.uploaded_bytes = size
    return size


async def upload_endpoint(request: Any) -> Any:
    """``PUT /import/<jobId>?expires=...&sig=...``: the job's PreSignedUrl (S3's role in Cognito)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    state = request.app.state.userpool
    job_id = request.path_params["job_id"]
    q = request.query_params
    if not check_upload(state.sealer, job_id, q.get("expires", ""), q.get("sig", ""), time.time()):
        return PlainTextResponse("Request has expired or the signature does not match.", status_code=403)
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
        return PlainTextResponse("The CSV file is too large.", status_code=413)
    pieces: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size > MAX_UPLOAD_BYTES:
            return PlainTextResponse("The CSV file is too large.", status_code=413)
        pieces.append(piece)
    try:
        await run_in_threadpool(store_upload, state.database, job_id, pieces)
    except LookupError:
        return PlainTextResponse("No such import job.", status_code=404)
    except errors.CognitoError as exc:
        return PlainTextResponse(exc.message, status_code=409)
    return Response(status_code=200, headers={"ETag": f'"{uuid.uuid4().hex}"'})


def _csv_lines(database: Database, job_id: str) -> Iterator[str]:
    """The uploaded CSV as text lines (a UTF-8 BOM is dropped), read a chunk at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    seq = 0
    rest = ""
    while True:
        with database.transaction() as db:
            data = db.scalar(select(ImportChunk.data).where(ImportChunk.job_id == job_id, ImportChunk.seq == seq))
        if data is None:
            break
        seq += 1
        text_ = rest + decoder.decode(data)
        lines = text_.split("\n")
        rest = lines.pop()
        for line in lines:
            yield line + "\n"
    text_ = rest + decoder.decode(b"", final=True)
    if text_:
        yield text_


# ------------------------------------------------------------------ rows


class HeaderError(ValueError):
    pass


@dataclass
class _Plan:
    """What one pass over the CSV needs to know about the pool, computed once."""

    pool: UserPool
    username_col: int
    mfa_col: int | None
    columns: list[tuple[int, str, Callable[[str], str | None]]]  # index, attribute, check -> error or None
    width: int
    case_sensitive: bool
    sign_in_attrs: list[str]
    unique_attrs: list[str]  # sign-in attributes and aliases: at most one user each
    required: list[str]
    auto_verified: list[str]
    seen: dict[str, set[str]] = field(default_factory=dict)


def _checker(name: str, spec: dict[str, Any]) -> Callable[[str], str | None]:
    kind = spec.get("AttributeDataType", "String")
    limits = spec.get("StringAttributeConstraints") or {}
    max_len = int(limits["MaxLength"]) if kind == "String" and "MaxLength" in limits else None

    def check(value: str) -> str | None:
        if name == "email" and not _EMAIL.match(value):
            return "Invalid email address format."
        if name == "phone_number" and not _PHONE.match(value):
            return "Invalid phone number format."
        if kind == "Boolean" and value not in ("true", "false"):
            return f"{name}: Attribute value must be true or false."
        if kind == "Number":
            try:
                float(value)
            except ValueError:
                return f"{name}: Attribute value must be a number."
        if max_len is not None and len(value) > max_len:
            return f"{name}: String must be no longer than {max_len} characters"
        return None

    return check


def plan(pool: UserPool, header: list[str]) -> _Plan:
    """Check the header row against the pool (Cognito fails the whole job on a bad header)."""
    allowed = set(csv_header(pool))
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise HeaderError(f"The header contains {unknown[0]!r}, which is not an attribute of the user pool.")
    if len(set(header)) != len(header):
        raise HeaderError("The header names a column twice.")
    for needed in (USERNAME_COLUMN, MFA_COLUMN):
        if needed not in header:
            raise HeaderError(f"The header must contain {needed}.")
    schema = pools.schema_of(pool)
    columns = [
        (i, h, _checker(h, schema[h])) for i, h in enumerate(header) if h not in (USERNAME_COLUMN, MFA_COLUMN)
    ]
    return _Plan(
        pool=pool,
        username_col=header.index(USERNAME_COLUMN),
        mfa_col=header.index(MFA_COLUMN),
        columns=columns,
        width=len(header),
        case_sensitive=pools.case_sensitive(pool),
        sign_in_attrs=pools.username_attributes(pool),
        unique_attrs=[*pools.username_attributes(pool), *[a for a in pools.alias_attributes(pool) if a not in pools.username_attributes(pool)]],
        required=[a["Name"] for a in pool.config.get("SchemaAttributes", []) if a.get("Required") and a["Name"] != "sub"],
        auto_verified=pools.auto_verified(pool),
    )


@dataclass
class _Row:
    line: int
    username: str
    key: str
    attrs: dict[str, str]
    mfa: bool


def _parse_row(p: _Plan, line: int, row: list[str]) -> _Row | str:
    """A row ready to insert, or why it fails (Cognito's FailedUsers)."""
    if len(row) != p.width:
        return f"The row has {len(row)} columns; the header has {p.width}."
    given = row[p.username_col]
    if not given or len(given) > 128 or any(c.isspace() for c in given):
        return "cognito:username is missing or invalid."
    attrs: dict[str, str] = {}
    for i, name, check in p.columns:
        value = row[i]
        if value:
            if name in ("email_verified", "phone_number_verified"):
                value = value.lower()
            problem = check(value)
            if problem:
                return problem
            attrs[name] = value
    mfa_value = row[p.mfa_col].lower() if p.mfa_col is not None else ""
    if mfa_value not in _BOOL:
        return "cognito:mfa_enabled must be true or false."
    username = given
    if p.sign_in_attrs:
        kind = "email" if _EMAIL.match(given) else "phone_number" if _PHONE.match(given) else None
        if kind is None or kind not in p.sign_in_attrs:
            return "cognito:username must be the user's " + " or ".join(p.sign_in_attrs) + "."
        if attrs.get(kind, given) != given:
            return f"cognito:username and {kind} differ."
        attrs[kind] = given
        username = ""  # the sub, chosen at insert time
    for name in p.required:
        if not attrs.get(name):
            return f"Attributes did not conform to the schema: {name}: The attribute {name} is required"
    if p.auto_verified and not any(attrs.get(users.VERIFIED_FLAG[a]) == "true" and attrs.get(a) for a in p.auto_verified if a in users.VERIFIED_FLAG):
        return "The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to be set to true)"
    if mfa_value == "true" and not attrs.get("phone_number"):
        return "cognito:mfa_enabled is true but the user has no phone_number."
    key = username if p.case_sensitive else username.lower()
    return _Row(line, username, key, attrs, mfa_value == "true")


# ------------------------------------------------------------------ running a job


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
        seq = "pg_get_serial_sequence('users', 'id')"
        return list(db.scalars(text(f"SELECT nextval({seq}) FROM generate_series(1, :n)"), {"n": n}))
    start = int(db.scalar(select(func.coalesce(func.max(User.id), 0))) or 0) + 1
    return list(range(start, start + n))


def _import_batch(db: Session, p: _Plan, batch: list[_Row], now: float) -> tuple[int, int, list[dict[str, Any]]]:
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
    fresh: list[_Row] = []
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
        conn.exec_driver_sql(user_sql, user_rows)  # type: ignore[arg-type]
        conn.exec_driver_sql(attr_sql, attr_rows)  # type: ignore[arg-type]
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
    users_sql = f"INSERT INTO {User.__tablename__} ({', '.join(_USER_COLUMNS)}) VALUES ({', '.join(values)})"
    attrs_sql = f"INSERT INTO {UserAttribute.__tablename__} ({', '.join(_ATTR_COLUMNS)}) VALUES ({', '.join([mark] * len(_ATTR_COLUMNS))})"
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
        assert job is not None
        pool = db.get(UserPool, job.pool_id)
        start_at = job.rows_done
        if pool is None:
            raise LookupError(job.pool_id)
        db.expunge(pool)
    reader = csv.reader(_csv_lines(database, job_id))
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
    batch: list[_Row] = []
    bad: list[dict[str, Any]] = []
    seen: set[str] = set()
    seen_attrs: dict[str, set[str]] = {n: set() for n in p.unique_attrs}
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines are not users
        done += 1
        if done <= start_at:
            continue  # committed by an earlier run
        parsed = _parse_row(p, reader.line_num, row)
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


def _commit(database: Database, job_id: str, runner: str, p: _Plan, batch: list[_Row], bad: list[dict[str, Any]], done: int) -> bool:
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
        assert job is not None
        return Progress(job.rows_done, job.imported, job.skipped, job.failed, job.status)


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


def export_users(database: Database, pool_id: str, out: IO[str], progress: Callable[[int], None] | None = None) -> int:
    """Write the pool's users as a CSV in GetCSVHeader's shape (which the import reads back)."""
    with database.transaction() as db:
        pool = db.get(UserPool, pool_id)
        if pool is None:
            raise LookupError(pool_id)
        header = csv_header(pool)
        db.expunge(pool)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    index = {h: i for i, h in enumerate(header)}
    sign_in = pools.username_attributes(pool)
    last = 0
    count = 0
    while True:
        with database.transaction() as db:
            rows = db.execute(
                select(User.id, User.username, User.mfa).where(User.pool_id == pool_id, User.id > last).order_by(User.id).limit(BATCH)
            ).all()
            if not rows:
                break
            attrs: dict[int, list[tuple[str, str]]] = {}
            for uid, name, value in db.execute(
                select(UserAttribute.user_id, UserAttribute.name, UserAttribute.value).where(
                    UserAttribute.user_id >= rows[0][0], UserAttribute.user_id <= rows[-1][0], UserAttribute.pool_id == pool_id
                )
            ):
                attrs.setdefault(uid, []).append((name, value))
        for uid, username, mfa in rows:
            line = [""] * len(header)
            for name, value in attrs.get(uid, []):
                i = index.get(name)
                if i is not None:
                    line[i] = value
            line[index[MFA_COLUMN]] = "true" if (mfa or {}).get("Enabled") and "SMS_MFA" in mfa.get("Enabled", []) else "false"
            values = dict(attrs.get(uid, []))
            line[index[USERNAME_COLUMN]] = next((values[a] for a in sign_in if values.get(a)), username) if sign_in else username
            writer.writerow(line)
        count += len(rows)
        last = rows[-1][0]
        if progress:
            progress(count)
    return count
