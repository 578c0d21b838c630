"""The ``userpool`` command: ``serve``, ``demo``, ``db upgrade``, and the client's commands."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from userpool.cli_client import client_commands

if TYPE_CHECKING:
    from userpool.server.db import Database

app = typer.Typer(help="userpool: a Cognito-compatible user pool, its Python client and verifier.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Bulk import and export of a pool's users (CSV, Cognito's import format).", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic's INFO lines at every start ("setup plugin ..." seven times, "Context impl",
    # "Will assume transactional DDL") say nothing to an operator; a migration that runs
    # ("Running upgrade 0001 -> 0002") still is logged.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").addFilter(_migrations_run)


def _migrations_run(record: logging.LogRecord) -> bool:
    return record.levelno > logging.INFO or str(record.msg).startswith("Running ")


def _metrics_dir(data_dir: Path) -> None:
    """Several workers: prometheus-client's multiprocess mode, in a directory emptied at each
    start (counts of an earlier run are not this one's; metrics.py)."""
    import shutil

    from userpool.server.metrics import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):
        return  # the operator chose one
    path = data_dir / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(mode=0o700)
    os.environ[MULTIPROC_ENV] = str(path)


def available_cores() -> int:
    """The cores this process may use, at least 1: its CPU affinity, narrowed by a cgroup CPU
    quota (a container's ``--cpus``), which affinity does not show."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(cores, math.ceil(quota)) if quota else cores)


def cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs the cgroup may use (quota / period), or None when unlimited or unknown.
    cgroup v2: ``cpu.max`` ("max 100000" or "150000 100000"); v1: ``cpu/cpu.cfs_quota_us``."""
    try:
        quota, _, period = (root / "cpu.max").read_text().partition(" ")
        limit = None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    else:
        return limit
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def _check_serve_options(
    issuer_style: str, workers: int, database: str | None, metrics: str, email_sender: str, smtp_url: str | None,
    tls_cert: Path | None, tls_key: Path | None, tls_self_signed: bool,
) -> None:
    """Usage errors in `serve`'s options, reported before anything is started."""
    if issuer_style not in ("self", "aws"):
        raise typer.BadParameter("--issuer-style must be 'self' or 'aws'")
    if workers < 0:
        raise typer.BadParameter("--workers must be 1 or more (0: one per available core)")
    if metrics not in ("loopback", "open", "off"):
        raise typer.BadParameter("--metrics must be 'loopback', 'open' or 'off'")
    if email_sender not in ("outbox", "smtp"):
        raise typer.BadParameter("--email-sender must be 'outbox' or 'smtp'")
    if email_sender == "smtp" and not smtp_url:
        raise typer.BadParameter("--email-sender smtp needs --smtp-url")
    if (tls_cert is None) != (tls_key is None) or (tls_self_signed and tls_cert is not None):
        raise typer.BadParameter("give --tls-cert and --tls-key together, or --tls-self-signed alone")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            raise typer.BadParameter(f"--tls-cert/--tls-key: {path} is not a file")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9229,
    data_dir: Annotated[Path, typer.Option(help="Where the SQLite database, keys and outbox live.")] = Path(".userpool"),
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite in the data dir).")] = None,
    region: Annotated[str, typer.Option(help="Region for pools created without a signed region.")] = "us-east-1",
    issuer_style: Annotated[str, typer.Option(help="'self': <public-url>/<poolId>; 'aws': Cognito's issuer URL.")] = "self",
    public_url: Annotated[str | None, typer.Option(help="The URL clients reach this server at.")] = None,
    workers: Annotated[int, typer.Option(help="Server processes, on SQLite or PostgreSQL; 0: one per available core.",
                                         envvar="USERPOOL_WORKERS")] = 0,
    access_log: Annotated[bool, typer.Option(help="Log every request line.")] = False,
    rate_limits: Annotated[str, typer.Option(help="'default' (per-address and per-user limits on sign-in, codes and recovery), "
                                                  "'cognito' (and Cognito's quotas per pool), 'off', or a JSON file.")] = "default",
    metrics: Annotated[str, typer.Option(help="Who may GET /metrics: 'loopback', 'open' or 'off'.",
                                         envvar="USERPOOL_METRICS")] = "loopback",
    email_sender: Annotated[str, typer.Option(help="'outbox' (DATA_DIR/outbox.jsonl) or 'smtp'.",
                                              envvar="USERPOOL_EMAIL_SENDER")] = "outbox",
    smtp_url: Annotated[str | None, typer.Option(help="smtp://user:pass@host:587?starttls=true&from=... or smtps://...",
                                                 envvar="USERPOOL_SMTP_URL", show_default=False)] = None,
    sms_webhook: Annotated[str | None, typer.Option(help="URL that SMS messages are POSTed to (signed JSON).",
                                                    envvar="USERPOOL_SMS_WEBHOOK")] = None,
    trigger_timeout: Annotated[float, typer.Option(help="Seconds a Lambda-style trigger may run.",
                                                   envvar="USERPOOL_TRIGGER_TIMEOUT")] = 5.0,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate: serve HTTPS (with --tls-key).")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key of --tls-cert.")] = None,
    tls_self_signed: Annotated[bool, typer.Option(help="Serve HTTPS with a self-signed certificate for localhost and "
                                                       "127.0.0.1 kept in the data dir (local development).")] = False,
    admin_console: Annotated[bool, typer.Option(help="Serve the admin console at /admin/ (sign in with the admin key).",
                                                envvar="USERPOOL_ADMIN_CONSOLE")] = False,
    admin_console_client: Annotated[str | None, typer.Option(
        help="Also let users of this app client's pool who are in --admin-console-group sign in to the console.",
        envvar="USERPOOL_ADMIN_CONSOLE_CLIENT", show_default=False)] = None,
    admin_console_group: Annotated[str, typer.Option(help="The group whose members may use the console.",
                                                     envvar="USERPOOL_ADMIN_CONSOLE_GROUP")] = "admins",
) -> None:
    """Run the user pool server (Cognito's JSON wire API on POST /)."""
    import uvicorn

    from userpool.server.bootstrap import prepare
    from userpool.server.config import ServerConfig

    _check_serve_options(issuer_style, workers, database, metrics, email_sender, smtp_url, tls_cert, tls_key, tls_self_signed)
    rate_limits = _rate_limits(rate_limits)
    _logging()
    config = ServerConfig(
        data_dir=data_dir.resolve(), database_url=database, host=host, port=port, region=region,
        issuer_style=issuer_style, public_url=public_url, rate_limits=rate_limits, metrics=metrics,
        email_sender=email_sender, smtp_url=smtp_url, sms_webhook=sms_webhook, trigger_timeout=trigger_timeout,
        tls=tls_self_signed or tls_cert is not None, admin_console=admin_console,
        admin_console_client=admin_console_client, admin_console_group=admin_console_group,
    )
    try:  # a malformed SMTP URL or SMS webhook is a usage error, not a crash in a worker
        from userpool.server.delivery import build_sender

        build_sender(config, b"")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    prepare(config)
    if tls_self_signed:
        from userpool.server.tls import self_signed

        tls_cert, tls_key = self_signed(config.data_dir)
        typer.echo(f"self-signed certificate: {tls_cert}", err=True)
    os.environ.update(config.to_env())
    workers = workers or available_cores()
    if workers > 1:
        _metrics_dir(config.data_dir)
    typer.echo(f"userpool serving on {config.base_url} (data: {config.data_dir})", err=True)
    uvicorn.run(
        "userpool.server.app:create_app", factory=True, host=host, port=port, workers=workers,
        access_log=access_log, log_level="info", timeout_graceful_shutdown=5,
        ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None,
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9229,
    data_dir: Annotated[Path, typer.Option(help="Data directory of the demo server.")] = Path(".userpool-demo"),
    exit_after: Annotated[bool, typer.Option("--exit", help="Stop after the demo sign-in instead of serving on.")] = False,
) -> None:
    """Start a server with a ready demo pool, app client and user, sign in once, and keep serving."""
    from userpool.demo import run_demo

    _logging("WARNING")
    run_demo(port=port, data_dir=data_dir.resolve(), keep_serving=not exit_after)


@db_app.command("upgrade")
def db_upgrade(
    data_dir: Annotated[Path, typer.Option()] = Path(".userpool"),
    database: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Apply the schema migrations (Alembic) to the database."""
    from userpool.server.db import Database, sqlite_url

    data_dir.mkdir(parents=True, exist_ok=True)
    Database(database or sqlite_url(data_dir.resolve())).upgrade()
    typer.echo("database is at the latest schema")


def _database(data_dir: Path, database: str | None) -> Database:
    """An existing server's database. A command that reads (or acts on a pool of) a database
    never creates one: a mistyped or forgotten ``--data-dir`` would otherwise make an empty
    database where the command runs and answer from it ("no such pool", an empty CSV)."""
    from userpool.server.db import Database, sqlite_url

    if database is None and not (data_dir / "userpool.db").is_file():
        typer.echo(f"error: no userpool database in {data_dir.resolve()}; pass the server's --data-dir "
                   "(or --database for PostgreSQL)", err=True)
        raise typer.Exit(1)
    db = Database(database or sqlite_url(data_dir.resolve()))
    db.upgrade()
    return db


@users_app.command("import")
def users_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV in GetCSVHeader's format.")],
    pool: Annotated[str, typer.Option(help="User pool id.")],
    data_dir: Annotated[Path, typer.Option()] = Path(".userpool"),
    database: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Import users from a CSV as an import job (status RESET_REQUIRED, as Cognito's import)."""
    from userpool.server.import_jobs.cli import import_file

    result = import_file(_database(data_dir, database), pool, file)
    raise typer.Exit(0 if result.status == "Succeeded" else 1)


@users_app.command("export")
def users_export(
    pool: Annotated[str, typer.Option(help="User pool id.")],
    out: Annotated[Path | None, typer.Option(help="CSV file to write (default: standard output).")] = None,
    data_dir: Annotated[Path, typer.Option()] = Path(".userpool"),
    database: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Export a pool's users as a CSV that `userpool users import` (and Cognito) read back."""
    from userpool.server.import_jobs.cli import export_pool

    export_pool(_database(data_dir, database), pool, out)


def _rate_limits(spec: str) -> str:
    from userpool.server import ratelimit

    if spec not in ratelimit.MODES:
        spec = str(Path(spec).resolve())
    try:
        ratelimit.parse(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rate-limits") from None
    return spec


# ------------------------------------------------------------------ keys (logic: server/keyadmin.py)

keys_app = typer.Typer(help="Signing-key rotation per pool and master-key rotation.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
DataDir = Annotated[Path, typer.Option(help="The server's data directory.")]
DatabaseUrl = Annotated[str | None, typer.Option(help="Database URL (default: SQLite in the data dir).")]


def _date(epoch: float) -> str:
    """A stored time as an ISO 8601 UTC date (``2026-12-02T15:04:05Z``)."""
    import datetime

    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_admin(data_dir: Path, database: str | None, action: object) -> None:
    import time

    from userpool.server.keyadmin import KeyAdminError
    from userpool.server.sealing import Sealer, load_master_key

    db = _database(data_dir, database)
    try:
        with db.transaction() as session:
            action(session, Sealer(load_master_key(data_dir.resolve())), time.time())  # type: ignore[operator]
    except KeyAdminError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@keys_app.command("list")
def keys_list(pool: Annotated[str, typer.Option(help="User pool id.")], data_dir: DataDir = Path(".userpool"), database: DatabaseUrl = None) -> None:
    """The pool's signing keys: kid, status, created, retire-after."""
    from userpool.server import keyadmin

    def run(db: Any, sealer: Any, now: float) -> None:
        typer.echo("KID\tSTATUS\tCREATED\tRETIRE AFTER")
        for k in keyadmin.list_keys(db, pool):
            typer.echo(f"{k.kid}\t{k.status}\t{_date(k.created_at)}\t{_date(k.retire_after) if k.retire_after else '-'}")

    _key_admin(data_dir, database, run)


@keys_app.command("rotate")
def keys_rotate(pool: Annotated[str, typer.Option(help="User pool id.")], data_dir: DataDir = Path(".userpool"), database: DatabaseUrl = None) -> None:
    """Step 1: publish a new signing key in the pool's JWKS (it signs after `keys activate`)."""
    from userpool.server import keyadmin

    def run(db: Any, sealer: Any, now: float) -> None:
        key = keyadmin.rotate(db, sealer, pool, now)
        typer.echo(f"published {key.kid}; run `userpool keys activate --pool {pool}` in {keyadmin.PUBLISH_BEFORE_ACTIVATE} s or later")

    _key_admin(data_dir, database, run)


@keys_app.command("activate")
def keys_activate(
    pool: Annotated[str, typer.Option(help="User pool id.")],
    kid: Annotated[str | None, typer.Option(help="The published key to activate (default: the newest).")] = None,
    force: Annotated[bool, typer.Option(help="Activate even if verifiers may not have refetched the JWKS yet.")] = False,
    data_dir: DataDir = Path(".userpool"),
    database: DatabaseUrl = None,
) -> None:
    """Step 2: the published key signs from now on; the previous key verifies until its tokens expire."""
    from userpool.server import keyadmin

    def run(db: Any, sealer: Any, now: float) -> None:
        key, retired = keyadmin.activate(db, pool, now, kid=kid, force=force)
        typer.echo(f"active {key.kid}; retired {', '.join(retired) or 'none'}")

    _key_admin(data_dir, database, run)


@keys_app.command("rotate-master")
def keys_rotate_master(data_dir: DataDir = Path(".userpool"), database: DatabaseUrl = None) -> None:
    """Re-encrypt every sealed secret under a new master key (stop the servers first)."""
    from userpool.server.keyadmin import KeyAdminError, rotate_master

    try:
        result = rotate_master(data_dir.resolve(), database)
    except KeyAdminError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    total = sum(result.counts.values())
    if result.key_file is None:
        typer.echo(f"re-encrypted {total} values; set this in every server's environment:", err=True)
        typer.echo(f"USERPOOL_MASTER_KEY={result.new_key}")
    else:
        typer.echo(f"re-encrypted {total} values; new master key in {result.key_file}")


client_commands(app)  # the client's commands: login, token, whoami, logout


def main() -> None:
    app()


if __name__ == "__main__":
    main()
