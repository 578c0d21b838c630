"""What every hosted page shares: the checked authorization request from the query string,
the CSRF cookie and token, size-limited forms, and the error pages.

A page handler is a plain function ``(ctx, page) -> Response`` run in one transaction;
refused input (no CSRF token, an oversize form, an unknown client) never reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.hosted import pages
from userpool.server.oauth2 import authorize, clients, federation, http
from userpool.server.oauth2.cookies import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_SECONDS,
    CookieJar,
    cookie_options,
    session_cookie_name,
)
from userpool.server.oauth2.errors import OAuthError, PageError, RedirectError
from userpool.server.oauth2.request import AuthorizeRequest

PageHandler = Callable[[Context, "Page"], Response]


@dataclass
class Page:
    params: dict[str, str]
    form: dict[str, str]
    host: str
    secure: bool
    jar: CookieJar
    csrf_secret: str
    new_csrf: bool = False
    client: AppClient | None = None
    req: AuthorizeRequest | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str | None:
        """The ``lang`` the request asked for (before the request is checked, for error pages)."""
        return self.req.lang if self.req is not None else self.params.get("lang")

    @property
    def csrf(self) -> str:
        return self.jar.csrf_token(self.csrf_secret)

    def authorize(self, ctx: Context) -> tuple[AppClient, AuthorizeRequest]:
        """The page's app client and authorization request (checked on every request)."""
        self.client, self.req = authorize.authorization(ctx, self.params, self.host)
        self.values.update(pages.customization(ctx.db, self.client.pool_id, self.client.id))
        return self.client, self.req

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        if self.req is None or self.client is None:
            raise RuntimeError("a page is rendered only after its request was checked (Page.authorize)")
        providers = federation.provider_links_for(self.req, federation.providers_of(self.client))
        local = clients.COGNITO in clients.identity_providers(self.client)
        return pages.render(template, status, query=self.req.query, csrf=self.csrf, lang=self.req.lang,
                            providers=providers, local=local, **{**self.values, **values})


def guess_shape(counts_as: str | None, form: dict[str, str]) -> dict[str, Any]:
    """A hosted POST as the rate limiter reads the wire request it stands for: every form names
    its user (``Username``), and the sign-in page's posts (a password, a code, a new password)
    are InitiateAuth guesses, counted per address and per user like the wire's."""
    username = form.get("username", "").strip()
    if counts_as == "InitiateAuth":
        return {"AuthParameters": {"USERNAME": username, "PASSWORD": ""}}
    return {"Username": username}


async def handle(request: Request, handler: PageHandler, *, post: bool, counts_as: str | None = None,
                 checks_first: Callable[[dict[str, str]], bool] | None = None) -> Response:
    """Run a page handler; ``counts_as`` is the Cognito operation a POST stands for (quotas, timing);
    ``checks_first(form)``: whether the POST runs first as a read (``http.run_sync``)."""
    state = http.state_of(request)
    jar = CookieJar.for_sealer(state.sealer)
    cookie_secret = request.cookies.get(CSRF_COOKIE)
    page = Page(
        params=http.query(request), form={}, host=http.host_name(request), secure=state.config.tls, jar=jar,
        csrf_secret=cookie_secret or jar.new_csrf_secret(),
        new_csrf=not cookie_secret,
    )
    if post:
        try:
            page.form = await http.read_form(request)
        except http.FormTooLarge:
            return pages.error_page("msg.form_too_large", 413, page.lang)
        except OAuthError:
            return pages.error_page("msg.form_unreadable", 400, page.lang)
        if not jar.csrf_ok(cookie_secret, page.form.get(CSRF_FIELD)):
            return pages.error_page("msg.form_expired", 403, page.lang)
    try:
        response = await http.run(request, lambda ctx: handler(ctx, page), counts_as=counts_as if post else None,
                                  client_id=page.params.get("client_id"), counted=guess_shape(counts_as, page.form),
                                  checks_first=post and checks_first is not None and checks_first(page.form))
    except errors.TooManyRequests:
        response = pages.error_page("msg.too_many_requests", 429, page.lang)
    except PageError as exc:
        response = pages.error_page(exc.message, exc.status, page.lang)
    except RedirectError as exc:
        response = authorize.error_redirect(exc)
    if page.new_csrf:
        response.set_cookie(CSRF_COOKIE, page.csrf_secret, **cookie_options(page.secure, None))  # type: ignore[arg-type]
    return response


def set_session(response: Response, page: Page, handle: str, pool_id: str) -> None:
    set_cookie_session(response, page.jar, handle, pool_id, page.secure)


def set_cookie_session(response: Response, jar: CookieJar, handle: str, pool_id: str, secure: bool) -> None:
    """The pool's signed session cookie (HttpOnly, SameSite=Lax, Secure over TLS)."""
    response.set_cookie(session_cookie_name(pool_id), jar.sign(handle, "session"),
                        **cookie_options(secure, SESSION_SECONDS))  # type: ignore[arg-type]


def clear_session(response: Response, pool_id: str, secure: bool) -> None:
    response.delete_cookie(session_cookie_name(pool_id), path="/", secure=secure, httponly=True, samesite="lax")
