"""The managed-login endpoints' HTTP edge: size-limited forms, one transaction per request,
JSON and redirect answers, and which pool a Host header names."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from userpool.server import enumeration, errors
from userpool.server.context import Context, ServerState
from userpool.server.db import WriteNeeded, write_refused
from userpool.server.oauth2.errors import INVALID_REQUEST, OAuthError
from userpool.server.ops import domains
from userpool.server.ratelimit import RateLimiter

T = TypeVar("T")
MAX_FORM_BYTES = 16 * 1024  # far above any real sign-in form; oversize bodies are refused unread
FORM_TYPE = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class FormTooLarge(Exception):
    pass


def state_of(request: Request) -> ServerState:
    state: ServerState = request.app.state.userpool
    return state


def source_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded body, at most MAX_FORM_BYTES; a repeated field keeps its first value."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        raise FormTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and content_type != FORM_TYPE:
        raise OAuthError(INVALID_REQUEST, "Content-Type must be application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=64)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError(INVALID_REQUEST, "The body is not a valid form") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def query(request: Request) -> dict[str, str]:
    """The query string's parameters, first value of each (as ``read_form``)."""
    out: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, value)
    return out


def run_sync(state: ServerState, ip: str, fn: Callable[[Context], T], *, checks_first: bool = False) -> T:
    """``fn`` in one transaction; a failure marked ``persist`` commits what it counted first
    (failed sign-ins toward lockout, a claimed authorization code). ``checks_first`` (the
    sign-in form, on SQLite): ``fn`` runs first as a read, as the wire's password sign-ins do
    (``app.Api._checks_first``): its argon2id verification outside the writer lock, then the
    transaction, with the verdict from ``Context.carry``."""
    carry: dict[Any, Any] = {}
    if checks_first and state.database.is_sqlite:
        try:
            with state.database.read() as session:
                return fn(Context(state=state, db=session, now=time.time(), source_ip=ip, region=state.config.region,
                                  read_only=True, carry=carry))
        except WriteNeeded:
            pass  # what must write runs again, in the transaction below
        except (errors.CognitoError, OAuthError) as exc:
            if not getattr(exc, "persist", False):
                raise
        except DBAPIError as exc:  # a write nobody announced, refused by the read connection
            if not write_refused(exc):
                raise
    with state.database.transaction() as session:
        ctx = Context(state=state, db=session, now=time.time(), source_ip=ip, region=state.config.region, carry=carry)
        try:
            return fn(ctx)
        except (errors.CognitoError, OAuthError) as exc:
            if not getattr(exc, "persist", False):
                raise
            failure = exc  # leave the block normally: what was counted is committed
    raise failure


def rate_limit(request: Request, op: str, params: dict[str, Any], ip: str) -> None:
    """Count an in-process call as the wire API's limiter counts operation ``op``
    (TooManyRequestsException past its limit, before any work)."""
    limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        limiter.check(op, params, ip)


async def run(request: Request, fn: Callable[[Context], T], *, counts_as: str | None = None,
              client_id: str | None = None, counted: dict[str, Any] | None = None, checks_first: bool = False) -> T:
    """``fn`` in one transaction in a worker thread. ``counts_as`` names the Cognito operation
    whose quota the request uses (TooManyRequestsException past it, before any work) and whose
    minimum response time it keeps (enumeration.py), as the wire API does; ``counted`` is the
    request as the limiter reads it, in that operation's wire shape (who a guess aims at);
    ``checks_first``: see :func:`run_sync`."""
    started = time.perf_counter()
    state, ip = state_of(request), source_ip(request)

    def limited(ctx_fn: Callable[[Context], T]) -> T:
        if counts_as is not None:
            rate_limit(request, counts_as, {"ClientId": client_id or "", **(counted or {})}, ip)
        return run_sync(state, ip, ctx_fn, checks_first=checks_first)

    try:
        return await run_in_threadpool(limited, fn)
    finally:
        if counts_as is not None:
            await enumeration.pad_response(counts_as, started)


def oauth_error(exc: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


def json_answer(body: dict[str, Any]) -> Response:
    return JSONResponse(body, headers=NO_STORE)


def with_params(uri: str, params: Mapping[str, str | None], *, fragment: bool = False) -> str:
    """``uri`` with ``params`` added to its query (or as its fragment, for the implicit grant)."""
    encoded = urlencode({k: v for k, v in params.items() if v is not None})
    if fragment:
        return f"{uri}#{encoded}"
    return f"{uri}{'&' if '?' in uri else '?'}{encoded}"


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=302, headers=NO_STORE)


def host_name(request: Request) -> str:
    host = request.headers.get("host", "").strip().lower()
    if host.startswith("["):  # [::1]:9229
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def domain_pool(ctx: Context, host: str) -> str | None:
    """The pool whose domain the request came in on (ops/domains.find_domain: a custom domain
    by its full name, a prefix domain by its first label); None for a bare address."""
    if not host or host[0].isdigit() or host.startswith("[") or "." not in host:
        return None
    row = domains.find_domain(ctx.db, host)
    return row.pool_id if row is not None else None
