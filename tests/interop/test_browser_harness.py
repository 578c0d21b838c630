"""The browser harness itself, on pages ``userpool serve`` has always served: Debian's Chromium
opens the pool's OIDC discovery document and JWKS, fills and submits a form, follows a redirect,
and its screenshots show what a person would see (and a blank one is caught)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.interop.browser import Chromium, Shot, look

pytestmark = pytest.mark.interop


def test_discovery_document_in_chromium(chromium: Chromium, pool: dict[str, Any]) -> None:
    url = f"{pool['issuer']}/.well-known/openid-configuration"
    page = chromium.goto(url)
    assert page["status"] == 200
    assert json.loads(page["text"]) == httpx.get(url).json()
    look(chromium.screenshot("discovery"), f'"issuer":"{pool["issuer"]}"', '"jwks_uri"')


def test_jwks_in_chromium(chromium: Chromium, pool: dict[str, Any]) -> None:
    page = chromium.goto(pool["jwks_uri"])
    keys = json.loads(page["text"])["keys"]
    assert keys and keys == httpx.get(pool["jwks_uri"]).json()["keys"]
    look(chromium.screenshot("jwks"), keys[0]["kid"], '"alg":"RS256"')


@pytest.fixture
def form_site(pool: dict[str, Any]) -> Iterator[str]:
    """A page with a form whose POST answers 302 to the pool's discovery document when the typed
    name is right (and 400 otherwise): fill, click and redirect, as a sign-in page does."""

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'<!doctype html><title>Form</title><form method="post" action="/go"><label>Name <input name="who"></label><button id="send">Send</button></form>'
            self._send(200, body, "text/html")

        def do_POST(self) -> None:
            fields = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
            if fields.get("who") == ["ada"]:
                self.send_response(302)
                self.send_header("Location", f"{pool['issuer']}/.well-known/openid-configuration")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(400, b"<!doctype html><title>No</title><p>wrong name</p>", "text/html")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fill_submit_and_follow_a_redirect(chromium: Chromium, form_site: str, pool: dict[str, Any]) -> None:
    target = f"{pool['issuer']}/.well-known/openid-configuration"
    chromium.goto(form_site)
    look(chromium.screenshot("form"), "Name")
    chromium.fill("input[name=who]", "ada")
    page = chromium.click("#send")
    assert [(n["status"], n["location"]) for n in page["navigations"]] == [(302, target), (200, None)]
    assert page["url"] == target
    assert json.loads(page["text"])["issuer"] == pool["issuer"]

    chromium.goto(form_site)
    chromium.fill("input[name=who]", "bob")
    refused = chromium.click("#send")
    assert refused["navigations"][-1]["status"] == 400 and "wrong name" in refused["text"]


def test_blank_screenshot_is_caught(chromium: Chromium) -> None:
    chromium.goto("about:blank")
    shot: Shot = chromium.screenshot("blank")
    with pytest.raises(AssertionError, match="blank"):
        look(shot)
