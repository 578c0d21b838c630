"""Shared pieces of the hardening suite: raw wire calls (signed or not) over keep-alive
clients, the check that an answer is Cognito-shaped, SQLite integrity, and the results file
that docs/SECURITY.md quotes (``tests/hardening/.results/*.json``)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import REGION, RunningServer

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
RESULTS_DIR = Path(__file__).resolve().parent / ".results"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def record(name: str, figures: dict[str, Any]) -> Path:
    """Write (merge) figures into ``.results/<name>.json`` with the date and machine."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    try:
        current = json.loads(path.read_text())
    except (OSError, ValueError):
        current = {}
    current.update(figures)
    current["recorded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    current["machine"] = {"cpus": os.cpu_count()}
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    return path


def sign(
    url: str, op: str, content: bytes, key: str, secret: str, *, region: str = REGION, when: datetime | None = None
) -> dict[str, str]:
    """SigV4 headers for one call, made by botocore's signer (as boto3 would)."""
    request = AWSRequest(
        method="POST", url=url + "/", data=content, headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + op}
    )
    signer = SigV4Auth(Credentials(key, secret), "cognito-idp", region)
    request.context["timestamp"] = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    signer._modify_request_before_signing(request)
    signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    signer._inject_signature_to_request(request, signature)
    return dict(request.headers.items())


class Wire:
    """Raw calls to one server over one keep-alive client per thread."""

    def __init__(self, server: RunningServer, timeout: float = 30.0) -> None:
        self.server = server
        self.url = server.url
        self.key, self.secret = server.credentials()
        self.timeout = timeout
        self._local = threading.local()

    @property
    def http(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=self.timeout, limits=httpx.Limits(max_keepalive_connections=4))
            self._local.client = client
        return client

    def post(self, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(self.url + "/", content=content, headers=headers)

    def post_chunked(self, chunks: Iterator[bytes], headers: dict[str, str]) -> httpx.Response:
        """The body as chunked transfer encoding: no Content-Length for the server to check first."""
        return self.http.post(self.url + "/", content=chunks, headers=headers)

    def call(self, op: str, body: dict[str, Any] | bytes, *, signed: bool = False, headers: dict[str, str] | None = None) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        base = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + op}
        if signed:
            base = sign(self.url, op, content, self.key, self.secret)
        return self.post(content, {**base, **(headers or {})})

    def ok(self, op: str, body: dict[str, Any], *, signed: bool = False) -> dict[str, Any]:
        r = self.call(op, body, signed=signed)
        assert r.status_code == 200, f"{op}: {r.status_code} {r.text[:500]}"
        out: dict[str, Any] = r.json()
        return out


def shape_problem(r: httpx.Response) -> str | None:
    """Why an answer is not what Cognito's clients can parse, or None when it is.

    2xx: a JSON object. 4xx: JSON ``{"__type", "message"}`` and ``x-amzn-ErrorType`` naming the
    same error. Anything else (5xx, HTML, empty) is a problem.
    """
    if r.status_code >= 500:
        return f"HTTP {r.status_code}: {r.text[:300]}"
    try:
        body = r.json()
    except ValueError:
        return f"HTTP {r.status_code} with a body that is not JSON: {r.text[:200]!r}"
    if not isinstance(body, dict):
        return f"HTTP {r.status_code} with JSON that is not an object"
    if 200 <= r.status_code < 300:
        return None
    if not 400 <= r.status_code < 500:
        return f"unexpected HTTP {r.status_code}"
    name = body.get("__type")
    if not isinstance(name, str) or not name.endswith("Exception"):
        return f"4xx without a Cognito error name: {body}"
    if not isinstance(body.get("message"), str):
        return f"4xx without a message: {body}"
    if r.headers.get("x-amzn-ErrorType") != name:
        return f"x-amzn-ErrorType {r.headers.get('x-amzn-ErrorType')!r} != __type {name!r}"
    return None


def integrity(server: RunningServer) -> str:
    """``PRAGMA integrity_check`` of the server's SQLite database (read-only connection)."""
    conn = sqlite3.connect(f"file:{server.data_dir / 'userpool.db'}?mode=ro", uri=True, timeout=30)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def internal_errors(server: RunningServer) -> list[str]:
    """Lines of the server's log that report an internal fault."""
    if not server.log_path.exists():
        return []
    return [line for line in server.log_path.read_text(errors="replace").splitlines() if "internal error" in line or "Traceback" in line]


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 1)
