"""The verifier's only I/O: GET a JSON document, POST a Cognito call. Sync and async.

Kept to the bare minimum so that everything else stays pure. Both drivers share
:func:`_answer` (status, size limit, JSON) and differ only in how bytes arrive. Redirects
are not followed: a JWKS URI that redirects elsewhere is a configuration to fix, not one
to trust silently. The URL policy (https, or http only for loopback) lives here too,
matching aws-jwt-verify's refusal of ``http://`` JWKS URIs while still letting a
self-hosted server on ``127.0.0.1`` be used in development and tests.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from userpool._loopback import is_loopback_host
from userpool.verify.errors import VerifierConfigError

#: A JWKS or discovery document is a few KiB; refuse to buffer anything silly.
MAX_DOCUMENT_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 5.0


class FetchFailed(Exception):
    """An HTTP exchange failed; the message is safe to show to a developer."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: Any  # parsed JSON, or None when the body was not JSON


def require_safe_url(url: str, *, allow_http: bool, what: str) -> str:
    """Return ``url`` if its scheme is https (or http to loopback / when allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VerifierConfigError(f"{what} {url!r} is not an absolute http(s) URL")
    if parts.scheme == "http" and not allow_http and not is_loopback_host(parts.hostname):
        raise VerifierConfigError(
            f"{what} {url!r} uses plain http; keys and token checks must come over https "
            "(http is allowed only for loopback hosts, or with allow_http=True)"
        )
    return url


_ssl_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


def _ssl() -> ssl.SSLContext:
    """One TLS context for all clients: building one (loading CA roots) costs milliseconds."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = httpx.create_ssl_context()
        return _ssl_context


def _answer(url: str, status: int, headers: httpx.Headers, content: bytes, *, expect_ok: bool) -> Answer:
    if expect_ok and status != 200:
        raise FetchFailed(f"GET {url} answered HTTP {status}")
    try:
        body = json.loads(content) if content else None
    except ValueError:
        if expect_ok:
            raise FetchFailed(f"GET {url} did not answer JSON") from None
        body = None
    return Answer(status, headers, body)


def _too_big(url: str) -> FetchFailed:
    return FetchFailed(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")


def get_json(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """GET ``url`` and return its JSON body; raise :class:`FetchFailed` otherwise."""
    try:
        with httpx.Client(timeout=timeout, verify=_ssl()) as client, client.stream("GET", url) as response:
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_DOCUMENT_BYTES:
                    raise _too_big(url)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"GET {url} failed: {exc.__class__.__name__}: {exc}") from None
    return _answer(url, response.status_code, response.headers, bytes(content), expect_ok=True).body


async def aget_json(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Async twin of :func:`get_json`."""
    try:
        async with (
            httpx.AsyncClient(timeout=timeout, verify=_ssl()) as client,
            client.stream("GET", url) as response,
        ):
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > MAX_DOCUMENT_BYTES:
                    raise _too_big(url)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"GET {url} failed: {exc.__class__.__name__}: {exc}") from None
    return _answer(url, response.status_code, response.headers, bytes(content), expect_ok=True).body


def post(url: str, *, headers: dict[str, str], body: bytes, timeout: float = DEFAULT_TIMEOUT) -> Answer:
    """POST and return status, headers and JSON body, whatever the status."""
    try:
        with httpx.Client(timeout=timeout, verify=_ssl()) as client:
            response = client.post(url, headers=headers, content=body)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"POST {url} failed: {exc.__class__.__name__}: {exc}") from None
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise _too_big(url)
    return _answer(url, response.status_code, response.headers, response.content, expect_ok=False)


async def apost(
    url: str, *, headers: dict[str, str], body: bytes, timeout: float = DEFAULT_TIMEOUT
) -> Answer:
    """Async twin of :func:`post`."""
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=_ssl()) as client:
            response = await client.post(url, headers=headers, content=body)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"POST {url} failed: {exc.__class__.__name__}: {exc}") from None
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise _too_big(url)
    return _answer(url, response.status_code, response.headers, response.content, expect_ok=False)
