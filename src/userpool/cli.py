"""The ``userpool`` command: ``serve``, ``demo``, ``db upgrade``, and the client's commands."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="userpool: a Cognito-compatible user pool, its Python client and verifier.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9229,
    data_dir: Annotated[Path, typer.Option(help="Where the SQLite database, keys and outbox live.")] = Path(".userpool"),
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite in the data dir).")] = None,
    region: Annotated[str, typer.Option(help="Region for pools created without a signed region.")] = "us-east-1",
    issuer_style: Annotated[str, typer.Option(help="'self': <public-url>/<poolId>; 'aws': Cognito's issuer URL.")] = "self",
    public_url: Annotated[str | None, typer.Option(help="The URL clients reach this server at.")] = None,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL for more than one).")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request line.")] = False,
) -> None:
    """Run the user pool server (Cognito's JSON wire API on POST /)."""
    import uvicorn

    from userpool.server.bootstrap import prepare
    from userpool.server.config import ServerConfig

    if issuer_style not in ("self", "aws"):
        raise typer.BadParameter("--issuer-style must be 'self' or 'aws'")
    if workers > 1 and not (database or "").startswith("postgresql"):
        raise typer.BadParameter("--workers above 1 needs --database postgresql://...")
    _logging()
    config = ServerConfig(
        data_dir=data_dir.resolve(), database_url=database, host=host, port=port, region=region,
        issuer_style=issuer_style, public_url=public_url,
    )
    prepare(config)
    os.environ.update(config.to_env())
    typer.echo(f"userpool serving on {config.base_url} (data: {config.data_dir})", err=True)
    uvicorn.run(
        "userpool.server.app:create_app", factory=True, host=host, port=port, workers=workers,
        access_log=access_log, log_level="info", timeout_graceful_shutdown=5,
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


try:  # the client's commands: login, token, whoami, logout
    from userpool.cli_client import client_commands
except ImportError:  # pragma: no cover - only while the client is not installed
    pass
else:
    client_commands(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
