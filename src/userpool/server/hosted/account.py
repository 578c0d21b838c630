"""The hosted account pages: sign-up and its confirmation (with a code resend), and the
forgotten-password reset. Each runs the same operation an app would call (SignUp,
ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from userpool import srp
from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.hosted import after_sign_up, signin
from userpool.server.hosted.flow import Page, handle
from userpool.server.hosted.login import advance, attempt, can_sign_up
from userpool.server.hosted.signin import operation
from userpool.server.oauth2 import response
from userpool.server.oauth2.errors import PageError


def _call(ctx: Context, client: AppClient, op: str, username: str, body: dict[str, Any]) -> dict[str, Any] | errors.CognitoError:
    secret = pools.client_secret(ctx, client)
    extra = {"SecretHash": srp.secret_hash(secret, username, client.id)} if secret else {}
    return attempt(ctx, lambda: operation(ctx, op, {"ClientId": client.id, "Username": username, **body, **extra}))


def _destination(result: dict[str, Any]) -> str | None:
    details = result.get("CodeDeliveryDetails") or {}
    return str(details.get("Destination")) if details.get("Destination") else None


def sign_up_attributes(ctx: Context, client: AppClient) -> list[str]:
    """The attributes the sign-up form asks for: the pool's required ones, and e-mail or phone
    when they are verified automatically (so the confirmation code has somewhere to go)."""
    pool = pools.get_pool(ctx.db, client.pool_id)
    names = [a["Name"] for a in pool.config.get("SchemaAttributes", []) if a.get("Required") and a["Name"] != "sub"]
    for name in ("email", "phone_number"):
        if name in pools.auto_verified(pool) + pools.username_attributes(pool) and name not in names:
            names.append(name)
    return names


# ------------------------------------------------------------------ sign-up


async def get_signup(request: Request) -> Response:
    return await handle(request, show_signup, post=False)


async def post_signup(request: Request) -> Response:
    return await handle(request, submit_signup, post=True, counts_as="SignUp")


def show_signup(ctx: Context, page: Page, *, error: str | None = None, status: int = 200) -> Response:
    client, _ = page.authorize(ctx)
    if not can_sign_up(ctx, client):
        raise PageError("msg.sign_up_disabled", 403)
    values = {k.removeprefix("attr_"): v for k, v in page.form.items() if k.startswith("attr_")}
    return page.render("signup.html", status, error=error, username=page.form.get("username"),
                       attributes=sign_up_attributes(ctx, client), values=values)


def submit_signup(ctx: Context, page: Page) -> Response:
    client, req = page.authorize(ctx)
    if not can_sign_up(ctx, client):
        raise PageError("msg.sign_up_disabled", 403)
    username, password = page.form.get("username", "").strip(), page.form.get("password", "")
    attributes = [{"Name": n, "Value": page.form.get(f"attr_{n}", "").strip()} for n in sign_up_attributes(ctx, client)]
    if not username or not password or any(not a["Value"] for a in attributes):
        return show_signup(ctx, page, error="msg.fill_every_field", status=400)
    result = _call(ctx, client, "SignUp", username, {"Password": password, "UserAttributes": attributes})
    if isinstance(result, errors.CognitoError):
        return show_signup(ctx, page, error=result.message, status=400)
    if result.get("UserConfirmed"):  # confirmed by PreSignUp: signed in at once, as Cognito's hosted UI does
        outcome = attempt(ctx, lambda: signin.password(ctx, client, username, password, response.options_for(req)))
        if not isinstance(outcome, errors.CognitoError):
            return advance(ctx, page, client, req, username, outcome)
        return page.render("login.html", username=username, can_sign_up=True, notice="msg.account_ready")
    carried = after_sign_up.remember(ctx, page, client, str(result["UserSub"]), username, password)
    return page.render("confirm.html", username=username, destination=_destination(result), signup=carried)


# ------------------------------------------------------------------ confirmation


async def post_confirm(request: Request) -> Response:
    return await handle(request, submit_confirm, post=True, counts_as="ConfirmSignUp")


async def get_confirm(request: Request) -> Response:
    return await handle(request, lambda ctx, page: _confirm_page(ctx, page), post=False)


def _confirm_page(ctx: Context, page: Page, **values: Any) -> Response:
    page.authorize(ctx)
    values.setdefault("username", page.params.get("username"))
    values.setdefault("destination", None)
    values.setdefault("signup", page.form.get(after_sign_up.FIELD))  # a retry or resend keeps the sign-up's session
    return page.render("confirm.html", 400 if values.get("error") else 200, **values)


def submit_confirm(ctx: Context, page: Page) -> Response:
    client, req = page.authorize(ctx)
    username, code = page.form.get("username", "").strip(), page.form.get("code", "").strip()
    if not username or not code:
        return _confirm_page(ctx, page, username=username, error="msg.enter_username_and_code")
    result = _call(ctx, client, "ConfirmSignUp", username, {"ConfirmationCode": code})
    if isinstance(result, errors.CognitoError):
        return _confirm_page(ctx, page, username=username, error=result.message)
    signed_in = after_sign_up.sign_in(ctx, page, client, req, username)
    if signed_in is not None:
        return signed_in
    return page.render("login.html", username=username, can_sign_up=can_sign_up(ctx, client),
                       notice="msg.account_confirmed")


async def post_resend(request: Request) -> Response:
    return await handle(request, submit_resend, post=True, counts_as="ResendConfirmationCode")


def submit_resend(ctx: Context, page: Page) -> Response:
    client, _ = page.authorize(ctx)
    username = page.form.get("username", "").strip()
    if not username:
        return _confirm_page(ctx, page, error="msg.enter_username")
    result = _call(ctx, client, "ResendConfirmationCode", username, {})
    if isinstance(result, errors.CognitoError):
        return _confirm_page(ctx, page, username=username, error=result.message)
    return _confirm_page(ctx, page, username=username, destination=_destination(result), notice="msg.new_code_sent")


# ------------------------------------------------------------------ forgotten password


async def get_forgot(request: Request) -> Response:
    return await handle(request, lambda ctx, page: _forgot_page(ctx, page), post=False)


async def post_forgot(request: Request) -> Response:
    return await handle(request, submit_forgot, post=True, counts_as="ForgotPassword")


def _forgot_page(ctx: Context, page: Page, **values: Any) -> Response:
    page.authorize(ctx)
    values.setdefault("username", None)
    return page.render("forgot.html", 400 if values.get("error") else 200, **values)


def submit_forgot(ctx: Context, page: Page) -> Response:
    client, _ = page.authorize(ctx)
    username = page.form.get("username", "").strip()
    if not username:
        return _forgot_page(ctx, page, error="msg.enter_username")
    result = _call(ctx, client, "ForgotPassword", username, {})
    if isinstance(result, errors.CognitoError):
        return _forgot_page(ctx, page, username=username, error=result.message)
    return page.render("reset.html", username=username, destination=_destination(result))


async def post_reset(request: Request) -> Response:
    return await handle(request, submit_reset, post=True, counts_as="ConfirmForgotPassword")


def submit_reset(ctx: Context, page: Page) -> Response:
    client, _ = page.authorize(ctx)
    username = page.form.get("username", "").strip()
    code, password = page.form.get("code", "").strip(), page.form.get("password", "")
    if not username or not code or not password:
        return page.render("reset.html", 400, username=username, destination=None, error="msg.enter_code_and_password")
    result = _call(ctx, client, "ConfirmForgotPassword", username, {"ConfirmationCode": code, "Password": password})
    if isinstance(result, errors.CognitoError):
        return page.render("reset.html", 400, username=username, destination=None, error=result.message)
    return page.render("login.html", username=username, can_sign_up=can_sign_up(ctx, client),
                       notice="msg.password_reset_done")
