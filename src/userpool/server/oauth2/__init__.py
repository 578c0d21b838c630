"""Cognito's OAuth 2.0 / OpenID Connect endpoints (managed login), one module per endpoint.

How a request finds its pool: the ``client_id`` (unique across pools) names it on every
endpoint, and the access token does on userInfo, so a bare loopback address works. When the
Host header is one of a pool's domains (a prefix domain's first label, or a custom domain),
a client of another pool is refused as unknown.
"""

from __future__ import annotations

import re

from starlette.routing import BaseRoute, Route

from userpool.server.config import ServerConfig

_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def routes() -> list[BaseRoute]:
    from userpool.server.hosted import account, login
    from userpool.server.oauth2 import authorize, federation, logout, revoke, token, userinfo

    return [
        Route("/oauth2/authorize", authorize.endpoint, methods=["GET"]),
        Route("/oauth2/token", token.endpoint, methods=["POST"]),
        Route("/oauth2/userInfo", userinfo.endpoint, methods=["GET", "POST"]),
        Route("/oauth2/revoke", revoke.endpoint, methods=["POST"]),
        Route("/logout", logout.endpoint, methods=["GET"]),
        Route(federation.CALLBACK_PATH, federation.callback, methods=["GET"]),
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


def public_base(config: ServerConfig, host: str | None) -> str:
    """Where clients reach the endpoints: ``--public-url`` when set, else the address the
    request came in on (so 127.0.0.1, localhost and a pool's domain each get working URLs)."""
    if config.public_url:
        return config.public_url.rstrip("/")
    if not host or not _HOST.fullmatch(host):
        host = f"{config.host}:{config.port}"
    return f"{'https' if config.tls else 'http'}://{host}"


def discovery(base_url: str, issuer: str, pool_id: str) -> dict[str, object]:
    """The pool's OpenID Provider metadata, advertising the endpoints above at ``base_url``."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base_url}/oauth2/authorize",
        "token_endpoint": f"{base_url}/oauth2/token",
        "userinfo_endpoint": f"{base_url}/oauth2/userInfo",
        "revocation_endpoint": f"{base_url}/oauth2/revoke",
        "end_session_endpoint": f"{base_url}/logout",
        "jwks_uri": f"{base_url}/{pool_id}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "implicit"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "token_use", "cognito:username", "cognito:groups",
            "email", "email_verified", "phone_number", "phone_number_verified", "name", "given_name", "family_name",
            "identities",
        ],
    }
