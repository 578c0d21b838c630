"""Bearer tokens over HTTP (RFC 6750), framework-neutral: read the header, map failures.

Every integration (FastAPI, ASGI, Flask, WSGI) is a thin adapter over these functions,
so they all answer the same way:

* no bearer credentials → 401, ``WWW-Authenticate: Bearer`` (with ``realm`` if set) and
  no error code (RFC 6750 §3.1: a request without credentials gets no error);
* a malformed ``Authorization`` header → 400, ``error="invalid_request"``;
* a bad token → 401, ``error="invalid_token", error_description="..."``;
* a good token without the required group or scope → 403, ``error="insufficient_scope"``;
* keys or the revocation check unreachable → 503: the token may be fine, we cannot tell.

``error_description`` carries the verifier's message (e.g. "This is an ID token ...
send the access token ..."), made safe for a quoted-string (RFC 6750 §3: printable
ASCII without ``"`` and ``\\``), so that a front-end developer sees what to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from userpool.verify.errors import (
    JwksFetchError,
    JwtInvalidGroupError,
    JwtInvalidScopeError,
    JwtVerificationError,
    RevocationCheckError,
)
from userpool.verify.verifier import CognitoJwtVerifier

App = TypeVar("App")

_UNSAFE = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")
MAX_DESCRIPTION_CHARS = 512


@dataclass(frozen=True, slots=True)
class Denial:
    """An HTTP refusal: status, ``WWW-Authenticate`` value, and a JSON body."""

    status: int
    www_authenticate: str | None
    error: str | None
    description: str

    def body(self) -> dict[str, str]:
        """OAuth-style JSON body (RFC 6749 §5.2 field names)."""
        if self.error is None:
            return {"error": "unauthorized", "error_description": self.description}
        return {"error": self.error, "error_description": self.description}

    def headers(self) -> dict[str, str]:
        if self.www_authenticate is None:
            return {"Retry-After": "10"}
        return {"WWW-Authenticate": self.www_authenticate}

    def encoded(self) -> tuple[bytes, list[tuple[str, str]]]:
        """Body bytes and headers, for the raw ASGI and WSGI adapters."""
        body = json.dumps(self.body()).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        return body, headers + list(self.headers().items())


class BearerError(Exception):
    """The request did not carry a usable bearer token; :attr:`denial` says how to answer."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(denial.description)
        self.denial = denial


def _quoted(text: str) -> str:
    text = _UNSAFE.sub("'", text.replace("\\", "/"))
    return text[:MAX_DESCRIPTION_CHARS]


def _challenge(realm: str | None, **params: str) -> str:
    parts = [f'realm="{_quoted(realm)}"'] if realm else []
    parts += [f'{name}="{_quoted(value)}"' for name, value in params.items()]
    return "Bearer " + ", ".join(parts) if parts else "Bearer"


def missing_token(realm: str | None = None) -> Denial:
    return Denial(
        401, _challenge(realm), None, "This API needs an access token: Authorization: Bearer <token>"
    )


def malformed_header(realm: str | None = None) -> Denial:
    description = "The Authorization header is malformed; expected 'Bearer <token>'"
    return Denial(
        400,
        _challenge(realm, error="invalid_request", error_description=description),
        "invalid_request",
        description,
    )


def denial_for(
    exc: JwtVerificationError, realm: str | None = None, scope: Iterable[str] | None = None
) -> Denial:
    """How to answer a request whose token failed with ``exc``."""
    description = str(exc)
    if isinstance(exc, (JwtInvalidGroupError, JwtInvalidScopeError)):
        params = {"error": "insufficient_scope", "error_description": description}
        if scope and isinstance(exc, JwtInvalidScopeError):
            params["scope"] = " ".join(sorted(scope))  # RFC 6750 §3: the scope that would do
        return Denial(403, _challenge(realm, **params), "insufficient_scope", description)
    if isinstance(exc, (JwksFetchError, RevocationCheckError)):
        # Not the client's fault, and not a statement about the token: say "try later".
        return Denial(503, None, "temporarily_unavailable", description)
    return Denial(
        401,
        _challenge(realm, error="invalid_token", error_description=description),
        "invalid_token",
        description,
    )


def bearer_token(authorization: str | None, realm: str | None = None) -> str:
    """The token from an ``Authorization`` header value; raise :class:`BearerError` if absent
    or malformed. The scheme is case-insensitive (RFC 7235 §2.1)."""
    if not authorization:
        raise BearerError(missing_token(realm))
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise BearerError(missing_token(realm))  # other schemes carry no bearer credentials
    token = token.strip()
    if not token or " " in token:
        raise BearerError(malformed_header(realm))
    return token


class Guard:
    """What one protected endpoint (or app) demands, bound to the verifier that checks it.

    Built once when the route or middleware is set up; per request it only reads the
    header and calls ``verify``/``averify`` with the endpoint's own requirements.
    """

    def __init__(
        self,
        verifier: CognitoJwtVerifier | None,
        verifier_kwargs: dict[str, Any],
        *,
        token_use: str | None,
        groups: str | Iterable[str] | None,
        scope: str | Iterable[str] | None,
        realm: str | None,
    ) -> None:
        if verifier is None:
            verifier = CognitoJwtVerifier(**{"token_use": token_use, **verifier_kwargs})
        elif verifier_kwargs:
            raise TypeError(f"pass either a verifier or its arguments, not both: {sorted(verifier_kwargs)}")
        self.verifier = verifier
        self.realm = realm
        self.overrides: dict[str, Any] = {}
        if token_use != verifier.required.token_use:
            self.overrides["token_use"] = token_use
        if groups is not None:
            self.overrides["groups"] = groups
        if scope is not None:
            self.overrides["scope"] = scope
        self.scope_hint = None if scope is None else [scope] if isinstance(scope, str) else list(scope)
        if self.overrides:  # a configuration mistake should fail at start-up, not per request
            verifier.requirements(**self.overrides)

    def authenticate(self, authorization: str | None) -> dict[str, Any]:
        """Claims for a request's ``Authorization`` header, or :class:`BearerError`."""
        token = bearer_token(authorization, self.realm)
        try:
            return self.verifier.verify(token, **self.overrides)
        except JwtVerificationError as exc:
            raise BearerError(denial_for(exc, self.realm, self.scope_hint)) from exc

    async def aauthenticate(self, authorization: str | None) -> dict[str, Any]:
        """Async twin of :meth:`authenticate`."""
        token = bearer_token(authorization, self.realm)
        try:
            return await self.verifier.averify(token, **self.overrides)
        except JwtVerificationError as exc:
            raise BearerError(denial_for(exc, self.realm, self.scope_hint)) from exc


class GuardedMiddleware(Generic[App]):
    """What the ASGI and WSGI middlewares share: the wrapped app, its guard, the open paths."""

    def __init__(
        self,
        app: App,
        /,
        verifier: CognitoJwtVerifier | None = None,
        *,
        token_use: str | None = "access",
        groups: str | Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
        realm: str | None = None,
        public_paths: Iterable[str] = (),
        **verifier_kwargs: Any,
    ) -> None:
        self.app = app
        self.guard = Guard(
            verifier, verifier_kwargs, token_use=token_use, groups=groups, scope=scope, realm=realm
        )
        self.public_paths = frozenset(public_paths)
