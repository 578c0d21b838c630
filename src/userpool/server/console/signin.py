"""``/admin/signin`` and ``/admin/signout``: the admin key form and the session cookie.

Before a session exists the sign-in form is CSRF-protected like the hosted pages: a signed
token bound to a cookie (double submit), so another site cannot sign a browser in.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from userpool.server import audit
from userpool.server.console import auth, web
from userpool.server.oauth2 import http
from userpool.server.oauth2.cookies import CSRF_COOKIE, CSRF_FIELD

_COOKIE_PATH = web.PREFIX
_LOCKED = "Too many failed sign-ins from this address. Try again later."
_WRONG = "The access key ID or secret access key is not correct."


def _cookie_options(request: Request, max_age: int | None) -> dict[str, object]:
    """HttpOnly, SameSite=Strict (nothing links into the console from elsewhere), Secure over TLS."""
    secure = http.state_of(request).config.tls
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": _COOKIE_PATH, "max_age": max_age}


def _form(request: Request, status: int = 200, error: str | None = None, next_: str = "") -> Response:
    jar = web.jar_of(request)
    secret = request.cookies.get(CSRF_COOKIE + "-console") or jar.new_csrf_secret()
    response = web.render(request, "signin.html", None, status, csrf=jar.csrf_token(secret), error=error,
                          next=_safe_next(next_))
    response.set_cookie(CSRF_COOKIE + "-console", secret, **_cookie_options(request, None))  # type: ignore[arg-type]
    return response


def _safe_next(target: str) -> str:
    """Only a console path: never another site (an open redirect)."""
    ok = target.startswith(web.PREFIX + "/") and "//" not in target and "\\" not in target
    return target if ok else ""


async def get_signin(request: Request) -> Response:
    if web.current_admin(request) is not None:
        return web.see_other(web.PREFIX + "/")
    return _form(request, next_=request.query_params.get("next", ""))


def _attempt(request: Request, key_id: str, secret: str) -> bool | None:
    """True: signed in; False: wrong key; None: this address is locked out."""
    state, ip = http.state_of(request), http.source_ip(request)
    with state.database.transaction() as db:
        now = time.time()
        if auth.locked(db, ip, now):
            audit.event("console_sign_in_failure", ip=ip, reason="locked")
            return None
        if auth.check_key(state, key_id, secret):
            auth.record_success(db, ip)
            audit.event("console_sign_in_success", admin=f"admin-key:{key_id}", ip=ip)
            return True
        auth.record_failure(db, ip, now)
        audit.event("console_sign_in_failure", ip=ip, reason="wrong_key")
        return False


async def post_signin(request: Request) -> Response:
    try:
        form = await http.read_form(request)
    except Exception:  # noqa: BLE001 - an oversize or unreadable form: the same answer
        return web.error_page(request, None, "The form could not be read.", 400)
    jar = web.jar_of(request)
    if not jar.csrf_ok(request.cookies.get(CSRF_COOKIE + "-console"), form.get(CSRF_FIELD)):
        return web.error_page(request, None, "The form has expired or did not come from this console. "
                                             "Go back, reload the page and try again.", 403)
    key_id, secret = form.get("access_key_id", "").strip(), form.get("secret_access_key", "")
    outcome = await run_in_threadpool(_attempt, request, key_id, secret)
    if outcome is None:
        return _form(request, 429, _LOCKED)
    if not outcome:
        return _form(request, 400, _WRONG, form.get("next", ""))
    response = web.see_other(_safe_next(form.get("next", "")) or web.PREFIX + "/")
    value = auth.session_value(http.state_of(request), jar, key_id)
    response.set_cookie(auth.SESSION_COOKIE, value, **_cookie_options(request, auth.SESSION_SECONDS))  # type: ignore[arg-type]
    return response


@web.action
async def post_signout(request: Request, admin: auth.Admin, form: dict[str, str]) -> Response:
    audit.event("console_sign_out", admin=admin.who, ip=http.source_ip(request))
    response = web.see_other(web.PREFIX + "/signin")
    response.delete_cookie(auth.SESSION_COOKIE, path=_COOKIE_PATH, httponly=True, samesite="strict")
    return response
