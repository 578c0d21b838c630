"""Bearer calls to your API with the session's access token (never the ID token).

``BearerAuth`` is an ``httpx.Auth`` for ``httpx.Client`` and ``httpx.AsyncClient``;
``RequestsBearerAuth`` is a ``requests`` auth. Both take the token from
``fetch_auth_session`` (so it is refreshed before it expires), and when the API answers
``401`` with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 -- e.g. the token was
revoked) they force one refresh and retry the request once. The decision logic is one
sans-I/O generator, :func:`bearer_flow`, driven three ways.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any

import httpx

from ._async.client import AsyncAuthClient
from ._sync.client import AuthClient
from .default_client import get_default_client
from .errors import UserUnAuthenticatedException


@dataclass(frozen=True)
class _TokenRequest:
    force_refresh: bool


def is_invalid_token(status: int, www_authenticate: str | None) -> bool:
    """RFC 6750 §3.1: a 401 whose Bearer challenge says ``error="invalid_token"``."""
    return status == 401 and bool(www_authenticate) and 'error="invalid_token"' in (www_authenticate or "")


def bearer_flow(request: Any) -> Generator[Any, Any, None]:
    """Yields ``_TokenRequest`` (answered with a token or None) or the request to send.

    ``request`` is anything with a mutable ``headers`` mapping; responses sent back need
    ``status_code`` and ``headers``.
    """
    token = yield _TokenRequest(force_refresh=False)
    if token is None:
        raise UserUnAuthenticatedException("User needs to be authenticated to call this API.")
    request.headers["Authorization"] = f"Bearer {token}"
    response = yield request
    if not is_invalid_token(response.status_code, response.headers.get("www-authenticate")):
        return
    token = yield _TokenRequest(force_refresh=True)
    if token is None:
        return  # the session is gone: the 401 stands
    request.headers["Authorization"] = f"Bearer {token}"
    yield request


def _access_token(session: Any) -> str | None:
    return str(session.tokens.access_token) if session.tokens is not None else None


class BearerAuth(httpx.Auth):
    """``httpx.get(url, auth=BearerAuth())``; give ``client=`` for a non-default pool.

    Either client works with either kind of ``httpx`` client: the other driver is built on
    the given client's context, so both read one session and share one refresh.
    """

    def __init__(self, client: AuthClient | AsyncAuthClient | None = None) -> None:
        self._client = client
        self._sync_twin: AuthClient | None = None
        self._async_twin: AsyncAuthClient | None = None

    def _sync(self) -> AuthClient:
        client = self._client or get_default_client()
        if isinstance(client, AuthClient):
            return client
        if self._sync_twin is None or self._sync_twin.context is not client.context:
            self._sync_twin = AuthClient(context=client.context)
        return self._sync_twin

    def _async(self) -> AsyncAuthClient:
        client = self._client or get_default_client()
        if isinstance(client, AsyncAuthClient):
            return client
        if self._async_twin is None or self._async_twin.context is not client.context:
            self._async_twin = AsyncAuthClient(context=client.context)
        return self._async_twin

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        client = self._sync()
        flow = bearer_flow(request)
        step = next(flow)
        try:
            while True:
                if isinstance(step, _TokenRequest):
                    value: Any = _access_token(client.fetch_auth_session(force_refresh=step.force_refresh))
                else:
                    value = yield step
                step = flow.send(value)
        except StopIteration:
            return

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        client = self._async()
        flow = bearer_flow(request)
        step = next(flow)
        try:
            while True:
                if isinstance(step, _TokenRequest):
                    value: Any = _access_token(await client.fetch_auth_session(force_refresh=step.force_refresh))
                else:
                    value = yield step
                step = flow.send(value)
        except StopIteration:
            return


class RequestsBearerAuth:
    """``requests.get(url, auth=RequestsBearerAuth())``: the same flow for ``requests``."""

    def __init__(self, client: AuthClient | None = None) -> None:
        self._client = client

    def __call__(self, request: Any) -> Any:
        client = self._client or get_default_client()
        flow = bearer_flow(request)
        step = next(flow)  # the first token
        step = flow.send(_access_token(client.fetch_auth_session(force_refresh=step.force_refresh)))

        def on_response(response: Any, **kwargs: Any) -> Any:
            try:
                next_step = flow.send(response)
            except StopIteration:
                return response
            token = _access_token(client.fetch_auth_session(force_refresh=next_step.force_refresh))
            try:
                retry = flow.send(token)
            except StopIteration:
                return response
            prepared = retry.copy()
            prepared.deregister_hook("response", on_response)
            response.content  # noqa: B018 - drain the 401 so its connection is released
            response.close()
            new_response = response.connection.send(prepared, **kwargs)
            new_response.history.append(response)
            new_response.request = prepared
            return new_response

        step.register_hook("response", on_response)
        return step
