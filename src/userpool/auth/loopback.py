"""The desktop side of a redirect sign-in (RFC 8252): the system browser and a loopback listener.

A native app cannot receive a redirect to an https web page, so it registers
``http://127.0.0.1:PORT/callback`` (or ``localhost``) as its callback URL and listens there
while the user signs in in the system browser (§7.3; never an embedded web view, §8.12). The
listener binds the loopback interface only, answers exactly one GET on the redirect's path
with a short "you can close this window" page, and hands the URL it was called with to the
flow, which checks ``state`` and exchanges the code. Anything else (another path, another
method) is a 404 and does not end the wait.

``BrowserOpener`` is ``webbrowser.open``'s shape (honouring ``$BROWSER``); apps and tests give
their own (``AuthClient(browser_opener=...)``).
"""

from __future__ import annotations

import asyncio
import html
import socket
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from .errors import OAuthSignInException
from .flows.base import OpenAuthSession
from .state import BrowserOpener

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


def system_browser(url: str) -> bool:
    """``webbrowser.open``; when no browser can be started, the URL is printed to open by hand."""
    opened = webbrowser.open(url)
    if not opened:
        print(f"Open this URL in a browser to continue:\n  {url}", file=sys.stderr)
    return bool(opened)


def callback_page(query: str) -> bytes:
    """What the browser shows after the redirect: done, or the error the server sent."""
    params = parse_qs(query)
    if "error" in params:
        reason = (params.get("error_description") or params["error"])[0]
        body = _PAGE.format(title="Sign-in failed", text=html.escape(reason) + ". You can close this window.")
    else:
        body = _PAGE.format(title="Signed in", text="You can close this window and return to the application.")
    return body.encode()


class _Server(HTTPServer):
    callback: str | None = None
    path = "/"
    origin = ""
    done: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path or self.server.done.is_set():
            self._answer(404, b"Not found")
            return
        self._answer(200, callback_page(parts.query), "text/html; charset=utf-8")
        self.server.callback = self.server.origin + self.path
        self.server.done.set()

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the query holds the authorization code."""


def _bind(redirect_uri: str) -> tuple[_Server, str]:
    """A listener on the redirect's loopback address and port (0: a free one), and the URI it serves."""
    parts = urlsplit(redirect_uri)
    host = parts.hostname or "127.0.0.1"
    address = "::1" if host == "::1" else "127.0.0.1"  # localhost: the IPv4 loopback (RFC 8252 §8.3)

    class Server(_Server):
        address_family = socket.AF_INET6 if address == "::1" else socket.AF_INET

    try:
        server = Server((address, parts.port or 0), _Handler)
    except OSError as exc:
        raise OAuthSignInException(f"Cannot listen on {redirect_uri} for the browser's redirect: {exc}") from exc
    port = server.server_address[1]
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    server.path = parts.path or "/"
    server.origin = f"http://{netloc}"
    server.done = threading.Event()
    return server, urlunsplit(("http", netloc, parts.path or "/", "", ""))


class LoopbackSession:
    """One browser round trip: listen, open the URL, wait for the redirect (or not)."""

    def __init__(self, step: OpenAuthSession, opener: BrowserOpener | None = None) -> None:
        self.step = step
        self.opener = opener or system_browser

    def wait(self) -> tuple[str, str | None]:
        step = self.step
        if not step.wait:
            self._open(step.url(step.redirect_uri))
            return step.redirect_uri, None
        server, redirect_uri = _bind(step.redirect_uri)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            self._open(step.url(redirect_uri))
            if not server.done.wait(step.timeout) and step.required:
                raise OAuthSignInException(f"No redirect to {redirect_uri} came from the browser within {step.timeout:g} s.")
            return redirect_uri, server.callback
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    async def wait_async(self) -> tuple[str, str | None]:
        """``wait`` in a worker thread: the browser and the listener never block the event loop."""
        return await asyncio.to_thread(self.wait)

    def _open(self, url: str) -> None:
        try:
            self.opener(url)
        except Exception as exc:  # an opener's failure is the flow's failure, in the flow's terms
            raise OAuthSignInException(f"Cannot open the browser: {exc}") from exc
