"""What ``userpool users import`` and ``userpool users export`` do, on the database directly
(no server needed; a running server sees the job and the users as they are committed)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from userpool.server.db import Database, ImportJob, UserPool
from userpool.server.import_jobs import export, jobs, runner

DEFAULT_ROLE_ARN = "arn:aws:iam::000000000000:role/userpool-cli-import"


def _rows_in(path: Path) -> int:
    """Data rows in the file, for the progress bar (lines after the header; quoted newlines aside)."""
    count = 0
    last = b"\n"
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            count += block.count(b"\n")
            last = block[-1:]
    return max(0, count + (last != b"\n") - 1)


def import_file(database: Database, pool_id: str, path: Path, job_name: str | None = None) -> runner.Progress:
    console = Console(stderr=True, soft_wrap=True, highlight=False)  # lines are never cut or folded
    with database.transaction() as db:
        if db.get(UserPool, pool_id) is None:
            raise SystemExit(f"User pool {pool_id} does not exist.")
        job = jobs.create_job(db, pool_id, job_name or f"cli-{path.stem}"[:128], DEFAULT_ROLE_ARN, time.time())
        job_id = job.id

    def pieces() -> object:
        with path.open("rb") as f:
            while block := f.read(jobs.CHUNK_BYTES):
                yield block

    jobs.store_upload(database, job_id, pieces())  # type: ignore[arg-type]
    with database.transaction() as db:
        row = db.get(ImportJob, job_id)
        if row is None:
            raise SystemExit(f"Import job {job_id} is gone (was its pool deleted?).")
        row.status = jobs.PENDING
    total = _rows_in(path)
    started = time.time()
    result = _run_with_progress(console, database, job_id, total, started)
    if result is None:
        raise SystemExit(f"Import job {job_id} is being run by another process.")
    elapsed = time.time() - started
    with database.transaction() as db:
        row = db.get(ImportJob, job_id)
        if row is None:
            raise SystemExit(f"Import job {job_id} is gone (was its pool deleted?).")
        problems = list(row.errors or [])
        message = row.completion_message
    console.print(
        f"{job_id}: {result.status} — imported {result.imported}, skipped {result.skipped}, failed {result.failed} "
        f"in {elapsed:.1f} s ({result.rows_done / elapsed if elapsed else 0:,.0f} rows/s). {message or ''}"
    )
    for e in problems[:20]:
        console.print(f"  line {e['line']}: {e['status']} {e['username']!r}: {e['reason']}")
    if len(problems) > 20 or result.skipped + result.failed > len(problems):
        console.print(f"  ... {result.skipped + result.failed - min(len(problems), 20)} more")
    return result


def _run_with_progress(console: Console, database: Database, job_id: str, total: int, started: float) -> runner.Progress | None:
    """Run the job, showing its progress: a live bar on a terminal; else (a pipe, a log file,
    CI) one full line per batch, as a bar squeezed into a default 80 columns would cut its
    time columns off."""

    def stats(p: runner.Progress) -> str:
        return f"imported {p.imported} skipped {p.skipped} failed {p.failed}"

    if not console.is_terminal:
        def line(p: runner.Progress) -> None:
            elapsed = time.time() - started
            left = (total - p.rows_done) * elapsed / p.rows_done if p.rows_done else 0.0
            console.print(f"import {job_id}: {p.rows_done}/{total} rows, {stats(p)}, elapsed {elapsed:.1f} s, "
                          f"remaining {max(left, 0.0):.1f} s")

        return runner.run(database, job_id, progress=line)
    columns = (TextColumn("[bold]import[/bold] {task.fields[job]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("import", total=total, job=job_id, stats="")
        return runner.run(database, job_id, progress=lambda p: bar.update(task, completed=p.rows_done, stats=stats(p)))


def export_pool(database: Database, pool_id: str, out: Path | None) -> int:
    console = Console(stderr=True)
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        with Progress(TextColumn("[bold]export[/bold]"), TextColumn("{task.completed} users"), TimeElapsedColumn(),
                      console=console, disable=out is None) as bar:
            task = bar.add_task("export", total=None)
            count = export.export_users(database, pool_id, stream, progress=lambda n: bar.update(task, completed=n))
    except LookupError:
        raise SystemExit(f"User pool {pool_id} does not exist.") from None
    finally:
        if out:
            stream.close()
    console.print(f"exported {count} users" + (f" to {out}" if out else ""))
    return count
