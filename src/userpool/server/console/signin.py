"""``/admin/signin`` and ``/admin/signout``: the admin key form (and, when configured, the
admin-user form with its MFA code step) and the session cookie.

Before a session exists the sign-in forms are CSRF-protected like the hosted pages: a signed
token bound to a cookie (double submit), so another site cannot sign a browser in. Every
failed attempt, by key or by user, counts toward the address's lockout (auth.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from userpool.server import audit, errors
from userpool.server.console import admin_user, auth, web
from userpool.server.console.admin_user import Outcome
from userpool.server.context import Context
from userpool.server.oauth2 import http
from userpool.server.oauth2.cookies import CSRF_COOKIE, CSRF_FIELD, STEP_SECONDS

_COOKIE_PATH = web.PREFIX
_CSRF_COOKIE = CSRF_COOKIE + "-console"
_LOCKED = "Too many failed sign-ins from this address. Try again later."
_WRONG = "The access key ID or secret access key is not correct."
_FORGED = "The form has expired or did not come from this console. Go back, reload the page and try again."
_CODE_TITLES = {"SOFTWARE_TOKEN_MFA": "Enter the code from your authenticator app",
                "SMS_MFA": "Enter the code we sent you by SMS", "EMAIL_OTP": "Enter the code we sent you by email"}
Attempt = Callable[[Context], Outcome]


def _cookie_options(request: Request, max_age: int | None) -> dict[str, object]:
    """HttpOnly, SameSite=Strict (nothing links into the console from elsewhere), Secure over TLS."""
    secure = http.state_of(request).config.tls
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": _COOKIE_PATH, "max_age": max_age}


def _form(request: Request, status: int = 200, error: str | None = None, next_: str = "",
          step: Outcome | None = None, username: str = "") -> Response:
    jar = web.jar_of(request)
    secret = request.cookies.get(_CSRF_COOKIE) or jar.new_csrf_secret()
    signed_step = None
    if step is not None and step.challenge:
        signed_step = jar.sign({"c": step.challenge, "s": step.session, "u": username}, "console-step")
    response = web.render(request, "signin.html", None, status, csrf=jar.csrf_token(secret), error=error,
                          next=_safe_next(next_), users=bool(http.state_of(request).config.admin_console_client),
                          step=signed_step, step_title=_CODE_TITLES.get(step.challenge or "", "") if step else "")
    response.set_cookie(_CSRF_COOKIE, secret, **_cookie_options(request, None))  # type: ignore[arg-type]
    return response


def _safe_next(target: str) -> str:
    """Only a console path: never another site (an open redirect)."""
    ok = target.startswith(web.PREFIX + "/") and "//" not in target and "\\" not in target
    return target if ok else ""


async def get_signin(request: Request) -> Response:
    if await web.current_admin(request) is not None:
        return web.see_other(web.PREFIX + "/")
    return _form(request, next_=request.query_params.get("next", ""))


def _guarded(request: Request, attempt: Attempt) -> Outcome | None:
    """One sign-in attempt, refused (None) while the address is locked out; a refusal counts
    toward the lockout (and keeps what the pool's own sign-in counted: its user lockout)."""
    state, ip = http.state_of(request), http.source_ip(request)
    with state.database.transaction() as db:
        ctx = Context(state=state, db=db, now=time.time(), source_ip=ip, region=state.config.region)
        if auth.locked(db, ip, ctx.now):
            audit.event("console_sign_in_failure", ip=ip, reason="locked")
            return None
        nested = db.begin_nested()
        try:
            outcome = attempt(ctx)
            nested.commit()
        except errors.CognitoError as exc:
            if exc.persist:
                nested.commit()
            else:
                nested.rollback()
            outcome = Outcome(refused=exc.message or "Sign-in failed.")
        if outcome.refused:
            auth.record_failure(db, ip, ctx.now)
            audit.event("console_sign_in_failure", ip=ip, reason=outcome.refused)
        elif outcome.sub:
            auth.record_success(db, ip)
        return outcome


def _key_attempt(request: Request, key_id: str, secret: str) -> Attempt:
    state = http.state_of(request)

    def attempt(ctx: Context) -> Outcome:
        if auth.check_key(state, key_id, secret):
            return Outcome(sub=f"admin-key:{key_id}")
        return Outcome(refused=_WRONG)
    return attempt


def _user_attempt(request: Request, form: dict[str, str]) -> tuple[Attempt, str]:
    """The admin-user attempt a form stands for (password, or the code step), and its username."""
    config = http.state_of(request).config
    client_id, group = config.admin_console_client or "", config.admin_console_group
    step = web.jar_of(request).read(form.get("step"), "console-step", STEP_SECONDS) if form.get("step") else None
    username = str(step.get("u", "")) if isinstance(step, dict) else form.get("username", "").strip()

    def attempt(ctx: Context) -> Outcome:
        if isinstance(step, dict):
            return admin_user.code_step(ctx, client_id, group, str(step.get("c")), str(step.get("s")),
                                        username, form.get("code", "").strip())
        if form.get("step"):
            return Outcome(refused="Your sign-in has expired. Please sign in again.")
        return admin_user.password_step(ctx, client_id, group, username, form.get("password", ""))
    return attempt, username


async def post_signin(request: Request) -> Response:
    try:
        form = await http.read_form(request)
    except Exception:  # noqa: BLE001 - an oversize or unreadable form: the same answer
        return web.error_page(request, None, "The form could not be read.", 400)
    jar, state = web.jar_of(request), http.state_of(request)
    if not jar.csrf_ok(request.cookies.get(_CSRF_COOKIE), form.get(CSRF_FIELD)):
        return web.error_page(request, None, _FORGED, 403)
    by_user = form.get("method") == "user" and bool(state.config.admin_console_client)
    key_id = form.get("access_key_id", "").strip()
    attempt, username = _user_attempt(request, form) if by_user else (
        _key_attempt(request, key_id, form.get("secret_access_key", "")), "")
    outcome = await run_in_threadpool(_guarded, request, attempt)
    next_ = form.get("next", "")
    if outcome is None:
        return _form(request, 429, _LOCKED)
    if outcome.refused:
        return _form(request, 400, outcome.refused, next_)
    if outcome.challenge:
        return _form(request, 200, None, next_, outcome, username)
    who = outcome.sub
    if by_user:
        pool_id = await run_in_threadpool(_pool_of_client, request)
        value = auth.user_session_value(jar, pool_id, outcome.sub or "", outcome.family or "")
        who = f"user:{pool_id}/{outcome.sub}"
    else:
        value = auth.session_value(state, jar, key_id)
    audit.event("console_sign_in_success", admin=who, ip=http.source_ip(request))
    response = web.see_other(_safe_next(next_) or web.PREFIX + "/")
    response.set_cookie(auth.SESSION_COOKIE, value, **_cookie_options(request, auth.SESSION_SECONDS))  # type: ignore[arg-type]
    return response


def _pool_of_client(request: Request) -> str:
    state = http.state_of(request)
    with state.database.transaction() as db:
        return admin_user.pool_of(db, state.config.admin_console_client or "") or ""


def _end_family(request: Request, family: str) -> None:
    with http.state_of(request).database.transaction() as db:
        admin_user.sign_out(db, family, time.time())


@web.action
async def post_signout(request: Request, admin: auth.Admin, form: dict[str, str]) -> Response:
    audit.event("console_sign_out", admin=admin.who, ip=http.source_ip(request))
    if admin.family is not None:
        await run_in_threadpool(_end_family, request, admin.family)
    response = web.see_other(web.PREFIX + "/signin")
    response.delete_cookie(auth.SESSION_COOKIE, path=_COOKIE_PATH, httponly=True, samesite="strict")
    return response
