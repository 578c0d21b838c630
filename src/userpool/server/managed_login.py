"""The managed-login routes the HTTP edge mounts: the OAuth 2.0 endpoints (server/oauth2/) and the
hosted pages (server/hosted/). A module of its own so that neither package imports the other's
parent to build the table."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from userpool.server.hosted import account, login
from userpool.server.oauth2 import authorize, federation, idp_response, logout, revoke, token, userinfo


def routes() -> list[BaseRoute]:
    return [
        Route("/oauth2/authorize", authorize.endpoint, methods=["GET"]),
        Route("/oauth2/token", token.endpoint, methods=["POST"]),
        Route("/oauth2/userInfo", userinfo.endpoint, methods=["GET", "POST"]),
        Route("/oauth2/revoke", revoke.endpoint, methods=["POST"]),
        Route("/logout", logout.endpoint, methods=["GET"]),
        Route(federation.CALLBACK_PATH, idp_response.callback, methods=["GET"]),
        Route("/login", login.get_login, methods=["GET"]),
        Route("/login", login.post_login, methods=["POST"]),
        Route("/signup", account.get_signup, methods=["GET"]),
        Route("/signup", account.post_signup, methods=["POST"]),
        Route("/confirm", account.get_confirm, methods=["GET"]),
        Route("/confirm", account.post_confirm, methods=["POST"]),
        Route("/resendcode", account.post_resend, methods=["POST"]),
        Route("/forgotPassword", account.get_forgot, methods=["GET"]),
        Route("/forgotPassword", account.post_forgot, methods=["POST"]),
        Route("/confirmForgotPassword", account.post_reset, methods=["POST"]),
    ]
