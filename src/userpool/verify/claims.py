"""Claim checks on a signature-verified Cognito payload. Pure functions, no I/O.

The order is the one aws-jwt-verify uses and the one that gives the most useful error
first: time (``exp``, ``nbf``, ``iat``), then ``token_use``, the app client (``client_id``
for access tokens, ``aud`` for ID tokens), groups (``cognito:groups``), scope, and the
caller's own check. The issuer is checked separately (:func:`check_issuer`) because it is
a property of the verifier, not of the request, and a cached token has already passed it.

A verified payload is summarised once into :class:`TokenFacts` (types checked, sets
built); every later request bearing the same token re-runs :func:`check_claims` against
those facts, which is what makes the verified-token cache both cheap and exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from userpool.verify.errors import (
    ACCESS_TOKEN_HINT,
    JwtCustomCheckError,
    JwtExpiredError,
    JwtInvalidClaimError,
    JwtInvalidClientIdError,
    JwtInvalidGroupError,
    JwtInvalidIssuerError,
    JwtInvalidScopeError,
    JwtInvalidTokenUseError,
    JwtNotBeforeError,
    VerifierConfigError,
)

TOKEN_USES = ("access", "id")

#: ``custom_check(claims)`` gets a read-only view of the verified claims; returning
#: ``False`` refuses the token (:class:`JwtCustomCheckError`); raising a
#: :class:`JwtVerificationError` refuses it with that error.
CustomCheck = Callable[[Mapping[str, Any]], object]

ID_TOKEN_AS_ACCESS_TOKEN = (
    "This is an ID token (token_use 'id'), but an access token is required. APIs take the access "
    "token as the bearer token; the ID token describes the signed-in user to the app itself and is "
    f"not meant for APIs. To call this API, {ACCESS_TOKEN_HINT}."
)
ACCESS_TOKEN_AS_ID_TOKEN = (
    "This is an access token (token_use 'access'), but an ID token is required here: "
    "fetch_auth_session().tokens.id_token with the Python client (fetchAuthSession().tokens.idToken "
    "in Amplify JS)."
)


def _string_set(value: str | Iterable[str] | None, what: str) -> frozenset[str] | None:
    if value is None:
        return None
    values = (value,) if isinstance(value, str) else tuple(value)
    if not values or not all(isinstance(v, str) and v for v in values):
        raise VerifierConfigError(f"{what} must be a non-empty string or a non-empty list of them (or None)")
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class ClaimRequirements:
    """What a request demands of a token, beyond being authentic and from the right issuer."""

    token_use: str | None
    client_ids: frozenset[str] | None
    groups: frozenset[str] | None = None
    scopes: frozenset[str] | None = None
    grace_seconds: float = 0.0
    custom_check: CustomCheck | None = None

    @classmethod
    def build(
        cls,
        *,
        token_use: str | None,
        client_id: str | Iterable[str] | None,
        groups: str | Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
        grace_seconds: float = 0.0,
        custom_check: CustomCheck | None = None,
    ) -> ClaimRequirements:
        """Validate and normalise the user-facing arguments (strings or lists of strings)."""
        if token_use is not None and token_use not in TOKEN_USES:
            raise VerifierConfigError(f"token_use must be 'access', 'id' or None, not {token_use!r}")
        if (
            not isinstance(grace_seconds, (int, float))
            or grace_seconds < 0
            or not math.isfinite(grace_seconds)
        ):
            raise VerifierConfigError("grace_seconds must be a finite number >= 0")
        if custom_check is not None and not callable(custom_check):
            raise VerifierConfigError("custom_check must be callable")
        return cls(
            token_use=token_use,
            client_ids=_string_set(client_id, "client_id"),
            groups=_string_set(groups, "groups"),
            scopes=_string_set(scope, "scope"),
            grace_seconds=float(grace_seconds),
            custom_check=custom_check,
        )


def _time(claims: Mapping[str, Any], name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise JwtInvalidClaimError(f"Token has no {name!r} claim; Cognito tokens always have one", claims)
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
        raise JwtInvalidClaimError(f"Token claim {name!r} is not a number of seconds: {value!r}", claims)
    return float(value)


def _strings(claims: Mapping[str, Any], name: str, value: Any) -> tuple[str, ...]:
    if type(value) is str:
        return (value,)
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise JwtInvalidClaimError(f"Token claim {name!r} is not a string or a list of strings", claims)


def _copy_json(value: Any) -> Any:
    if type(value) is list:
        return [_copy_json(v) for v in value]
    if type(value) is dict:
        return {k: _copy_json(v) for k, v in value.items()}
    return value


_UNKNOWN: Any = object()
_NEVER = -math.inf


class TokenFacts:
    """A verified payload, summarised for repeated checking.

    Times and the app client are read at once (every check needs them); the group and
    scope sets are built on first use and kept, so a request that does not ask about
    groups does not pay for them. The claims dict itself is never mutated.
    """

    __slots__ = (
        "_groups",
        "_mutable",
        "_scopes",
        "claims",
        "clients",
        "exp",
        "iat",
        "nbf",
        "not_before",
        "token_use",
    )

    def __init__(self, claims: dict[str, Any]) -> None:
        # Runs once per fresh token, so the usual shapes (int times, one client id string) are
        # taken inline and everything else goes through _time and _strings, which also raise.
        self.claims = claims
        get = claims.get
        exp, nbf, iat = get("exp"), get("nbf"), get("iat")
        self.exp: float = exp if type(exp) is int else _time(claims, "exp", required=True)  # type: ignore[assignment]
        if nbf is not None and type(nbf) is not int:
            nbf = _time(claims, "nbf", required=False)
        if iat is not None and type(iat) is not int:
            iat = _time(claims, "iat", required=False)
        self.nbf: float | None = nbf
        self.iat: float | None = iat
        #: The later of ``nbf`` and ``iat``: before it the token is not valid yet.
        nbf, iat = nbf or _NEVER, iat or _NEVER  # max() with two math.inf lookups costs 0.1 µs
        self.not_before: float = iat if iat > nbf else nbf
        self.token_use: Any = get("token_use")
        client_claim = "aud" if self.token_use == "id" else "client_id"
        #: ``client_id`` of an access token, ``aud`` of an ID token (almost every verifier asks).
        clients = get(client_claim)
        self.clients = (clients,) if type(clients) is str else _strings(claims, client_claim, clients)
        self._groups = self._scopes = self._mutable = _UNKNOWN

    def groups(self) -> tuple[str, ...]:
        if self._groups is _UNKNOWN:
            self._groups = _strings(self.claims, "cognito:groups", self.claims.get("cognito:groups"))
        return self._groups  # type: ignore[no-any-return]

    def scopes(self) -> frozenset[str]:
        if self._scopes is _UNKNOWN:
            scope = self.claims.get("scope")
            if scope is not None and not isinstance(scope, str):
                raise JwtInvalidClaimError("Token claim 'scope' is not a space-separated string", self.claims)
            self._scopes = frozenset(scope.split()) if scope else frozenset()
        return self._scopes  # type: ignore[no-any-return]

    def copy_claims(self) -> dict[str, Any]:
        """A fresh dict for the caller: mutating it cannot change what the cache holds."""
        if self._mutable is _UNKNOWN:
            self._mutable = tuple((k, _is_flat(v)) for k, v in self.claims.items() if type(v) in (list, dict))
        claims = self.claims.copy()
        for key, flat in self._mutable:
            claims[key] = claims[key].copy() if flat else _copy_json(claims[key])
        return claims


def _is_flat(value: list[Any] | dict[str, Any]) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return not any(type(v) in (list, dict) for v in items)


def _when(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{timestamp:.0f}"


def _listing(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in sorted(values)) or "none"


def check_issuer(claims: Mapping[str, Any], issuer: str) -> None:
    """``iss`` must equal the verifier's issuer exactly (no trailing-slash leniency)."""
    iss = claims.get("iss")
    if iss != issuer:
        raise JwtInvalidIssuerError(
            f"Token issuer is {iss!r}, but this verifier trusts {issuer!r}: the token comes from another "
            "user pool or server (or the verifier's issuer/user_pool_id is misconfigured)",
            claims,
        )


def refuse_non_cognito_issuer(payload: Mapping[str, Any], issuer: str) -> None:
    """For a verifier of a Cognito pool, before its keys are fetched from AWS: a token whose
    (unverified) ``iss`` is not Cognito's cannot pass, and fetching AWS's JWKS for it only
    ends in a network error (a DNS error where AWS is out of reach) that hides the cause.
    Refused here with what ``iss`` says; the error carries no claims, as none was verified.
    (Every other token still meets the signature check first.)"""
    iss = payload.get("iss")
    if not is_cognito(issuer) or (isinstance(iss, str) and is_cognito(iss)):
        return
    hint = ""
    if isinstance(iss, str) and iss.startswith(("https://", "http://")):
        hint = f" For a self-hosted user pool server you trust, build the verifier with issuer={iss!r}."
    raise JwtInvalidIssuerError(
        f"Token issuer is {iss!r}, not Cognito's {issuer!r}: the token comes from another server, so no key "
        f"was fetched from AWS.{hint}"
    )


def is_cognito(url: str) -> bool:
    """Whether ``url`` is a Cognito issuer (``https://cognito-idp.<region>.amazonaws.com/...``)."""
    return url.startswith("https://cognito-idp.") and ".amazonaws.com/" in url


def _time_error(facts: TokenFacts, now: float, grace: float) -> JwtInvalidClaimError:
    if facts.exp + grace <= now:
        return JwtExpiredError(
            f"Token expired at {_when(facts.exp)} ({now - facts.exp:.0f} s ago); the client should refresh its "
            "tokens (the Amplify-style clients do this when tokens are read)",
            facts.claims,
        )
    if facts.nbf is not None and facts.nbf - grace > now:
        return JwtNotBeforeError(
            f"Token is not valid before {_when(facts.nbf)} ({facts.nbf - now:.0f} s from now); check the clocks "
            "or allow grace_seconds",
            facts.claims,
        )
    iat = facts.iat
    if iat is None:  # not reached: the caller found exp, nbf or iat out of range
        raise ValueError("the token's times are all in range")
    return JwtNotBeforeError(
        f"Token was issued in the future, at {_when(iat)} ({iat - now:.0f} s from now); check the "
        "clocks or allow grace_seconds",
        facts.claims,
    )


def _token_use_error(facts: TokenFacts, required: str | None) -> JwtInvalidTokenUseError:
    use = facts.token_use
    if use not in TOKEN_USES:
        message = f"Token has token_use {use!r}; a Cognito token has token_use 'access' or 'id'"
    elif use == "id":
        message = ID_TOKEN_AS_ACCESS_TOKEN
    else:
        message = ACCESS_TOKEN_AS_ID_TOKEN
    return JwtInvalidTokenUseError(message, facts.claims)


def _client_error(facts: TokenFacts, allowed: frozenset[str]) -> JwtInvalidClientIdError:
    claim = "aud" if facts.token_use == "id" else "client_id"
    return JwtInvalidClientIdError(
        f"Token was issued to app client {_listing(facts.clients)} (claim {claim!r}), but only "
        f"{_listing(allowed)} may call here",
        facts.claims,
    )


def check_claims(facts: TokenFacts, required: ClaimRequirements, now: float) -> None:
    """Raise the first failing claim check; return quietly if the token meets ``required``.

    Runs on every request, cached token or not, so the passing path is kept to plain
    comparisons; messages are built only on failure.
    """
    grace = required.grace_seconds
    if facts.exp + grace <= now or facts.not_before - grace > now:
        raise _time_error(facts, now, grace)
    use = facts.token_use
    if use not in TOKEN_USES or (required.token_use is not None and use != required.token_use):
        raise _token_use_error(facts, required.token_use)
    if required.client_ids is not None and required.client_ids.isdisjoint(facts.clients):
        raise _client_error(facts, required.client_ids)
    if required.groups is not None and required.groups.isdisjoint(facts.groups()):
        raise JwtInvalidGroupError(
            f"Token's user is in groups [{_listing(facts.groups())}], but one of [{_listing(required.groups)}] "
            "is required",
            facts.claims,
        )
    if required.scopes is not None and required.scopes.isdisjoint(facts.scopes()):
        raise JwtInvalidScopeError(
            f"Token has scopes [{_listing(facts.scopes())}], but one of [{_listing(required.scopes)}] is required",
            facts.claims,
        )
    if required.custom_check is not None and required.custom_check(MappingProxyType(facts.claims)) is False:
        raise JwtCustomCheckError("Token was refused by the verifier's custom_check", facts.claims)
