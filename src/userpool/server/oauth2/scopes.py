"""Which OAuth 2.0 scopes a request gets, by Cognito's rules.

User grants (code, implicit) may ask for any scope the app client allows; none asked means
all of them. ``email``, ``phone`` and ``profile`` need ``openid``. The client-credentials grant
carries only resource-server scopes (``<identifier>/<name>``).
"""

from __future__ import annotations

from userpool.server.oauth2.errors import INVALID_SCOPE
from userpool.server.tokens import OPENID, SCOPE, SCOPE_CLAIMS

STANDARD = (OPENID, *SCOPE_CLAIMS, SCOPE)


class ScopeError(Exception):
    error = INVALID_SCOPE


def parse(value: str | None) -> list[str]:
    """Space-separated scopes (a ``+`` in a query string is already a space), duplicates dropped."""
    out: list[str] = []
    for scope in (value or "").split():
        if scope not in out:
            out.append(scope)
    return out


def is_custom(scope: str) -> bool:
    return "/" in scope and scope not in STANDARD


def for_user(allowed: list[str], requested: str | None) -> tuple[str, ...]:
    """The scopes of a sign-in through the authorize endpoint (ScopeError when refused)."""
    wanted = parse(requested) or list(allowed)
    if not wanted:
        raise ScopeError("The app client allows no OAuth scopes")
    unknown = [s for s in wanted if s not in allowed]
    if unknown:
        raise ScopeError(f"Scope {unknown[0]} is not allowed for this client")
    if OPENID not in wanted and any(s in SCOPE_CLAIMS for s in wanted):
        raise ScopeError("email, phone and profile scopes need the openid scope")
    return tuple(wanted)


def for_client_credentials(allowed: list[str], requested: str | None) -> tuple[str, ...]:
    custom = [s for s in allowed if is_custom(s)]
    wanted = parse(requested) or custom
    if not wanted or any(s not in custom for s in wanted):
        raise ScopeError("client_credentials carries only the client's resource-server scopes")
    return tuple(wanted)
