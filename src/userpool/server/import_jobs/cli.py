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
    console = Console(stderr=True)
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
        assert row is not None
        row.status = jobs.PENDING
    total = _rows_in(path)
    started = time.time()
    columns = (TextColumn("[bold]import[/bold] {task.fields[job]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("import", total=total, job=job_id, stats="")

        def show(p: runner.Progress) -> None:
            bar.update(task, completed=p.rows_done, stats=f"imported {p.imported} skipped {p.skipped} failed {p.failed}")

        result = runner.run(database, job_id, progress=show)
    assert result is not None
    elapsed = time.time() - started
    with database.transaction() as db:
        row = db.get(ImportJob, job_id)
        assert row is not None
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
