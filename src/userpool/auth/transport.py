"""The wire: Cognito's JSON 1.1 protocol over httpx, sync and async.

Every call is ``POST /`` with ``Content-Type: application/x-amz-json-1.1`` and
``X-Amz-Target: AWSCognitoIdentityProviderService.<Op>``. An error's name is read as the AWS
SDKs read it: the ``x-amzn-ErrorType`` header, then ``code``, then ``__type`` (dropping any
``prefix#`` and ``:suffix``). Network errors, 5xx and throttling are retried with jittered
exponential back-off (Amplify retries three times). Request encoding, response decoding
and the retry decision are plain functions; the two transports only move bytes.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import weakref
from collections.abc import Mapping
from typing import Any

import httpx

from .constants import CONTENT_TYPE, TARGET_PREFIX, USER_AGENT
from .errors import AuthError, NetworkError, OAuthSignInException, make_error
from .flows.base import CognitoCall

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_THROTTLING = frozenset({"TooManyRequestsException", "ThrottlingException", "LimitExceededException"})


def request_headers(call: CognitoCall) -> dict[str, str]:
    return {
        "Content-Type": CONTENT_TYPE,
        "X-Amz-Target": TARGET_PREFIX + call.operation,
        "User-Agent": USER_AGENT,
        "Cache-Control": "no-store",
    }


def request_body(call: CognitoCall) -> bytes:
    return json.dumps(call.payload, separators=(",", ":")).encode()


def _clean_name(raw: str) -> str:
    return raw.split(":", 1)[0].rsplit("#", 1)[-1].strip()


def decode_response(status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The JSON body of a 2xx answer; otherwise raise the :class:`AuthError` it describes."""
    data: Any = None
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    if 200 <= status < 300:
        if data is None and body:
            raise make_error("UnknownError", "Response body is not JSON", metadata={"http_status": status})
        return data if isinstance(data, dict) else {}
    is_json = isinstance(data, dict)
    body_dict: dict[str, Any] = data if is_json else {}
    name = headers.get("x-amzn-errortype") or body_dict.get("code") or body_dict.get("__type") or ""
    name = _clean_name(str(name))
    if not name:
        name = "InternalErrorException" if status >= 500 else "UnknownError"
    message = body_dict.get("message") or body_dict.get("Message") or ""
    if not message and not is_json:
        message = f"HTTP {status} with a non-JSON body"
    return_meta = {"http_status": status, "json": is_json, "request_id": headers.get("x-amzn-requestid")}
    raise make_error(name, str(message), metadata=return_meta)


def decode_hosted_response(status: int, body: bytes) -> dict[str, Any]:
    """A managed login endpoint's JSON answer; its ``error`` (RFC 6749 §5.2) as OAuthSignInException."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = None
    if 200 <= status < 300 and isinstance(data, dict) and "error" not in data:
        return data
    details = data if isinstance(data, dict) else {}
    error = str(details.get("error") or f"HTTP {status}")
    message = str(details.get("error_description") or details.get("error_message") or error)
    raise OAuthSignInException(message, metadata={"http_status": status, "error": error})


def hosted_auth(client_id: str, client_secret: str | None) -> httpx.Auth | None:
    """HTTP Basic client authentication at the token endpoint, for a client with a secret."""
    return httpx.BasicAuth(client_id, client_secret) if client_secret else None


def should_retry(error: AuthError) -> bool:
    if isinstance(error, NetworkError):
        return True
    status = error.metadata.get("http_status")
    return status in _RETRY_STATUSES or error.name in _THROTTLING


def backoff(attempt: int) -> float:
    """Jittered exponential back-off in seconds (100 ms base), as Amplify's ``jitteredBackoff``."""
    delay: float = min(5.0, 0.1 * (2**attempt)) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret
    return delay


def _network_error(exc: httpx.TransportError) -> NetworkError:
    return NetworkError(f"Network error: {exc!r}", name="NetworkError", underlying_error=exc)


class Transport:
    """Sends calls with an ``httpx.Client`` (one per transport, or the one given)."""

    def __init__(self, endpoint: str, http: httpx.Client | None = None) -> None:
        self.endpoint = endpoint
        self._own = http is None
        self.http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)

    def send(self, call: CognitoCall) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                try:
                    response = self.http.post(self.endpoint, content=request_body(call), headers=request_headers(call))
                except httpx.TransportError as exc:
                    raise _network_error(exc) from exc
                return decode_response(response.status_code, response.headers, response.content)
            except AuthError as error:
                if attempt >= call.max_attempts or not should_retry(error):
                    raise
            time.sleep(backoff(attempt))

    def post_form(self, url: str, form: dict[str, str], auth: httpx.Auth | None = None) -> dict[str, Any]:
        """One form POST to a managed login endpoint (never retried: a code is single-use)."""
        try:
            response = self.http.post(url, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT, headers={"User-Agent": USER_AGENT})
        except httpx.TransportError as exc:
            raise _network_error(exc) from exc
        return decode_hosted_response(response.status_code, response.content)

    def close(self) -> None:
        if self._own:
            self.http.close()


class AsyncTransport:
    """Sends calls with an ``httpx.AsyncClient``, one per event loop unless one is given.

    An ``AsyncClient``'s connections belong to the loop that opened them, so a client used
    from several ``asyncio.run`` calls gets a fresh pool in each loop.
    """

    def __init__(self, endpoint: str, http: httpx.AsyncClient | None = None) -> None:
        self.endpoint = endpoint
        self._given = http
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        client = self._per_loop.get(loop)
        if client is None:
            client = self._per_loop[loop] = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        return client

    async def send(self, call: CognitoCall) -> dict[str, Any]:
        http = self._client()
        attempt = 0
        while True:
            attempt += 1
            try:
                try:
                    response = await http.post(self.endpoint, content=request_body(call), headers=request_headers(call))
                except httpx.TransportError as exc:
                    raise _network_error(exc) from exc
                return decode_response(response.status_code, response.headers, response.content)
            except AuthError as error:
                if attempt >= call.max_attempts or not should_retry(error):
                    raise
            await asyncio.sleep(backoff(attempt))

    async def post_form(self, url: str, form: dict[str, str], auth: httpx.Auth | None = None) -> dict[str, Any]:
        """One form POST to a managed login endpoint (never retried: a code is single-use)."""
        try:
            response = await self._client().post(url, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT, headers={"User-Agent": USER_AGENT})
        except httpx.TransportError as exc:
            raise _network_error(exc) from exc
        return decode_hosted_response(response.status_code, response.content)

    async def aclose(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover
            return
        client = self._per_loop.pop(loop, None)
        if client is not None:
            await client.aclose()
