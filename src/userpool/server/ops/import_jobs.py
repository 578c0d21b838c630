"""CSV user import jobs: GetCSVHeader, CreateUserImportJob, StartUserImportJob,
DescribeUserImportJob, ListUserImportJobs, StopUserImportJob (the engine is ``server/import_jobs/``)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import ImportJob
from userpool.server.import_jobs import csv_plan, jobs, runner
from userpool.server.ops.paging import page


def _job(ctx: Context, req: dict[str, Any], *, lock: bool = False) -> ImportJob:
    pools.get_pool(ctx.db, req["UserPoolId"])
    job = ctx.db.get(ImportJob, req["JobId"], with_for_update=lock)
    if job is None or job.pool_id != req["UserPoolId"]:
        raise errors.ResourceNotFound(f"Import job {req['JobId']} does not exist.")
    return job


def _shape(ctx: Context, job: ImportJob) -> dict[str, Any]:
    return jobs.job_type(job, ctx.config, ctx.sealer)


def _resume_orphans(ctx: Context, pool_id: str) -> None:
    """Any process that looks at a pool's jobs takes over those whose runner has gone."""
    database = ctx.state.database
    for job_id in runner.orphaned_jobs(ctx.db, pool_id, ctx.now):
        runner.after_commit(ctx.db, functools.partial(runner.start_in_background, database, job_id))


def get_csv_header(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    return {"UserPoolId": pool.id, "CSVHeader": csv_plan.csv_header(pool)}


def create_user_import_job(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    if req.get("PasswordHashingAlgorithm"):
        raise errors.InvalidParameter("Importing password hashes is not supported by this server; users are imported without passwords.")
    job = jobs.create_job(ctx.db, pool.id, req["JobName"], req["CloudWatchLogsRoleArn"], ctx.now)
    ctx.db.flush()
    return {"UserImportJob": _shape(ctx, job)}


def start_user_import_job(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    job = _job(ctx, req, lock=True)
    if job.status != jobs.CREATED:
        raise errors.PreconditionNotMet(f"Import job {job.id} has status {job.status}; only a Created job can be started.")
    if job.uploaded_bytes is None:
        raise errors.PreconditionNotMet(f"No CSV file has been uploaded to the PreSignedUrl of import job {job.id}.")
    job.status = jobs.PENDING
    job.started_at = ctx.now
    database = ctx.state.database
    runner.after_commit(ctx.db, functools.partial(runner.start_in_background, database, job.id))
    return {"UserImportJob": _shape(ctx, job)}


def describe_user_import_job(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    job = _job(ctx, req)
    _resume_orphans(ctx, job.pool_id)
    return {"UserImportJob": _shape(ctx, job)}


def list_user_import_jobs(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    _resume_orphans(ctx, pool.id)
    stmt = select(ImportJob).where(ImportJob.pool_id == pool.id).order_by(ImportJob.id)
    rows, token = page(ctx.db, stmt, ImportJob.id, req.get("PaginationToken"), req["MaxResults"])
    return {"UserImportJobs": [_shape(ctx, j) for j in rows], "PaginationToken": token}


def stop_user_import_job(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    job = _job(ctx, req, lock=True)
    if job.status not in jobs.RUNNING:
        raise errors.PreconditionNotMet(f"Import job {job.id} has status {job.status}; only a Pending or InProgress job can be stopped.")
    if job.lease_until is not None and job.lease_until > ctx.now:
        job.status = jobs.STOPPING  # the runner stops at its next batch
    else:
        job.status, job.completed_at, job.completion_message = jobs.STOPPED, ctx.now, "Import Job Stopped."
    return {"UserImportJob": _shape(ctx, job)}
