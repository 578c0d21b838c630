"""``GET /oauth2/idpresponse``: where an OIDC identity provider sends the browser back after a
federated sign-in. The code is exchanged and verified (oauth2/federation.py), the user is
found or created, and the sign-in goes on like a hosted one: a session cookie and a redirect
to the app with its authorization code. A module apart from federation.py because it needs
the authorization and hosted-page steps, which themselves start federated sign-ins."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from userpool.server.context import Context
from userpool.server.hosted.flow import set_cookie_session
from userpool.server.hosted.pages import error_page
from userpool.server.oauth2 import federation, http
from userpool.server.oauth2.authorize import authorization, error_redirect
from userpool.server.oauth2.cookies import CookieJar
from userpool.server.oauth2.errors import INVALID_REQUEST, PageError, RedirectError


async def callback(request: Request) -> Response:
    state = http.state_of(request)
    jar = CookieJar.for_sealer(state.sealer)
    params = http.query(request)
    carried = jar.read(params.get("state"), "idp-state", federation.STATE_SECONDS)
    if not isinstance(carried, dict) or not secrets.compare_digest(str(carried.get("b")), request.cookies.get(federation.STATE_COOKIE, "")):
        return error_page("The sign-in with the identity provider has expired or did not start in this browser.", 400)
    try:
        answer = await _finish(request, jar, params, carried)
    except PageError as exc:
        return error_page(exc.message, exc.status)
    except RedirectError as exc:
        answer = error_redirect(exc)
    answer.delete_cookie(federation.STATE_COOKIE, path="/", secure=state.config.tls, httponly=True, samesite="lax")
    return answer


async def _finish(request: Request, jar: CookieJar, params: dict[str, str], carried: dict[str, Any]) -> Response:
    host = http.host_name(request)

    def load(ctx: Context) -> federation.Plan:
        client, req = authorization(ctx, dict(carried.get("q") or {}), host)
        return federation.plan(ctx, client, req, str(carried.get("p") or ""))  # the provider the sign-in went to

    plan_ = await http.run(request, load)
    if params.get("error") or not params.get("code"):
        raise plan_.req.refuse(INVALID_REQUEST, f"{plan_.provider} Error - {params.get('error') or 'no code'}")
    claims = await federation.provider_claims(request, plan_, params["code"], str(carried.get("n", "")))
    user, location, handle = await http.run(request, lambda ctx: federation.sign_in(ctx, plan_, claims))
    answer = http.redirect(location)
    set_cookie_session(answer, jar, handle, user.pool_id, http.state_of(request).config.tls)
    return answer
