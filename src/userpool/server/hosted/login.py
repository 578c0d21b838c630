"""``GET/POST /login``: the sign-in form and every step after it (new password, MFA codes,
MFA choice, authenticator setup with a QR code), ending in the redirect back to the app.

Between pages the step (challenge name, Session, username) travels in a signed hidden field,
so it cannot be changed; the authorization request travels in the query string and is
checked again on every request.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import jwt
import segno
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import AppClient, User
from userpool.server.hosted import signin
from userpool.server.hosted.flow import Page, handle, set_session
from userpool.server.hosted.i18n import Text
from userpool.server.oauth2 import clients, http, response, sessions
from userpool.server.oauth2.cookies import STEP_SECONDS
from userpool.server.oauth2.request import AuthorizeRequest

_MFA_LABELS = ("SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP")  # the choices the catalogs name (mfa.<choice>)
_CODE_ANSWERS = {"SMS_MFA": "SMS_MFA_CODE", "EMAIL_OTP": "EMAIL_OTP_CODE", "SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE"}
STEPS = (*_CODE_ANSWERS, "NEW_PASSWORD_REQUIRED", "SELECT_MFA_TYPE", "MFA_SETUP")
_INVALID_SESSION = "msg.session_expired"


class StepInput(Exception):
    """The person's answer cannot be sent as it is (a field left empty, an unknown choice);
    its argument is the message (a catalog key or an i18n.Text)."""


async def get_login(request: Request) -> Response:
    return await handle(request, show_login, post=False)


async def post_login(request: Request) -> Response:
    # the username and password form (not an MFA or new-password step): its argon2id check first, as a read
    return await handle(request, submit, post=True, counts_as="InitiateAuth", checks_first=lambda form: "step" not in form)


def can_sign_up(ctx: Context, client: AppClient) -> bool:
    pool = pools.get_pool(ctx.db, client.pool_id)
    return not (pool.config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly", False)


def show_login(ctx: Context, page: Page, *, error: str | Text | None = None, status: int = 200, username: str | None = None) -> Response:
    client, req = page.authorize(ctx)
    return page.render("login.html", status, error=error, username=username or req.login_hint,
                       can_sign_up=can_sign_up(ctx, client))


def local_sign_in(client: AppClient) -> bool:
    """Does the client let the pool's own users sign in (COGNITO among its providers)?"""
    return clients.COGNITO in clients.identity_providers(client)


def submit(ctx: Context, page: Page) -> Response:
    client, req = page.authorize(ctx)
    if not local_sign_in(client):
        return show_login(ctx, page, error="msg.providers_only", status=400)
    if "step" in page.form:
        step = page.jar.read(page.form.get("step"), "step", STEP_SECONDS)
        if not isinstance(step, dict) or step.get("c") not in STEPS:
            return show_login(ctx, page, error=_INVALID_SESSION, status=400)
        return answer_step(ctx, page, client, req, step)
    username = page.form.get("username", "").strip()
    password = page.form.get("password", "")
    if not username or not password:
        return show_login(ctx, page, error="msg.missing_credentials", status=400, username=username)
    outcome = attempt(ctx, lambda: signin.password(ctx, client, username, password, response.options_for(req)))
    if isinstance(outcome, errors.CognitoError):
        return refused(ctx, page, outcome, username)
    return advance(ctx, page, client, req, username, outcome)


def attempt(ctx: Context, call: Any) -> dict[str, Any] | errors.CognitoError:
    """Run one sign-in call in a savepoint: a refused call changes nothing, except what
    Cognito keeps on failure (the failed-attempt count toward lockout, a retry left)."""
    nested = ctx.db.begin_nested()
    try:
        result: dict[str, Any] = call()
    except errors.CognitoError as exc:
        if exc.persist:
            nested.commit()
        else:
            nested.rollback()
        return exc
    nested.commit()
    return result


def refused(ctx: Context, page: Page, exc: errors.CognitoError, username: str) -> Response:
    """A refused sign-in, told in the words Cognito's API uses (and its hosted UI shows)."""
    if exc.name == "UserNotConfirmedException":
        return page.render("confirm.html", 400, username=username, destination=None,
                           error="msg.not_confirmed")
    if exc.name == "PasswordResetRequiredException":
        return page.render("forgot.html", 400, username=username, error="msg.reset_required")
    return show_login(ctx, page, error=exc.message or "msg.sign_in_failed", status=400, username=username)


def advance(ctx: Context, page: Page, client: AppClient, req: AuthorizeRequest, username: str, result: dict[str, Any]) -> Response:
    """The next page after a sign-in call: a challenge step, or back to the app with a code."""
    if "AuthenticationResult" in result:
        return finish(ctx, page, req, result["AuthenticationResult"])
    challenge = str(result.get("ChallengeName", ""))
    params: dict[str, str] = result.get("ChallengeParameters") or {}
    session = str(result.get("Session") or "")
    if challenge not in STEPS or not session:
        return show_login(ctx, page, error=Text("msg.step_unsupported", challenge=challenge), status=400)
    username = params.get("USER_ID_FOR_SRP") or username
    extra: dict[str, Any] = {}
    if challenge == "NEW_PASSWORD_REQUIRED":
        extra["required"] = [a.removeprefix("userAttributes.") for a in json.loads(params.get("requiredAttributes") or "[]")]
    elif challenge == "SELECT_MFA_TYPE":
        extra["options"] = json.loads(params.get("MFAS_CAN_CHOOSE") or "[]")
    elif challenge in ("SMS_MFA", "EMAIL_OTP"):
        extra["destination"] = params.get("CODE_DELIVERY_DESTINATION")
    elif challenge == "MFA_SETUP":
        methods = json.loads(params.get("MFAS_CAN_SETUP") or "[]")
        if "SOFTWARE_TOKEN_MFA" in methods:
            return setup_page(ctx, page, client, username, session)
        if "EMAIL_OTP" not in methods:
            return show_login(ctx, page, error="msg.no_mfa_setup", status=400)
        extra["email_setup"] = True
    return step_page(page, {"c": challenge, "s": session, "u": username, "x": extra})


def step_page(page: Page, step: dict[str, Any], *, error: str | Text | None = None, status: int = 200, **values: Any) -> Response:
    extra = step.get("x") or {}
    return page.render(
        "challenge.html", status, error=error, step=page.jar.sign(step, "step"), challenge=step["c"],
        destination=extra.get("destination"), required=extra.get("required", []),
        options=extra.get("options", []), labels=_MFA_LABELS, **{"secret": None, "qr_svg": "", **values},
    )


def setup_page(ctx: Context, page: Page, client: AppClient, username: str, session: str, *, error: str | None = None) -> Response:
    """MFA_SETUP: a new authenticator secret (AssociateSoftwareToken with the Session) and its QR code."""
    outcome = attempt(ctx, lambda: signin.associate_totp(ctx, session))
    if isinstance(outcome, errors.CognitoError):
        return show_login(ctx, page, error=outcome.message or _INVALID_SESSION, status=400)
    secret = str(outcome["SecretCode"])
    step = {"c": "MFA_SETUP", "s": str(outcome["Session"]), "u": username, "x": {"secret": secret}}
    return step_page(page, step, error=error, status=400 if error else 200, secret=secret,
                     qr_svg=qr_svg(ctx, client, username, secret))


def qr_svg(ctx: Context, client: AppClient, username: str, secret: str) -> str:
    """The authenticator's otpauth:// URI as an inline SVG QR code (segno escapes nothing it
    should not: the URI's parts are percent-encoded first)."""
    issuer = quote(pools.get_pool(ctx.db, client.pool_id).name)
    uri = f"otpauth://totp/{issuer}:{quote(username)}?secret={secret}&issuer={issuer}"
    return str(segno.make(uri, error="m").svg_inline(scale=4))


def answers_for(step: dict[str, Any], form: dict[str, str]) -> dict[str, str]:
    challenge = step["c"]
    if challenge == "MFA_SETUP":  # e-mail MFA set up in the sign-in: the address its codes go to
        email = form.get("email", "").strip()
        if not email:
            raise StepInput("msg.enter_email")
        return {"EMAIL": email}
    if challenge in _CODE_ANSWERS:
        code = form.get("code", "").strip()
        if not code:
            raise StepInput("msg.enter_code")
        return {_CODE_ANSWERS[challenge]: code}
    if challenge == "SELECT_MFA_TYPE":
        choice = form.get("answer", "")
        if choice not in (step.get("x") or {}).get("options", []):
            raise StepInput("msg.choose_option")
        return {"ANSWER": choice}
    new_password = form.get("new_password", "")
    if not new_password:
        raise StepInput("msg.enter_new_password")
    out = {"NEW_PASSWORD": new_password}
    for name in (step.get("x") or {}).get("required", []):
        value = form.get(f"attr_{name}", "").strip()
        if not value:
            raise StepInput(Text("msg.enter_attribute", name=name))
        out[f"userAttributes.{name}"] = value
    return out


def answer_step(ctx: Context, page: Page, client: AppClient, req: AuthorizeRequest, step: dict[str, Any]) -> Response:
    username, session = str(step.get("u", "")), str(step.get("s", ""))
    if step["c"] == "MFA_SETUP" and not (step.get("x") or {}).get("email_setup"):
        return answer_setup(ctx, page, client, req, step)
    try:
        responses = answers_for(step, page.form)
    except StepInput as exc:
        return step_page(page, step, error=exc.args[0], status=400)
    outcome = attempt(ctx, lambda: signin.answer(ctx, client, step["c"], session, username, responses,
                                                 response.options_for(req)))
    if isinstance(outcome, errors.CognitoError):
        if outcome.name == "NotAuthorizedException" and "session" in outcome.message.lower():
            return show_login(ctx, page, error=_INVALID_SESSION, status=400)
        if outcome.name in ("CodeMismatchException", "InvalidPasswordException", "InvalidParameterException"):
            return step_page(page, step, error=outcome.message, status=400)
        return refused(ctx, page, outcome, username)
    return advance(ctx, page, client, req, username, outcome)


def answer_setup(ctx: Context, page: Page, client: AppClient, req: AuthorizeRequest, step: dict[str, Any]) -> Response:
    secret = str((step.get("x") or {}).get("secret", ""))

    def again(message: str) -> Response:  # the same secret and Session: a wrong code may be retried
        return step_page(page, step, error=message, status=400, secret=secret, qr_svg=qr_svg(ctx, client, str(step["u"]), secret))

    code = page.form.get("code", "").strip()
    if not code:
        return again("msg.enter_code")
    verified = attempt(ctx, lambda: signin.verify_totp(ctx, str(step["s"]), code))
    if isinstance(verified, errors.CognitoError):
        if verified.name in ("CodeMismatchException", "EnableSoftwareTokenMFAException"):
            return again("msg.totp_wrong")
        return show_login(ctx, page, error=verified.message or _INVALID_SESSION, status=400)
    session = str(verified.get("Session") or "")
    outcome = attempt(ctx, lambda: signin.answer(ctx, client, "MFA_SETUP", session, str(step["u"]), {},
                                                 response.options_for(req)))
    if isinstance(outcome, errors.CognitoError):
        return refused(ctx, page, outcome, str(step["u"]))
    return advance(ctx, page, client, req, str(step["u"]), outcome)


def finish(ctx: Context, page: Page, req: AuthorizeRequest, result: dict[str, Any]) -> Response:
    """Signed in: start the browser's session, and send it back to the app with its code or tokens."""
    claims = jwt.decode(result["AccessToken"], options={"verify_signature": False})  # just signed here
    user = ctx.db.scalars(select(User).where(User.sub == str(claims["sub"]))).one()
    auth_time = int(claims.get("auth_time", ctx.now))
    handle_ = sessions.start(ctx, user, auth_time)
    location = response.redirect_location(ctx, req, user, result, auth_time)
    answer = http.redirect(location)
    set_session(answer, page, handle_, user.pool_id)
    return answer
