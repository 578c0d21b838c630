"""``CognitoJwtVerifier``: one object that decides whether a Cognito token is acceptable.

The order of checks is fixed and matters (aws-jwt-verify's ``jwt-verifier.ts``):

1. structure and size (:mod:`.parse`): nothing is believed yet;
2. header ``alg`` in the allowlist (:mod:`.algorithms`): ``none`` and ``HS*`` never;
3. the key, by ``kid``, from the trusted JWKS only (:mod:`.jwks`); ``jku``, ``x5u``,
   ``jwk`` and ``x5c`` headers are never looked at, and the key's type must fit ``alg``;
4. the signature; only now is the payload believed;
5. ``iss``; then the per-request claims (:mod:`.claims`): time, ``token_use``, client,
   groups, scope, custom check; then, if asked for, revocation (:mod:`.revocation`).

Steps 1-5 up to ``iss`` depend only on the token and the verifier, so their result is
cached per token (keyed by the token's SHA-256, kept until ``exp``): an API that sees the
same bearer token on every request pays for one signature check, and each request still
re-runs the claim checks. ``verify`` and ``averify`` are the same sequence of the same
pure steps; they differ only in how keys and revocation verdicts are fetched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from hashlib import sha256 as _sha256
from typing import Any, Self, TypedDict, Unpack

from userpool.verify import _http, discovery
from userpool.verify.algorithms import ALLOWED_ALGS, check_alg
from userpool.verify.cache import ExpiringLru
from userpool.verify.claims import (
    ClaimRequirements,
    CustomCheck,
    TokenFacts,
    check_claims,
    check_issuer,
    is_cognito,
    refuse_non_cognito_issuer,
)
from userpool.verify.errors import VerifierConfigError
from userpool.verify.jwks import JwksCache, default_jwks_cache
from userpool.verify.parse import MAX_TOKEN_CHARS, decompose
from userpool.verify.revocation import DEFAULT_CACHE_SECONDS, RevocationChecker

#: aws-jwt-verify's pattern for Cognito user pool ids; the region is the part before ``_``.
_COGNITO_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}-(?:gov-)?[a-z]+-\d)_[0-9a-zA-Z]+$")
_ANY_POOL_ID = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")

#: About 3 KB per cached token: 4096 entries stay around 12 MB.
DEFAULT_CACHE_SIZE = 4096


class Requirements(TypedDict, total=False):
    """Per-call overrides of the verifier's own claim requirements (see ``verify``)."""

    token_use: str | None
    client_id: str | Iterable[str] | None
    groups: str | Iterable[str] | None
    scope: str | Iterable[str] | None
    grace_seconds: float
    custom_check: CustomCheck | None


def cognito_issuer(user_pool_id: str) -> str:
    """Cognito's issuer for a pool: ``https://cognito-idp.<region>.amazonaws.com/<poolId>``."""
    match = _COGNITO_POOL_ID.match(user_pool_id)
    if match is None:
        raise VerifierConfigError(
            f"user_pool_id {user_pool_id!r} is not a Cognito pool id like 'us-east-1_AbC123'; for a "
            "self-hosted pool, pass issuer= (the server's URL followed by /<poolId>)"
        )
    return f"https://cognito-idp.{match['region']}.amazonaws.com/{user_pool_id}"


def _issuer_for(user_pool_id: str | None, issuer: str | None) -> str:
    if issuer is None:
        if user_pool_id is None:
            raise VerifierConfigError("give user_pool_id (for Cognito), issuer, or both")
        return cognito_issuer(user_pool_id)
    if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")):
        raise VerifierConfigError(f"issuer {issuer!r} is not an http(s) URL")
    issuer = issuer.rstrip("/")
    if user_pool_id is not None:
        if not _ANY_POOL_ID.match(user_pool_id):
            raise VerifierConfigError(f"user_pool_id {user_pool_id!r} does not look like '<region>_<id>'")
        if issuer.rsplit("/", 1)[-1] != user_pool_id:
            raise VerifierConfigError(
                f"issuer {issuer!r} does not end with the user pool id {user_pool_id!r}; "
                "a user pool's issuer is <base URL>/<poolId>"
            )
    return issuer


class CognitoJwtVerifier:
    """Verifies Cognito (or userpool server) access and ID tokens.

    ``token_use`` and ``client_id`` are required keyword arguments, as in aws-jwt-verify:
    skipping them is the commonest mistake, so doing so must be spelled out (``None``).

    >>> verifier = CognitoJwtVerifier(user_pool_id="eu-west-1_AbC123", token_use="access",
    ...                               client_id="4ur1...")          # doctest: +SKIP
    >>> claims = verifier.verify(access_token)                     # doctest: +SKIP

    For a self-hosted pool pass ``issuer=<server URL>/<poolId>`` (http is accepted for
    loopback hosts; otherwise ``allow_http=True`` is required).
    """

    def __init__(
        self,
        *,
        token_use: str | None,
        client_id: str | Iterable[str] | None,
        user_pool_id: str | None = None,
        issuer: str | None = None,
        jwks_uri: str | None = None,
        groups: str | Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
        grace_seconds: float = 0,
        custom_check: CustomCheck | None = None,
        allow_http: bool = False,
        cache_size: int = DEFAULT_CACHE_SIZE,
        jwks_cache: JwksCache | None = None,
        check_revocation: bool = False,
        endpoint: str | None = None,
        revocation_cache_seconds: float = DEFAULT_CACHE_SECONDS,
        http_timeout: float = _http.DEFAULT_TIMEOUT,
        max_token_chars: int = MAX_TOKEN_CHARS,
    ) -> None:
        self.issuer: str = _issuer_for(user_pool_id, issuer)
        self.user_pool_id: str = user_pool_id or self.issuer.rsplit("/", 1)[-1]
        self.allow_http = allow_http
        self.jwks_uri: str = _http.require_safe_url(
            jwks_uri or self.issuer + "/.well-known/jwks.json", allow_http=allow_http, what="jwks_uri"
        )
        self.required: ClaimRequirements = ClaimRequirements.build(
            token_use=token_use,
            client_id=client_id,
            groups=groups,
            scope=scope,
            grace_seconds=grace_seconds,
            custom_check=custom_check,
        )
        self._cognito = is_cognito(self.issuer)  # refuse_non_cognito_issuer's first test, done once
        self.http_timeout = http_timeout
        self.max_token_chars = max_token_chars
        self._jwks = jwks_cache if jwks_cache is not None else default_jwks_cache
        self._cache: ExpiringLru[TokenFacts] | None = ExpiringLru(cache_size) if cache_size > 0 else None
        self._revocation: RevocationChecker | None = None
        if check_revocation:
            if token_use != "access":
                raise VerifierConfigError(
                    "check_revocation=True needs token_use='access': GetUser accepts only access tokens"
                )
            url = endpoint or self.issuer.rsplit("/", 1)[0] + "/"
            self._revocation = RevocationChecker(
                _http.require_safe_url(url, allow_http=allow_http, what="Revocation endpoint"),
                cache_seconds=revocation_cache_seconds,
                timeout=http_timeout,
            )

    # ---- construction from an issuer (OIDC discovery) ---------------------------------

    @classmethod
    def from_issuer(cls, issuer: str, **kwargs: Any) -> Self:
        """Build a verifier whose ``jwks_uri`` comes from ``<issuer>/.well-known/openid-configuration``."""
        issuer = issuer.rstrip("/")
        jwks_uri = discovery.discover(
            issuer,
            allow_http=kwargs.get("allow_http", False),
            timeout=kwargs.get("http_timeout", _http.DEFAULT_TIMEOUT),
        )
        return cls(issuer=issuer, jwks_uri=jwks_uri, **kwargs)

    @classmethod
    async def afrom_issuer(cls, issuer: str, **kwargs: Any) -> Self:
        """Async twin of :meth:`from_issuer`."""
        issuer = issuer.rstrip("/")
        jwks_uri = await discovery.adiscover(
            issuer,
            allow_http=kwargs.get("allow_http", False),
            timeout=kwargs.get("http_timeout", _http.DEFAULT_TIMEOUT),
        )
        return cls(issuer=issuer, jwks_uri=jwks_uri, **kwargs)

    # ---- keys ---------------------------------------------------------------------------

    def hydrate(self) -> None:
        """Fetch the JWKS now (e.g. at start-up) so that the first request does not wait,
        and a wrong ``jwks_uri`` fails at deploy time instead of on the first request."""
        self._jwks.hydrate(self.jwks_uri)

    async def ahydrate(self) -> None:
        """Async twin of :meth:`hydrate`."""
        await self._jwks.ahydrate(self.jwks_uri)

    def cache_jwks(self, jwks: Mapping[str, Any]) -> None:
        """Trust this JWKS for the verifier's ``jwks_uri`` without fetching (offline use)."""
        self._jwks.add_jwks(self.jwks_uri, jwks)

    def clear_cache(self) -> None:
        """Forget verified tokens and revocation verdicts (e.g. after removing a key)."""
        if self._cache is not None:
            self._cache.clear()
        if self._revocation is not None:
            self._revocation.clear()

    # ---- verification -------------------------------------------------------------------

    def verify(
        self,
        token: str,
        **overrides: Unpack[Requirements],
    ) -> dict[str, Any]:
        """Return the token's claims if it is acceptable, else raise a :class:`JwtVerificationError`.

        Keyword arguments override the verifier's own requirements for this call only
        (e.g. one verifier for the whole API, ``groups="admin"`` on admin routes).
        """
        # The cache lookup is written out here and in averify on purpose: a hit takes ~1.6 µs
        # in all, and a helper call would add ~0.1 µs to it.
        required = self._requirements(overrides) if overrides else self.required
        now = time.time()
        cache = self._cache
        cache_key = _sha256(token.encode()).digest() if cache is not None and type(token) is str else None
        facts = cache.get(cache_key, now) if cache is not None and cache_key is not None else None
        if facts is None:
            # Steps 1-5, written out here and in averify: each helper frame costs a fresh
            # token ~0.05 µs. The checks before the key pass with two comparisons, and the
            # key's check for its alg is a dict lookup (Jwk.checker explains a miss).
            _, payload, signing_input, signature, alg, kid = decompose(token, self.max_token_chars)
            foreign = payload.get("iss") != self.issuer
            if foreign or alg not in ALLOWED_ALGS:
                self._before_key(payload, alg, foreign)
            jwk = self._jwks.get_key(self.jwks_uri, kid)
            (jwk.checkers.get(alg) or jwk.checker(alg))(signature, signing_input)
            if foreign:  # the signature is good: the issuer is now a fact, and must be ours
                check_issuer(payload, self.issuer)
            facts = TokenFacts(payload)
            if cache_key is not None and cache is not None:  # cached until exp
                cache.put(cache_key, facts, facts.exp)
        check_claims(facts, required, now)
        if self._revocation is not None:
            self._revocation.check(token, facts.exp)
        # A copy when the cache shares these claims with later requests.
        return facts.copy_claims() if cache_key is not None else facts.claims

    async def averify(
        self,
        token: str,
        **overrides: Unpack[Requirements],
    ) -> dict[str, Any]:
        """Async twin of :meth:`verify`: fetches keys and revocation verdicts without blocking."""
        required = self._requirements(overrides) if overrides else self.required
        now = time.time()
        cache = self._cache
        cache_key = _sha256(token.encode()).digest() if cache is not None and type(token) is str else None
        facts = cache.get(cache_key, now) if cache is not None and cache_key is not None else None
        if facts is None:
            _, payload, signing_input, signature, alg, kid = decompose(token, self.max_token_chars)
            foreign = payload.get("iss") != self.issuer
            if foreign or alg not in ALLOWED_ALGS:
                self._before_key(payload, alg, foreign)
            jwk = await self._jwks.aget_key(self.jwks_uri, kid)
            (jwk.checkers.get(alg) or jwk.checker(alg))(signature, signing_input)
            if foreign:  # the signature is good: the issuer is now a fact, and must be ours
                check_issuer(payload, self.issuer)
            facts = TokenFacts(payload)
            if cache_key is not None and cache is not None:  # cached until exp
                cache.put(cache_key, facts, facts.exp)
        check_claims(facts, required, now)
        if self._revocation is not None:
            await self._revocation.acheck(token, facts.exp)
        return facts.copy_claims() if cache_key is not None else facts.claims

    def requirements(self, **overrides: Unpack[Requirements]) -> ClaimRequirements:
        """The claim requirements that ``verify(token, **overrides)`` applies; raises
        :class:`VerifierConfigError` for bad overrides (to check them at start-up)."""
        return self._requirements(overrides) if overrides else self.required

    # ---- the pure steps shared by verify and averify -------------------------------------

    def _requirements(self, overrides: Requirements) -> ClaimRequirements:
        unknown = overrides.keys() - Requirements.__annotations__.keys()
        if unknown:
            raise TypeError(f"unknown requirement(s): {', '.join(sorted(unknown))}")
        token_use = overrides.get("token_use", self.required.token_use)
        if self._revocation is not None and token_use != "access":
            raise VerifierConfigError("this verifier checks revocation, which works for access tokens only")
        base = self.required
        return ClaimRequirements.build(
            token_use=token_use,
            client_id=overrides.get("client_id", base.client_ids),
            groups=overrides.get("groups", base.groups),
            scope=overrides.get("scope", base.scopes),
            grace_seconds=overrides.get("grace_seconds", base.grace_seconds),
            custom_check=overrides.get("custom_check", base.custom_check),
        )

    def _before_key(self, payload: dict[str, Any], alg: str, foreign: bool) -> None:
        """Step 2 and the Cognito issuer check, on a structurally valid token, called only when
        one of them could fail. ``foreign``: ``iss`` is not this verifier's issuer (compared
        once by the caller, and used again after the signature)."""
        check_alg(alg)
        if foreign and self._cognito:  # before AWS's keys are fetched for nothing
            refuse_non_cognito_issuer(payload, self.issuer)

    def __repr__(self) -> str:
        return (
            f"CognitoJwtVerifier(issuer={self.issuer!r}, token_use={self.required.token_use!r}, "
            f"jwks_uri={self.jwks_uri!r})"
        )
