"""ASGI middleware (Starlette, FastAPI, any ASGI app): every request needs a good token.

On success the claims are put in the ASGI scope's ``state`` (Starlette exposes it as
``request.state.claims``) and the app is called; on failure the middleware answers
itself, with the RFC 6750 status and ``WWW-Authenticate`` header, and the app never sees
the request. WebSocket handshakes are protected too (refused with close code 1008,
"policy violation", which servers turn into HTTP 403). Lifespan events pass through::

    app.add_middleware(BearerAuthMiddleware, verifier=verifier, public_paths={"/health"})
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from userpool.verify.bearer import BearerError, Denial, GuardedMiddleware, malformed_header

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # as loose as Starlette's, to compose with it


def _authorization(asgi_scope: Scope) -> str | None:
    values = [v for k, v in asgi_scope.get("headers", ()) if k.lower() == b"authorization"]
    if len(values) > 1:
        raise BearerError(malformed_header())  # two credentials: refuse rather than pick one
    return values[0].decode("latin-1") if values else None


async def _refuse(asgi_scope: Scope, send: Send, denial: Denial) -> None:
    if asgi_scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": denial.description[:120]})
        return
    body, headers = denial.encoded()
    await send(
        {
            "type": "http.response.start",
            "status": denial.status,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BearerAuthMiddleware(GuardedMiddleware[ASGIApp]):
    """Require a verified bearer token on every HTTP and WebSocket request."""

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        if asgi_scope["type"] not in ("http", "websocket") or asgi_scope.get("path") in self.public_paths:
            await self.app(asgi_scope, receive, send)
            return
        try:
            claims = await self.guard.aauthenticate(_authorization(asgi_scope))
        except BearerError as exc:
            await _refuse(asgi_scope, send, exc.denial)
            return
        asgi_scope.setdefault("state", {})["claims"] = claims
        await self.app(asgi_scope, receive, send)
