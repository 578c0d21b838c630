"""What every console page shares: the signed-in admin, CSRF on every form, rendering with
the hosted pages' Jinja2 settings and headers (no scripts, no frames, no caching), and a
refused operation shown as the page's error rather than a stack trace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from userpool.server import errors
from userpool.server.console import auth
from userpool.server.console.auth import Admin
from userpool.server.hosted import pages as hosted_pages
from userpool.server.oauth2 import http
from userpool.server.oauth2.cookies import CSRF_FIELD, CookieJar
from userpool.server.oauth2.errors import OAuthError

PREFIX = "/admin"
_ENV = hosted_pages.environment("userpool.server.console")
HEADERS = {**hosted_pages.HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
           "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}


def when(value: object) -> str:
    """A Cognito timestamp (a datetime, or epoch seconds) as UTC to the minute."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else ""


_ENV.filters["when"] = when
Page = Callable[[Request, Admin], Awaitable[Response]]
Action = Callable[[Request, Admin, dict[str, str]], Awaitable[Response]]


def jar_of(request: Request) -> CookieJar:
    return CookieJar.for_sealer(http.state_of(request).sealer)


async def current_admin(request: Request) -> Admin | None:
    state, cookie = http.state_of(request), request.cookies.get(auth.SESSION_COOKIE)
    if not cookie:
        return None
    return await run_in_threadpool(auth.admin_of, state, jar_of(request), cookie)


def render(request: Request, template: str, admin: Admin | None, status: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("error", None)
    values.setdefault("notice", None)
    csrf = jar_of(request).csrf_token(admin.csrf_secret) if admin is not None else values.pop("csrf", "")
    html = _ENV.get_template(template).render(admin=admin, csrf=csrf, csrf_field=CSRF_FIELD, prefix=PREFIX,
                                              q=quote, **values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def error_page(request: Request, admin: Admin | None, message: str, status: int) -> HTMLResponse:
    return render(request, "error.html", admin, status, message=message)


def see_other(path: str, **params: str) -> RedirectResponse:
    """After a POST: back to a page (303, so a reload does not repeat the action)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303, headers=hosted_pages.HEADERS)


def to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"{PREFIX}/signin", next=target if request.method == "GET" else "")


def _refused(request: Request, admin: Admin, exc: errors.CognitoError) -> Response:
    status = 429 if isinstance(exc, errors.TooManyRequests) else exc.status
    return error_page(request, admin, f"{exc.name}: {exc.message}", status)


def page(handler: Page) -> Callable[[Request], Awaitable[Response]]:
    """A GET page for signed-in admins (others are sent to the sign-in page)."""
    async def endpoint(request: Request) -> Response:
        admin = await current_admin(request)
        if admin is None:
            return to_sign_in(request)
        try:
            return await handler(request, admin)
        except errors.CognitoError as exc:
            return _refused(request, admin, exc)
    return endpoint


def action(handler: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST for signed-in admins, refused (403, nothing done) without the session's CSRF token."""
    async def endpoint(request: Request) -> Response:
        admin = await current_admin(request)
        if admin is None:
            return to_sign_in(request)
        try:
            form = await http.read_form(request)
        except (http.FormTooLarge, OAuthError):
            return error_page(request, admin, "The form could not be read.", 400)
        if not jar_of(request).csrf_ok(admin.csrf_secret, form.get(CSRF_FIELD)):
            return error_page(request, admin, "The form has expired or did not come from this console. "
                                              "Go back, reload the page and try again.", 403)
        try:
            return await handler(request, admin, form)
        except errors.CognitoError as exc:
            return _refused(request, admin, exc)
    return endpoint


def pool_path(pool_id: str, *rest: str) -> str:
    return "/".join([PREFIX, "pools", quote(pool_id, safe=""), *rest])
