"""Managed-login fixtures for the relying-party and browser tests: a ``userpool serve`` over TLS
(its self-signed certificate trusted explicitly by httpx, Node and the static app server; Chromium
is told to accept it), pools with a domain and an OAuth app client, and a small HTTPS static site
for the Amplify page."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore import UNSIGNED
from botocore.config import Config

from tests.conftest import PASSWORD, REGION, RunningServer, create_pool
from userpool.server.tls import self_signed

OPENID_SCOPES = ["openid", "email", "profile"]


class TlsServer(RunningServer):
    """``userpool serve --tls-cert --tls-key`` with a self-signed certificate for localhost and
    127.0.0.1 (made before the start so that clients can trust exactly it)."""

    def __init__(self, data_dir: Path, *extra_args: str) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.cert, self.key = self_signed(data_dir)
        super().__init__(data_dir, *extra_args, "--tls-cert", str(self.cert), "--tls-key", str(self.key))

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """The managed-login domain as Amplify is given it (host:port; it adds https://). The apps in
        the tests live on https://localhost:PORT: another site, as a real app is to its login domain."""
        return f"127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        return httpx.Client(verify=ssl.create_default_context(cafile=str(self.cert)), timeout=30)

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server process writes it for its whole life
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "userpool", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env},
        )
        deadline = time.time() + 60
        with self.client() as http:
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"userpool serve exited: {self.log_path.read_text()[-3000:]}")
                try:
                    if http.get(self.url + "/", timeout=1).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError("userpool serve (TLS) did not come up")

    @property
    def admin(self) -> Any:
        """boto3 signed with the admin credentials, trusting exactly this server's certificate."""
        if self._admin is None:
            key, secret = self.credentials()
            self._admin = boto3.client(
                "cognito-idp", region_name=REGION, endpoint_url=self.url, aws_access_key_id=key,
                aws_secret_access_key=secret, verify=str(self.cert), config=Config(retries={"max_attempts": 1}),
            )
        return self._admin

    @property
    def public(self) -> Any:
        """boto3 that signs nothing (as an app calls), trusting exactly this server's certificate."""
        if self._public is None:
            self._public = boto3.client(
                "cognito-idp", region_name=REGION, endpoint_url=self.url, verify=str(self.cert),
                config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
            )
        return self._public


def hosted_pool(
    server: RunningServer,
    *,
    callback: str | list[str],
    logout: str | None = None,
    secret: bool = False,
    flows: tuple[str, ...] = ("code",),
    scopes: list[str] | None = None,
    resource_server: dict[str, Any] | None = None,
    **pool_args: Any,
) -> dict[str, Any]:
    """A pool with a managed-login domain, an optional resource server, and an OAuth app client."""
    admin = server.admin
    client_args: dict[str, Any] = {
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": list(flows),
        "AllowedOAuthScopes": scopes or OPENID_SCOPES,
        "CallbackURLs": [callback] if isinstance(callback, str) else callback,
        "SupportedIdentityProviders": ["COGNITO"],
        "GenerateSecret": secret,
        # the hosted page signs in with the password; userpool asks the client to allow that flow
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }
    if logout:
        client_args["LogoutURLs"] = [logout]
    pool_args.setdefault("PoolName", f"hosted-{uuid.uuid4().hex[:8]}")
    # the resource server must exist before a client may name its scopes: make the pool first
    pool = create_pool(server, **pool_args, client_args={"ClientName": "bootstrap"})
    if resource_server:
        admin.create_resource_server(UserPoolId=pool["pool_id"], **resource_server)
    client = admin.create_user_pool_client(UserPoolId=pool["pool_id"], ClientName="relying-party", **client_args)["UserPoolClient"]
    domain = f"login-{uuid.uuid4().hex[:10]}"
    admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=domain)
    return {**pool, "bootstrap_client_id": pool["client_id"], "client_id": client["ClientId"], "client_secret": client.get("ClientSecret"), "domain": domain,
            "callback": callback if isinstance(callback, str) else callback[0], "logout": logout}


def make_hosted_user(server: RunningServer, pool: dict[str, Any], username: str | None = None, password: str = PASSWORD) -> str:
    username = username or f"person-{uuid.uuid4().hex[:8]}"
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=password, Permanent=True)
    return username


class RelyingParty:
    """An app's redirect URIs on https://localhost:PORT: it records every request the browser is sent
    to (the code and state a real app would read) and answers with a small page."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/favicon.ico":  # the browser's own request, not the login's redirect
                    self.send_error(404)
                    return
                site.hits.append(site.origin + self.path)
                body = b"<!doctype html><title>Relying party</title><h1>Back at the app</h1><p>callback received</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = _tls_server(Handler, cert, key)
        self.origin = f"https://localhost:{self.httpd.server_address[1]}"
        self.callback = self.origin + "/callback"
        self.signed_out = self.origin + "/signed-out"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _tls_server(handler: Any, cert: Path, key: Path) -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def https_site(root: Path, cert: Path, key: Path) -> Iterator[str]:
    """Serve ``root`` over HTTPS on a free loopback port (https://localhost:PORT) until closed."""
    httpd = _tls_server(partial(_Quiet, directory=str(root)), cert, key)
    try:
        yield f"https://localhost:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
