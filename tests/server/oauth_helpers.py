"""Driving managed login over plain HTTP, as a browser would, without one: follow redirects by
hand, keep cookies, read each page's form (action, hidden fields) with the stdlib HTML parser.

A PKCE pair, an OAuth app client, and a ``Browser`` whose steps return what a person would see.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer, create_pool

CALLBACK = "https://app.example.com/callback"
LOGOUT = "https://app.example.com/signed-out"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def oauth_pool(server: RunningServer, *, secret: bool = False, pool_args: dict[str, Any] | None = None,
               **client_args: Any) -> dict[str, Any]:
    """A pool and an app client set up for managed login (code + implicit, openid/email/profile)."""
    settings: dict[str, Any] = {
        "ExplicitAuthFlows": ALL_FLOWS,
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": ["code", "implicit"],
        "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
        "CallbackURLs": [CALLBACK, "http://localhost:3000/"],
        "LogoutURLs": [LOGOUT],
        "SupportedIdentityProviders": ["COGNITO"],
        **({"GenerateSecret": True} if secret else {}),
        **client_args,
    }
    return create_pool(server, client_args=settings, **(pool_args or {}))


@dataclass
class Form:
    action: str
    fields: dict[str, str]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), {}))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") == "radio" and "checked" not in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


@dataclass
class Page:
    response: httpx.Response
    forms: list[Form] = field(default_factory=list)
    text: str = ""

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def form(self) -> Form:
        return self.forms[0]


class Browser:
    """Cookies and manual redirects over one httpx client (no JavaScript: the pages need none)."""

    def __init__(self, server: RunningServer, base_url: str | None = None, **kwargs: Any) -> None:
        self.server = server
        self.base = base_url or server.url
        self.http = httpx.Client(base_url=self.base, follow_redirects=False, timeout=30, **kwargs)

    def close(self) -> None:
        self.http.close()

    def page(self, response: httpx.Response) -> Page:
        parser = _Forms()
        if response.headers.get("content-type", "").startswith("text/html"):
            parser.feed(response.text)
        return Page(response, parser.forms, " ".join(t.strip() for t in parser.texts if t.strip()))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, **kwargs)

    def submit(self, form: Form, **values: str) -> httpx.Response:
        return self.http.post(form.action, data={**form.fields, **values})

    def follow_to_app(self, response: httpx.Response, limit: int = 5) -> httpx.Response | Page:
        """Follow our own redirects; stop at the app's redirect_uri (returned) or at a page."""
        for _ in range(limit):
            if response.status_code != 302:
                return self.page(response)
            location = response.headers["location"]
            if not location.startswith("/") and not location.startswith(self.base):
                return response
            response = self.http.get(location)
        raise AssertionError("too many redirects")

    def authorize(self, pool: dict[str, Any], **params: str) -> httpx.Response | Page:
        query = {"client_id": pool["client_id"], "response_type": "code", "redirect_uri": CALLBACK, **params}
        return self.follow_to_app(self.http.get("/oauth2/authorize?" + urlencode(query)))

    def sign_in(self, pool: dict[str, Any], username: str, password: str = PASSWORD, **params: str) -> httpx.Response | Page:
        login = self.authorize(pool, **params)
        assert isinstance(login, Page) and login.status == 200, getattr(login, "text", login)
        return self.follow_to_app(self.submit(login.form, username=username, password=password))


def redirect_params(response: httpx.Response | Page) -> dict[str, str]:
    assert isinstance(response, httpx.Response) and response.status_code == 302, response
    parts = urlsplit(response.headers["location"])
    return {k: v[0] for k, v in parse_qs(parts.fragment or parts.query).items()}


def token(server: RunningServer, pool: dict[str, Any], data: dict[str, str], *, auth: tuple[str, str] | None = None) -> httpx.Response:
    return httpx.post(server.url + "/oauth2/token", data=data, auth=auth, timeout=30)


def exchange(server: RunningServer, pool: dict[str, Any], code: str, verifier: str | None = None,
             redirect_uri: str = CALLBACK) -> httpx.Response:
    data = {"grant_type": "authorization_code", "client_id": pool["client_id"], "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    auth = (pool["client_id"], pool["client_secret"]) if pool.get("client_secret") else None
    return token(server, pool, data, auth=auth)


def claims(token_: str) -> dict[str, Any]:
    return dict(jwt.decode(token_, options={"verify_signature": False}))


def unique(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


