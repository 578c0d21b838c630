"""``userpool serve`` over TLS: a self-signed certificate for local development, or a given
one; the discovery document, cookies and the whole code flow then use https."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.server.oauth_helpers import Browser, Page, oauth_pool, redirect_params


class TlsServer(RunningServer):
    """A server started with TLS options; ready once it answers https with its certificate."""

    def __init__(self, data_dir: Path, cert: Path, *args: str) -> None:
        super().__init__(data_dir, *args)
        self.cert = cert

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server process writes it for its whole life
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "userpool", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
             *self.extra_args], stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log_path.read_text()[-3000:])
            if self.cert.exists():
                try:
                    if httpx.get(self.url + "/", verify=self.verify, timeout=1).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        raise RuntimeError("userpool serve (TLS) did not come up")

    @property
    def admin(self) -> Any:
        if self._admin is None:
            import boto3
            from botocore.config import Config

            key, secret = self.credentials()
            self._admin = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=self.url,
                                       aws_access_key_id=key, aws_secret_access_key=secret, verify=str(self.cert),
                                       config=Config(retries={"max_attempts": 1}))
        return self._admin


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    data = tmp_path_factory.mktemp("userpool-tls")
    srv = TlsServer(data, data / "tls-cert.pem", "--tls-self-signed", "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()


def test_code_flow_over_tls_with_secure_cookies(tls_server: TlsServer) -> None:
    pool = oauth_pool(tls_server)
    username = "tls-user"
    tls_server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    tls_server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password="Passw0rd!",
                                             Permanent=True)
    doc = httpx.get(f"{tls_server.url}/{pool['pool_id']}/.well-known/openid-configuration", verify=tls_server.verify).json()
    assert doc["authorization_endpoint"] == f"{tls_server.url}/oauth2/authorize"
    assert doc["issuer"] == f"{tls_server.url}/{pool['pool_id']}"
    browser = Browser(tls_server, verify=tls_server.verify)
    try:
        login = browser.authorize(pool)
        assert isinstance(login, Page) and login.status == 200
        assert "secure" in login.response.headers["set-cookie"].lower()
        landed = browser.follow_to_app(browser.submit(login.form, username=username, password="Passw0rd!"))
        assert isinstance(landed, httpx.Response)
        session_cookie = next(v for v in landed.headers.get_list("set-cookie") if v.startswith(f"cognito-{pool['pool_id']}="))
        assert all(flag in session_cookie.lower() for flag in ("secure", "httponly", "samesite=lax"))
        params = redirect_params(landed)
    finally:
        browser.close()
    r = httpx.post(tls_server.url + "/oauth2/token", verify=tls_server.verify,
                   data={"grant_type": "authorization_code", "client_id": pool["client_id"], "code": params["code"],
                         "redirect_uri": "https://app.example.com/callback"})
    assert r.status_code == 200 and r.json()["access_token"]


def test_given_certificate_and_key(tls_server: TlsServer, tmp_path: Path) -> None:
    cert, key = tls_server.data_dir / "tls-cert.pem", tls_server.data_dir / "tls-key.pem"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    srv = TlsServer(tmp_path / "given", cert, "--tls-cert", str(cert), "--tls-key", str(key), "--rate-limits", "off")
    srv.start()
    try:
        assert httpx.get(srv.url + "/", verify=srv.verify).json()["status"] == "ok"
        assert not (srv.data_dir / "tls-cert.pem").exists()  # nothing generated when a certificate is given
    finally:
        srv.stop()


@pytest.mark.parametrize("args", [["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.pem"],
                                  ["--tls-cert", "/etc/hostname"], ["--tls-self-signed", "--tls-cert", "x", "--tls-key", "y"]])
def test_bad_tls_options_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "userpool", "serve", "--data-dir", str(tmp_path), *args],
                       capture_output=True, text=True, timeout=60, check=False, env={**os.environ, "COLUMNS": "300"})
    assert r.returncode == 2 and "tls" in r.stderr.lower()
