"""FastAPI, Starlette (ASGI), Flask and WSGI apps protected by the integrations, called with
real tokens from ``userpool serve``, with junk, and with nothing (RFC 6750 answers)."""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any

import flask
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.verify.conftest import RealTokens
from userpool.verify import CognitoJwtVerifier, JwksCache
from userpool.verify.asgi import BearerAuthMiddleware
from userpool.verify.fastapi import require_access_token, require_token
from userpool.verify.flask import require_token as flask_require_token
from userpool.verify.wsgi import ENVIRON_KEY, BearerAuthWsgiMiddleware

QUOTED_STRING = re.compile(r"^[\x20-\x21\x23-\x5b\x5d-\x7e]*$")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def challenge(response: Any) -> dict[str, str]:
    """The WWW-Authenticate parameters, checking the header's syntax on the way."""
    value = response.headers["www-authenticate"]
    assert value == "Bearer" or value.startswith("Bearer ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', value))
    assert all(QUOTED_STRING.match(v) for v in params.values())
    return params


def check_refusals(get: Any, real: RealTokens, protected: str, admin: str, superusers: str) -> None:
    """The same contract for every integration."""
    ok = get(protected, bearer(real.access))
    assert ok.status_code == 200 and ok.get_json_body()["username"] == real.username

    missing = get(protected, {})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"  # RFC 6750 §3.1: no error code

    other_scheme = get(protected, {"Authorization": "Basic dXNlcjpwYXNz"})
    assert other_scheme.status_code == 401 and other_scheme.headers["www-authenticate"] == "Bearer"

    malformed = get(protected, {"Authorization": "Bearer"})
    assert malformed.status_code == 400 and challenge(malformed)["error"] == "invalid_request"

    id_token = get(protected, bearer(real.id))
    assert id_token.status_code == 401
    params = challenge(id_token)
    assert params["error"] == "invalid_token"
    assert "This is an ID token" in params["error_description"]
    assert "fetch_auth_session().tokens.access_token" in params["error_description"]

    junk = get(protected, bearer("not.a.jwt"))
    assert junk.status_code == 401 and challenge(junk)["error"] == "invalid_token"

    refresh = get(protected, bearer(real.refresh))
    assert refresh.status_code == 401 and "not bearer tokens" in challenge(refresh)["error_description"]

    assert get(admin, bearer(real.access)).status_code == 200
    forbidden = get(superusers, bearer(real.access))
    assert forbidden.status_code == 403
    params = challenge(forbidden)
    assert params["error"] == "insufficient_scope" and "superusers" in params["error_description"]


class _Adapter:
    """Uniform ``.status_code/.headers/.get_json_body()`` over Starlette's and Flask's test clients."""

    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self._response = response

    def get_json_body(self) -> Any:
        r = self._response
        return r.get_json() if hasattr(r, "get_json") else r.json()


@pytest.fixture
def verifier(real: RealTokens) -> CognitoJwtVerifier:
    return real.verifier(jwks_cache=JwksCache())


def test_fastapi_dependency(real: RealTokens, verifier: CognitoJwtVerifier) -> None:
    app = FastAPI()

    @app.get("/me")
    async def me(
        claims: dict[str, Any] = Depends(require_access_token(verifier)),  # noqa: B008
    ) -> dict[str, Any]:
        return {"username": claims["username"]}

    @app.get("/admin")
    def admin(
        claims: dict[str, Any] = Depends(require_access_token(verifier, groups="admin")),  # noqa: B008
    ) -> dict[str, Any]:
        return {"username": claims["username"]}

    @app.get("/super")
    async def superusers(
        claims: dict[str, Any] = Depends(require_access_token(verifier, groups="superusers")),  # noqa: B008
    ) -> dict[str, Any]:
        return {}

    with TestClient(app) as client:
        check_refusals(
            lambda path, headers: _Adapter(client.get(path, headers=headers)), real, "/me", "/admin", "/super"
        )
        body = client.get("/me", headers=bearer(real.id)).json()
        assert body["detail"]["error"] == "invalid_token"
        assert "HTTPBearer" in client.get("/openapi.json").json()["components"]["securitySchemes"]


def test_fastapi_dependency_built_from_arguments(real: RealTokens) -> None:
    app = FastAPI()
    dependency = require_token(
        token_use="id",
        user_pool_id=real.pool["pool_id"],
        issuer=real.pool["issuer"],
        client_id=real.pool["client_id"],
        jwks_cache=JwksCache(),
    )

    @app.get("/profile")
    async def profile(claims: dict[str, Any] = Depends(dependency)) -> dict[str, Any]:  # noqa: B008
        return {"email": claims["email"]}

    with TestClient(app) as client:
        assert client.get("/profile", headers=bearer(real.id)).json() == {
            "email": f"{real.username}@example.com"
        }
        assert client.get("/profile", headers=bearer(real.access)).status_code == 401


def test_fastapi_answers_503_when_keys_are_unreachable(real: RealTokens) -> None:
    from tests.conftest import free_port

    dead = real.verifier(jwks_uri=f"http://127.0.0.1:{free_port()}/jwks.json", jwks_cache=JwksCache())
    app = FastAPI()

    @app.get("/me")
    async def me(claims: dict[str, Any] = Depends(require_access_token(dead))) -> dict[str, Any]:  # noqa: B008
        return claims

    with TestClient(app) as client:
        response = client.get("/me", headers=bearer(real.access))
        assert response.status_code == 503 and "www-authenticate" not in response.headers


def test_starlette_middleware(real: RealTokens, verifier: CognitoJwtVerifier) -> None:
    async def me(request: Request) -> JSONResponse:
        return JSONResponse({"username": request.state.claims["username"]})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"username": websocket.state.claims["username"]})
        await websocket.close()

    def app_with(**options: Any) -> Starlette:
        app = Starlette(
            routes=[
                Route("/me", me),
                Route("/admin", me),
                Route("/super", me),
                Route("/health", health),
                WebSocketRoute("/ws", socket),
            ]
        )
        app.add_middleware(BearerAuthMiddleware, verifier=verifier, public_paths={"/health"}, **options)
        return app

    with (
        TestClient(app_with()) as plain,
        TestClient(app_with(groups="admin")) as admins,
        TestClient(app_with(groups="superusers")) as supers,
    ):

        def get(path: str, headers: dict[str, str]) -> _Adapter:
            client = {"/me": plain, "/admin": admins, "/super": supers}[path]
            return _Adapter(client.get(path, headers=headers))

        check_refusals(get, real, "/me", "/admin", "/super")
        assert plain.get("/health").json() == {"ok": True}
        with plain.websocket_connect("/ws", headers=bearer(real.access)) as ws:
            assert ws.receive_json() == {"username": real.username}
        with (
            pytest.raises(WebSocketDisconnect) as info,
            plain.websocket_connect("/ws", headers=bearer(real.id)),
        ):
            pass
        assert info.value.code == 1008
        two = plain.get(
            "/me", headers=[("Authorization", f"Bearer {real.access}"), ("Authorization", "Bearer x")]
        )
        assert two.status_code == 400


def test_flask_decorator(real: RealTokens, verifier: CognitoJwtVerifier) -> None:
    app = flask.Flask(__name__)

    @app.get("/me")
    @flask_require_token(verifier)
    def me() -> dict[str, Any]:
        return {"username": flask.g.claims["username"]}

    @app.get("/admin")
    @flask_require_token(verifier, groups="admin")
    def admin() -> dict[str, Any]:
        return {"username": flask.g.claims["username"]}

    @app.get("/super")
    @flask_require_token(verifier, groups=["superusers"])
    def superusers() -> dict[str, Any]:
        return {}

    client = app.test_client()
    check_refusals(
        lambda path, headers: _Adapter(client.get(path, headers=headers)), real, "/me", "/admin", "/super"
    )


def test_flask_decorator_on_async_views(real: RealTokens, verifier: CognitoJwtVerifier) -> None:
    """Flask runs async views only with its "async" extra; the wrapper itself is tested here."""
    app = flask.Flask(__name__)

    @flask_require_token(verifier)
    async def me() -> dict[str, Any]:
        return {"username": flask.g.claims["username"]}

    assert inspect.iscoroutinefunction(me)
    with app.test_request_context(headers=bearer(real.access)):
        assert asyncio.run(me()) == {"username": real.username}
    with app.test_request_context(headers=bearer(real.id)):
        refused: Any = asyncio.run(me())
        assert refused.status_code == 401 and "ID token" in refused.headers["WWW-Authenticate"]


def test_wsgi_middleware(real: RealTokens, verifier: CognitoJwtVerifier) -> None:
    def app_with(**options: Any) -> flask.Flask:
        app = flask.Flask(__name__)

        @app.get("/<name>")
        def any_path(name: str) -> dict[str, Any]:
            return {"username": flask.request.environ[ENVIRON_KEY]["username"]}

        app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app, verifier, **options)  # type: ignore[method-assign]
        return app

    clients = {"/me": app_with().test_client(), "/admin": app_with(groups="admin").test_client()}
    clients["/super"] = app_with(groups="superusers").test_client()
    check_refusals(
        lambda path, headers: _Adapter(clients[path].get(path, headers=headers)),
        real,
        "/me",
        "/admin",
        "/super",
    )


def test_integration_mistakes_fail_at_setup(verifier: CognitoJwtVerifier) -> None:
    from userpool.verify import VerifierConfigError

    with pytest.raises(VerifierConfigError, match="groups"):
        require_access_token(verifier, groups=[])
    with pytest.raises(TypeError, match="not both"):
        flask_require_token(verifier, client_id="x")
    with pytest.raises(VerifierConfigError, match="token_use"):
        BearerAuthWsgiMiddleware(lambda e, s: [], verifier, token_use="refresh")


def test_missing_scope_names_the_scope_in_the_challenge(
    real: RealTokens, verifier: CognitoJwtVerifier
) -> None:
    app = flask.Flask(__name__)

    @app.get("/openid")
    @flask_require_token(verifier, scope=["openid", "profile"], realm="api")
    def needs_openid() -> dict[str, Any]:
        return {}

    response = app.test_client().get("/openid", headers=bearer(real.access))
    assert response.status_code == 403
    params = challenge(_Adapter(response))
    assert params == {
        "realm": "api",
        "error": "insufficient_scope",
        "error_description": params["error_description"],
        "scope": "openid profile",
    }
    assert "aws.cognito.signin.user.admin" in params["error_description"]
    missing = app.test_client().get("/openid")
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
