"""Shared fixtures: a real ``userpool serve`` process on a free loopback port, driven over
HTTP by real clients (boto3 here; pycognito, Node's Amplify and our own client elsewhere)."""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore import UNSIGNED
from botocore.config import Config

REGION = "us-east-1"
ALL_FLOWS = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
]
PASSWORD = "Passw0rd!"

# Lambda-style trigger handlers in tests/triggers are named ``python:tests.triggers.<module>:<fn>``
# in LambdaConfig; every server subprocess (they inherit this environment) must import them.
_REPO = str(Path(__file__).resolve().parent.parent)
if _REPO not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), _REPO) if p)


# `userpool serve` runs one process per core by default; test servers run one (lean on CI's two
# cores, and kill() stops the whole server). tests/server/test_sqlite_workers.py runs several.
os.environ.setdefault("USERPOOL_WORKERS", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    """A ``userpool serve`` subprocess; restartable and killable, keeping its data dir."""

    def __init__(self, data_dir: Path, *extra_args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.extra_args = list(extra_args)
        if "--rate-limits" not in self.extra_args:
            # Suites sign the same users in many times a minute, far above the default guessing
            # limits; tests/hardening/test_rate_limits.py starts servers with limits.
            self.extra_args += ["--rate-limits", "off"]
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"
        self._admin: Any = None
        self._public: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server process writes it for its whole life
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "userpool", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), *self.extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"userpool serve exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("userpool serve did not come up")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def credentials(self) -> tuple[str, str]:
        parser = configparser.ConfigParser()
        parser.read(self.data_dir / "admin-credentials")
        section = parser["default"]
        return section["aws_access_key_id"], section["aws_secret_access_key"]

    @property
    def admin(self) -> Any:
        """boto3 cognito-idp client signed with the server's admin credentials."""
        if self._admin is None:
            key, secret = self.credentials()
            self._admin = boto3.client(
                "cognito-idp", region_name=REGION, endpoint_url=self.url, aws_access_key_id=key, aws_secret_access_key=secret,
                config=Config(retries={"max_attempts": 1}),
            )
        return self._admin

    @property
    def public(self) -> Any:
        """boto3 cognito-idp client that signs nothing, as a browser or app would call."""
        if self._public is None:
            self._public = boto3.client(
                "cognito-idp", region_name=REGION, endpoint_url=self.url,
                config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
            )
        return self._public

    def outbox(self) -> list[dict[str, Any]]:
        path = self.data_dir / "outbox.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def last_code(self, username: str, kind: str | None = None) -> str:
        for msg in reversed(self.outbox()):
            if msg["username"] == username and (kind is None or msg["kind"] == kind):
                return str(msg["code"])
        raise LookupError(f"no message for {username}")

    def call(self, op: str, body: dict[str, Any] | bytes | str, headers: dict[str, str] | None = None) -> httpx.Response:
        """A raw, unsigned wire call (for malformed-input tests)."""
        content = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return httpx.post(
            self.url + "/",
            content=content,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{op}",
                **(headers or {}),
            },
            timeout=30,
        )

    @property
    def database_url(self) -> str | None:
        """The ``--database`` URL this server was started with (None: SQLite in the data dir)."""
        args = self.extra_args
        return args[args.index("--database") + 1] if "--database" in args else None

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read committed state directly (``?`` placeholders, on SQLite or PostgreSQL)."""
        url = self.database_url
        if url:
            import psycopg

            with psycopg.connect(url, autocommit=True) as pg:
                return [tuple(r) for r in pg.execute(sql.replace("?", "%s"), params).fetchall()]
        conn = sqlite3.connect(f"file:{self.data_dir / 'userpool.db'}?mode=ro", uri=True, timeout=30)
        try:
            return list(conn.execute(sql, params).fetchall())
        finally:
            conn.close()

    def execute(self, sql: str, *params: Any) -> int:
        """A direct write (test setup only); returns the number of rows changed."""
        url = self.database_url
        if url:
            import psycopg

            with psycopg.connect(url, autocommit=True) as pg:
                return int(pg.execute(sql.replace("?", "%s"), params).rowcount)
        conn = sqlite3.connect(self.data_dir / "userpool.db", timeout=30)
        try:
            with conn:
                return conn.execute(sql, params).rowcount
        finally:
            conn.close()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, read through a separate connection (committed state)."""
        if self.database_url:
            tables = [r[0] for r in self.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")]
            return {t: sorted(self.query(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
        conn = sqlite3.connect(f"file:{self.data_dir / 'userpool.db'}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        finally:
            conn.close()


# USERPOOL_TEST_DATABASE=postgres runs the session server (and so tests/server) on PostgreSQL.
TEST_DATABASE = os.environ.get("USERPOOL_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    args = ["--database", new_pg_database(request.getfixturevalue("postgres_url"))] if TEST_DATABASE == "postgres" else []
    srv = RunningServer(tmp_path_factory.mktemp("userpool-server"), *args)
    srv.start()
    yield srv
    srv.stop()


def create_pool(server: RunningServer, **pool_args: Any) -> dict[str, Any]:
    client_args = pool_args.pop("client_args", {})
    admin = server.admin
    pool_args.setdefault("PoolName", f"pool-{uuid.uuid4().hex[:8]}")
    pool_args.setdefault("AutoVerifiedAttributes", ["email"])
    pool_id = admin.create_user_pool(**pool_args)["UserPool"]["Id"]
    client_args.setdefault("ClientName", "app")
    client_args.setdefault("ExplicitAuthFlows", ALL_FLOWS)
    client = admin.create_user_pool_client(UserPoolId=pool_id, **client_args)["UserPoolClient"]
    issuer = f"{server.url}/{pool_id}"
    return {
        "pool_id": pool_id,
        "client_id": client["ClientId"],
        "client_secret": client.get("ClientSecret"),
        "region": pool_id.split("_")[0],
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
    }


@pytest.fixture
def pool(server: RunningServer) -> dict[str, Any]:
    """A fresh pool (email auto-verified) and an app client without a secret, all flows allowed."""
    return create_pool(server)


@pytest.fixture
def make_user(server: RunningServer) -> Callable[..., str]:
    def make(
        pool: dict[str, Any],
        username: str | None = None,
        password: str = PASSWORD,
        attributes: dict[str, str] | None = None,
        groups: list[str] | None = None,
    ) -> str:
        username = username or f"user-{uuid.uuid4().hex[:8]}"
        attrs = {"email": f"{username}@example.com", "email_verified": "true", **(attributes or {})}
        server.admin.admin_create_user(
            UserPoolId=pool["pool_id"],
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
        )
        server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=password, Permanent=True)
        for group in groups or []:
            with contextlib.suppress(server.admin.exceptions.GroupExistsException):
                server.admin.create_group(UserPoolId=pool["pool_id"], GroupName=group)
            server.admin.admin_add_user_to_group(UserPoolId=pool["pool_id"], Username=username, GroupName=group)
        return username

    return make


@pytest.fixture
def user(pool: dict[str, Any], make_user: Callable[..., str]) -> str:
    return make_user(pool)


@pytest.fixture
def sign_in(server: RunningServer) -> Callable[..., dict[str, Any]]:
    """USER_PASSWORD_AUTH through boto3; returns the AuthenticationResult."""

    def do(pool: dict[str, Any], username: str, password: str = PASSWORD) -> dict[str, Any]:
        r = server.public.initiate_auth(
            ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}
        )
        return dict(r["AuthenticationResult"])

    return do


# ------------------------------------------------------------------ PostgreSQL

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server: ``USERPOOL_TEST_POSTGRES_URL`` if given, else a throwaway cluster
    started by ``scripts/postgres`` (which installs Debian's package when it is missing)."""
    given = os.environ.get("USERPOOL_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    import tempfile

    cluster = tempfile.mkdtemp(prefix="userpool-pg-")  # under /tmp: the postgres user must reach it
    script = str(ROOT / "scripts" / "postgres")
    url = subprocess.run([script, "start", cluster, str(free_port())], check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([script, "stop", cluster], check=False, capture_output=True)


@pytest.fixture
def pg_database(postgres_url: str) -> str:
    """A new, empty database on the test PostgreSQL server; its URL."""
    return new_pg_database(postgres_url)


def new_pg_database(postgres_url: str) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.rsplit("/", 1)[0] + "/" + name
