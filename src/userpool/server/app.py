"""The HTTP edge: parse, authenticate, dispatch by ``X-Amz-Target``, map errors.

Everything Cognito-specific happens in plain functions (``ops/``); this module only turns
HTTP into a validated request dict and a result or :class:`CognitoError` back into HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from userpool.server import (
    enumeration,
    errors,
    health,
    keys,
    messages,
    metrics,
    pools,
    ratelimit,
    sigv4,
    tokens,
    triggers,
    wire,
)
from userpool.server.config import ServerConfig
from userpool.server.context import Context, ServerState
from userpool.server.db import UserPool, WriteNeeded, write_refused
from userpool.server.import_jobs import jobs as import_jobs
from userpool.server.operations import HANDLERS, READ_ONLY, Handler
from userpool.server.ops import ui_customization
from userpool.server.sealing import random_uuid

log = logging.getLogger("userpool.server")
_RETRIES = 5
# Api._checks_first: the password sign-ins (operation, AuthFlow)
_CHECKED_FIRST = frozenset({
    ("InitiateAuth", "USER_PASSWORD_AUTH"), ("AdminInitiateAuth", "ADMIN_USER_PASSWORD_AUTH"), ("AdminInitiateAuth", "ADMIN_NO_SRP_AUTH"),
})
# Operations that hash a new password (passwords.set_password_first), and ChangePassword's check of the old one
_HASHED_FIRST = frozenset({"AdminCreateUser", "AdminSetUserPassword", "ChangePassword", "ConfirmForgotPassword"})


def _check_region(params: dict[str, Any], region: str) -> None:
    """A pool lives in the region its id names (``<region>_<suffix>``); Cognito's endpoint for
    another region does not know it: ``ResourceNotFoundException``, as for a pool that never was."""
    pool_id = params.get("UserPoolId")
    if isinstance(pool_id, str) and pool_id.split("_", 1)[0] != region:
        raise errors.ResourceNotFound(messages.POOL_NOT_FOUND.format(pool_id))


def execute(
    state: ServerState, handler: Handler, req: dict[str, Any], source_ip: str, region: str, *,
    signed: bool = False, read_only: bool = False, write_on_demand: bool = False, elsewhere: bool = False,
) -> dict[str, Any]:
    """Run one operation in one transaction (retried when the database reports a conflict);
    ``signed``: ``region`` is the one the caller signed for (``Context.endpoint_region``);
    ``read_only`` operations (``operations.READ_ONLY``) in a read transaction. ``write_on_demand``:
    first as a read (no writer lock: on SQLite, beside other workers' writes); work that must
    write raises ``db.WriteNeeded`` before writing and the operation runs again, from the start,
    in a transaction (a refresh writes only when it rotates or detects reuse); ``elsewhere``:
    not here, the caller runs it again (``WriteNeeded`` raised). A unit the database dropped the
    connection of before its commit runs again (nothing of it was kept)."""
    reading = read_only or write_on_demand
    carry: dict[Any, Any] = {}  # Context.carry: shared by the attempts of this request
    for attempt in range(_RETRIES):
        failure: errors.CognitoError | None = None
        committing = False
        try:
            with (state.database.read if reading else state.database.transaction)() as session:
                ctx = Context(
                    state=state, db=session, now=time.time(), source_ip=source_ip, region=region,
                    endpoint_region=region if signed else None, client_metadata=dict(req.get("ClientMetadata") or {}),
                    read_only=reading, carry=carry,
                )
                try:
                    result = handler(ctx, req)
                except errors.CognitoError as exc:
                    if not exc.persist:
                        raise
                    if reading and write_on_demand:
                        raise WriteNeeded from None  # what was counted must be written
                    failure = exc  # leave the block normally: what was counted is committed
                committing = True
                if failure is None:
                    return result
        except WriteNeeded:
            if not (reading and write_on_demand) or elsewhere:
                raise
            reading = False
            continue
        except IntegrityError:
            raise errors.ConcurrentModification("A concurrent change conflicted with this request; try again.") from None
        except DBAPIError as exc:
            if reading and write_on_demand and write_refused(exc):  # a write nobody announced: never a 500
                if elsewhere:
                    raise WriteNeeded from None
                reading = False
                continue
            if not isinstance(exc, OperationalError):
                raise
            if exc.connection_invalidated and not committing and attempt < _RETRIES - 1:
                continue  # the database dropped the connection before this unit's commit: nothing of it was kept
            if attempt == _RETRIES - 1 or not _retryable(exc):
                raise
            time.sleep(0.01 * (2**attempt))
            continue
        raise failure  # the block either returned or recorded a failure
    raise errors.InternalError("The request could not be completed.")


def _retryable(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig else str(exc).lower()
    return any(s in text for s in ("database is locked", "could not serialize", "deadlock detected"))


def _json_body(body: dict[str, Any]) -> bytes:
    """Compact JSON of an answer: orjson's (a tenth of the stdlib's CPU for a refresh's answer;
    text as UTF-8, as Cognito sends it), the stdlib's for what orjson does not take (an integer
    beyond 64 bits, a non-string key)."""
    try:
        return orjson.dumps(body)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(body, separators=(",", ":")).encode()


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        _json_body(body),
        status_code=status,
        media_type=wire.CONTENT_TYPE,
        headers={"x-amzn-RequestId": random_uuid(), **(headers or {})},
    )


def error_response(exc: errors.CognitoError) -> Response:
    return _json(exc.body(), exc.status, {"x-amzn-ErrorType": exc.name})


class Api:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.limiter = ratelimit.RateLimiter(ratelimit.parse(state.config.rate_limits), state.database, state.keys)
        # Operations run on plain executor threads: asyncio's own hand-off costs a fraction of
        # anyio's (capacity limiter, cancel scope, a portal per call) on every request. 40
        # threads, as Starlette's default; nothing here reads context variables.
        self._threads = ThreadPoolExecutor(max_workers=40, thread_name_prefix="userpool-op")

    async def rpc(self, request: Request) -> Response:
        started = time.perf_counter()
        response = await self._answer(request)
        outcome = "ok" if response.status_code == 200 else response.headers.get("x-amzn-ErrorType", "error")
        metrics.observe_request(_operation_label(request), outcome, time.perf_counter() - started)
        return response

    async def _answer(self, request: Request) -> Response:
        try:
            return await self._rpc(request)
        except errors.CognitoError as exc:
            return error_response(exc)
        except ClientDisconnect:  # the caller left mid-body: nobody to answer, nothing went wrong here
            return Response(status_code=400)
        except Exception:  # a true internal fault: logged here, never shown to the caller
            log.exception("internal error")
            return error_response(errors.InternalError("An internal error occurred."))

    async def _rpc(self, request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > wire.MAX_BODY_BYTES):
            raise errors.Serialization("Request body is too large")
        body = await _read_limited(request)
        name = wire.parse_target(request.headers.get("x-amz-target"))
        op = wire.operation_model(name)
        if op is None:
            raise errors.UnknownOperation(f"Unknown operation {name}")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in (wire.CONTENT_TYPE, "application/x-amz-json-1.0", "application/json"):
            raise errors.Serialization(f"Unsupported content type: {content_type or 'none'}")
        region = self.state.config.region
        signed = not wire.is_public(op)
        if signed:
            _, region = sigv4.verify(
                request.method, str(request.url), {k.lower(): v for k, v in request.headers.items()}, body,
                self.state.admin_credentials, time.time(),
            )
        handler = HANDLERS.get(name)
        if handler is None:
            raise errors.UnsupportedOperation(f"{name} is not supported by this server.")
        params = wire.validate(op, wire.parse_body(body))
        if signed:
            _check_region(params, region)
        source_ip = request.client.host if request.client else "unknown"
        started = time.perf_counter()
        try:
            result = None
            if self._answered_here(name, params):
                # A read never waits for a lock (SQLite's WAL: readers beside the writer;
                # PostgreSQL's reads in autocommit): answered on the loop, without the
                # thread-pool hop that costs about as much again, and more under load (the GIL
                # handed between threads). PostgreSQL's round trips are awaited (Database.on_loop).
                try:
                    result = await self.state.database.on_loop(
                        self._execute, name, handler, params, source_ip, region, signed, here=True,
                    )
                except WriteNeeded:  # a refresh that must write after all: on a thread, where it may wait
                    result = None
            if result is None:
                result = await asyncio.get_running_loop().run_in_executor(
                    self._threads, self._execute, name, handler, params, source_ip, region, signed,
                )
        finally:
            await enumeration.pad_response(name, started)  # known and unknown users alike (enumeration.py)
        return _json(wire.to_wire(result))

    def _answered_here(self, name: str, params: dict[str, Any]) -> bool:
        """Whether the operation runs on the event loop: reads, and refreshes that will
        neither write nor call out (judged from the client and pool as last read: this decides
        only where the refresh runs; one that must write after all moves to a thread)."""
        if self.limiter.counts(name, params):
            return False
        if name in READ_ONLY:
            return True
        if not metrics.is_refresh(name, params):
            return False
        known = pools.known_client_and_pool(params.get("ClientId"))
        return known is not None and not tokens.rotation_enabled(known[0]) and not triggers.has_token_trigger(known[1])

    def _checks_first(self, name: str, params: dict[str, Any]) -> bool:
        """Whether a password sign-in, a SignUp with a password or an operation that sets one
        (:data:`_HASHED_FIRST`) runs first as a read (``execute``'s ``write_on_demand``): on
        SQLite its argon2id verification or hash (~20 ms of CPU) then happens outside the writer
        lock, which this process's threads and every worker queue for, so that they use all the
        cores (argon2 lets the GIL go) and no other write waits for it; the writes follow in a
        transaction of their own, which takes the verdict or the hash from ``Context.carry``. On
        PostgreSQL rows are locked one by one. (SRP's exponentiations hold the GIL and measured
        slower per CPU-second this way: not here.)"""
        if not self.state.database.is_sqlite:
            return False
        return ((name, params.get("AuthFlow")) in _CHECKED_FIRST or name in _HASHED_FIRST
                or (name == "SignUp" and bool(params.get("Password"))))

    def _execute(
        self, name: str, handler: Handler, params: dict[str, Any], source_ip: str, region: str, signed: bool,
        *, here: bool = False,
    ) -> dict[str, Any]:
        """``here``: on the event loop, where nothing may wait: a refresh that must write raises
        ``WriteNeeded`` instead of taking the writer lock."""
        self.limiter.check(name, params, source_ip)  # TooManyRequestsException before any work
        if not metrics.is_refresh(name, params):
            return execute(self.state, handler, params, source_ip, region, signed=signed, read_only=name in READ_ONLY,
                           write_on_demand=self._checks_first(name, params))
        outcome: bool | None = False
        try:
            result = execute(self.state, handler, params, source_ip, region, signed=signed, write_on_demand=True, elsewhere=here)
        except WriteNeeded:
            outcome = None  # not an outcome: it runs again, on a thread
            raise
        else:
            outcome = True
        finally:
            if outcome is not None:
                metrics.refreshed(outcome)
        return result

    async def jwks(self, request: Request) -> Response:
        pool_id = request.path_params["pool_id"]
        body = await run_in_threadpool(self._jwks, pool_id)
        if body is None:
            return JSONResponse({"message": f"User pool {pool_id} does not exist."}, status_code=404)
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})

    def _jwks(self, pool_id: str) -> dict[str, Any] | None:
        with self.state.database.read() as db:
            if db.get(UserPool, pool_id) is None:
                return None
            return keys.jwks(db, pool_id)

    async def openid_configuration(self, request: Request) -> Response:
        pool_id = request.path_params["pool_id"]
        exists = await run_in_threadpool(self._pool_exists, pool_id)
        if not exists:
            return JSONResponse({"message": f"User pool {pool_id} does not exist."}, status_code=404)
        from userpool.server.oauth2 import discovery

        cfg = self.state.config
        base = discovery.public_base(cfg, request.headers.get("host"))
        return JSONResponse(discovery.discovery(base, cfg.issuer(pool_id), pool_id))

    def _pool_exists(self, pool_id: str) -> bool:
        with self.state.database.read() as db:
            return db.get(UserPool, pool_id) is not None

    async def health(self, request: Request) -> Response:
        return JSONResponse({"service": "userpool", "status": "ok"})

    async def readyz(self, request: Request) -> Response:
        ready = await run_in_threadpool(health.readiness, self.state.database.engine)
        return JSONResponse(ready.body(), status_code=200 if ready.ready else 503, headers={"Cache-Control": "no-store"})

    async def scrape_metrics(self, request: Request) -> Response:
        if not metrics.may_read(self.state.config.metrics, request.client.host if request.client else None):
            return PlainTextResponse("Not Found", status_code=404)  # as if there were no such route
        return Response(await run_in_threadpool(metrics.scrape), media_type=metrics.CONTENT_TYPE)

    async def import_upload(self, request: Request) -> Response:
        """``PUT /import/<jobId>?expires=...&sig=...``: an import job's PreSignedUrl (S3's role in Cognito)."""
        job_id = request.path_params["job_id"]
        q = request.query_params
        if not import_jobs.check_upload(self.state.sealer, job_id, q.get("expires", ""), q.get("sig", ""), time.time()):
            return PlainTextResponse("Request has expired or the signature does not match.", status_code=403)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > import_jobs.MAX_UPLOAD_BYTES:
            return PlainTextResponse("The CSV file is too large.", status_code=413)
        pieces: list[bytes] = []
        size = 0
        async for piece in request.stream():
            size += len(piece)
            if size > import_jobs.MAX_UPLOAD_BYTES:
                return PlainTextResponse("The CSV file is too large.", status_code=413)
            pieces.append(piece)
        try:
            await run_in_threadpool(import_jobs.store_upload, self.state.database, job_id, pieces)
        except LookupError:
            return PlainTextResponse("No such import job.", status_code=404)
        except errors.CognitoError as exc:
            return PlainTextResponse(exc.message, status_code=409)
        return Response(status_code=200, headers={"ETag": f'"{uuid.uuid4().hex}"'})


def _operation_label(request: Request) -> str:
    """The operation a request named, when it is one of the service's (bounded label values)."""
    try:
        name = wire.parse_target(request.headers.get("x-amz-target"))
    except errors.CognitoError:
        return "unknown"
    return name if wire.operation_model(name) is not None else "unknown"


async def _read_limited(request: Request) -> bytes:
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > wire.MAX_BODY_BYTES:
            raise errors.Serialization("Request body is too large")
        chunks.append(chunk)
    return b"".join(chunks)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    await app.state.userpool.database.close()  # the loop's own PostgreSQL connections (db.Database.on_loop)
    metrics.process_exit()


def build_app(state: ServerState) -> WireEdge:
    from userpool.server.console import routes as console_routes
    from userpool.server.managed_login import routes as oauth2_routes

    api = Api(state)
    routes = [
        Route("/", api.health, methods=["GET"]),
        Route("/healthz", api.health, methods=["GET"]),  # the process is up (health.py)
        Route("/readyz", api.readyz, methods=["GET"]),  # the database answers, migrations are current
        Route("/metrics", api.scrape_metrics, methods=["GET"]),  # Prometheus' text format (metrics.py)
        Route("/{pool_id}/.well-known/jwks.json", api.jwks, methods=["GET"]),
        Route("/{pool_id}/.well-known/openid-configuration", api.openid_configuration, methods=["GET"]),
        Route("/import/{job_id}", api.import_upload, methods=["PUT"]),  # import jobs' PreSignedUrl
        Route("/ui-logo/{pool_id}/{client_id}", ui_customization.logo_endpoint, methods=["GET"]),  # ImageUrl
        *oauth2_routes(),  # managed login: /oauth2/*, /login, /logout and the hosted pages (server/oauth2/)
        *console_routes(state.config),  # the admin console at /admin/ when --admin-console (server/console/)
    ]
    middleware = [Middleware(CORSMiddleware, **_CORS)]
    metrics.watch_pool(state.database.engine)
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan)
    app.state.userpool = state
    app.state.limiter = api.limiter  # managed login's pages count against the same quotas
    return WireEdge(app, api)


# Browsers (Amplify, amazon-cognito-identity-js) call the wire API cross-origin.
_CORS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "POST", "OPTIONS"],
    "allow_headers": ["*"],
    "expose_headers": ["x-amzn-RequestId", "x-amzn-ErrorType", "x-amzn-ErrorMessage", "Date"],
    "max_age": 600,
}


class WireEdge:
    """The ASGI app: ``POST /`` (the wire API, nearly every request) goes through CORS straight to
    :meth:`Api.rpc`, which answers every outcome itself; everything else goes to the Starlette
    app (routes, lifespan, error pages). Starlette's error and exception layers, router and
    endpoint wrapper cost a tenth of a small operation's CPU and have nothing to add there."""

    def __init__(self, app: Starlette, api: Api) -> None:
        self.app = app
        self._rpc = CORSMiddleware(self._wire, **_CORS)
        self._api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/":
            if any(name == b"origin" for name, _ in scope["headers"]):
                await self._rpc(scope, receive, send)  # a browser's call: CORS answers it
            else:  # SDKs and servers send no Origin: CORS would only add its Vary header
                response = await self._api.rpc(Request(scope, receive))
                response.raw_headers.append((b"vary", b"Origin"))
                await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _wire(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._api.rpc(Request(scope, receive))
        await response(scope, receive, send)


def create_app(config: ServerConfig | None = None) -> WireEdge:
    """The ASGI app for a configured server (``userpool serve`` and uvicorn's factory mode)."""
    from userpool.server.bootstrap import open_state

    return build_app(open_state(config or ServerConfig.from_env()))
