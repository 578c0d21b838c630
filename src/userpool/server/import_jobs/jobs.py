"""An import job's row, its PreSignedUrl and the CSV uploaded to it.

The PreSignedUrl is a PUT to this server (``app.py`` serves it), signed with an HMAC of the
job id and expiry instead of S3's signature; the file is stored in the database in chunks,
so whichever process runs the job can read it.
"""

from __future__ import annotations

import codecs
import hmac
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from userpool.server import errors
from userpool.server.config import ServerConfig
from userpool.server.db import Database, ImportChunk, ImportJob
from userpool.server.sealing import Sealer

CREATED, PENDING, IN_PROGRESS = "Created", "Pending", "InProgress"
STOPPING, STOPPED, FAILED, SUCCEEDED, EXPIRED = "Stopping", "Stopped", "Failed", "Succeeded", "Expired"
RUNNING = (PENDING, IN_PROGRESS)
CHUNK_BYTES = 4 << 20  # the uploaded CSV is stored in pieces of this size
MAX_UPLOAD_BYTES = 1 << 30  # Cognito allows 100 MB; a million users with a few attributes need more
URL_VALIDITY_SECONDS = 24 * 3600


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


def csv_lines(database: Database, job_id: str) -> Iterator[str]:
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
