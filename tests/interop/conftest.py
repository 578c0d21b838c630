"""Interop fixtures: run the real JavaScript clients (tests/interop/node) against a running
``userpool serve``, through a recording proxy that shows which operations reached the server.

The Node packages are installed by ``scripts/install --tests`` (``npm ci`` in tests/interop/node).
Without them every interop test fails (never skips): CI must prove interop.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.interop.managed_login import TlsServer

NODE_DIR = Path(__file__).parent / "node"
NODE_PACKAGES = ["aws-amplify", "aws-amplify-6153", "amazon-cognito-identity-js", "aws-jwt-verify"]
NODE_TIMEOUT = 90
INSTALL_HINT = "run `scripts/install --tests` (it runs `npm ci` in tests/interop/node)"


def build_amplify_page(app: str, outdir: Path, config: dict[str, Any]) -> None:
    """Bundle the Amplify test app ``node/<app>/`` (page.mjs, page.html) into ``outdir`` with its
    configuration, through node/lib/build_page.mjs (esbuild)."""
    proc = subprocess.run(["node", "lib/build_page.mjs", app, str(outdir), json.dumps(config)], cwd=NODE_DIR,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


def node_ready() -> None:
    """Fail (not skip) with a clear message when Node or the pinned packages are missing."""
    if shutil.which("node") is None:
        pytest.fail(f"interop tests need Node 20 on PATH; install it, then {INSTALL_HINT}", pytrace=False)
    missing = [p for p in NODE_PACKAGES if not (NODE_DIR / "node_modules" / p / "package.json").is_file()]
    if missing:
        pytest.fail(f"interop Node packages missing ({', '.join(missing)}): {INSTALL_HINT}", pytrace=False)


def run_node(
    script: str, config: dict[str, Any], *, expect_ok: bool = True, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``node <script> <config JSON>``; return its JSON result (fails the test on a script failure)."""
    node_ready()
    proc = subprocess.run(
        ["node", script, json.dumps(config)],
        check=False,
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        env={**os.environ, "NODE_NO_WARNINGS": "1", **(env or {})},
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"{script} printed no JSON result (exit {proc.returncode})\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-4000:]}")
    if expect_ok and (proc.returncode != 0 or not result.get("ok")):
        pytest.fail(f"{script} failed (exit {proc.returncode}): {json.dumps(result, indent=1)[-6000:]}\nstderr: {proc.stderr[-3000:]}")
    return dict(result)


# --- a recording proxy --------------------------------------------------------------------------


@dataclass
class Call:
    op: str
    request: dict[str, Any]
    status: int
    error: str | None
    response: dict[str, Any] | None = None  # the JSON answer (None when it was not JSON)


@dataclass
class Wire:
    """A reverse proxy in front of the server that records every ``X-Amz-Target`` call (request and answer)."""

    upstream: str
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    def ops(self) -> list[str]:
        return [c.op for c in self.calls]

    def find(self, op: str) -> list[Call]:
        return [c for c in self.calls if c.op == op]

    def clear(self) -> None:
        self.calls.clear()


def _handler(wire: Wire, client: httpx.Client, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
            resp = client.request(self.command, wire.upstream + self.path, content=body, headers=headers)
            target = self.headers.get("x-amz-target")
            if target:
                try:
                    request = json.loads(body or b"{}")
                except ValueError:
                    request = {"_raw": body.decode("utf-8", "replace")}
                try:
                    answer = resp.json()
                except ValueError:
                    answer = None
                with lock:
                    wire.calls.append(Call(
                        target.rsplit(".", 1)[-1], request, resp.status_code, resp.headers.get("x-amzn-errortype"),
                        answer if isinstance(answer, dict) else None,
                    ))
            self.send_response(resp.status_code)
            for name, value in resp.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "content-encoding", "date", "server"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(resp.content)))
            self.end_headers()
            self.wfile.write(resp.content)

        do_GET = do_POST = do_OPTIONS = _forward

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
            pass

    return Proxy


@pytest.fixture
def wire(server: RunningServer) -> Iterator[Wire]:
    """A fresh recording proxy in front of the shared server; point clients at ``wire.url``."""
    recorder = Wire(upstream=server.url)
    with httpx.Client(timeout=30) as client:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder, client, threading.Lock()))
        httpd.daemon_threads = True
        recorder.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield recorder
        finally:
            httpd.shutdown()
            httpd.server_close()


# --- helpers the tests share --------------------------------------------------------------------


@pytest.fixture(scope="session")
def aws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A second server issuing ``https://cognito-idp.<region>.amazonaws.com/<poolId>`` as ``iss``
    (aws-jwt-verify's Cognito verifier derives the issuer from the pool id)."""
    srv = RunningServer(tmp_path_factory.mktemp("userpool-aws-issuer"), "--issuer-style", "aws")
    srv.start()
    yield srv
    srv.stop()


def node_config(server: RunningServer, pool: dict[str, Any], endpoint: str, **extra: Any) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "poolId": pool["pool_id"],
        "clientId": pool["client_id"],
        "outbox": str(server.data_dir / "outbox.jsonl"),
        **extra,
    }


def step(result: dict[str, Any], index: int, name: str | None = None) -> Any:
    """The value of step ``index`` of a script result, checking that it succeeded."""
    entry = result["steps"][index]
    if name is not None:
        assert entry["do"] == name, entry
    assert entry["ok"], f"step {index} ({entry['do']}) failed: {entry.get('error')}"
    return entry["value"]


def step_error(result: dict[str, Any], index: int) -> dict[str, Any]:
    entry = result["steps"][index]
    assert not entry["ok"], f"step {index} ({entry['do']}) should have failed: {entry.get('value')}"
    return dict(entry["error"])


# --- a real browser (tests/interop/browser.py) ---------------------------------------------------


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    """A fresh headless Chromium (Debian's, via playwright-core); screenshots land in tmp_path."""
    from tests.interop.browser import Chromium

    browser = Chromium(tmp_path)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def chromium_tls(tmp_path: Path) -> Iterator[Any]:
    """A fresh headless Chromium that accepts the tests' self-signed certificates."""
    from tests.interop.browser import Chromium

    browser = Chromium(tmp_path, ignore_https_errors=True)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """``userpool serve`` over TLS (managed login: Amplify only speaks https to its domain)."""
    srv = TlsServer(tmp_path_factory.mktemp("userpool-tls"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def relying_party(tls_server: TlsServer) -> Iterator[Any]:
    """An app's callback and sign-out URLs on https://localhost:PORT, recording where the browser lands."""
    from tests.interop.managed_login import RelyingParty

    app = RelyingParty(tls_server.cert, tls_server.key)
    try:
        yield app
    finally:
        app.close()
