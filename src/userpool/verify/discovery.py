"""OIDC discovery (OpenID Connect Discovery 1.0): from an issuer URL to its ``jwks_uri``.

Used by :meth:`CognitoJwtVerifier.from_issuer`. The document must name the same issuer
it was fetched for (Discovery §4.3); otherwise one issuer could point a verifier at
another's keys. Parsing is pure; fetching is the caller's (sync or async) business.
"""

from __future__ import annotations

from typing import Any

from userpool.verify import _http
from userpool.verify.errors import JwksFetchError


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def jwks_uri_from(document: Any, issuer: str, *, allow_http: bool) -> str:
    """The ``jwks_uri`` of a discovery ``document`` fetched for ``issuer``."""
    if not isinstance(document, dict):
        raise JwksFetchError(f"{discovery_url(issuer)} did not answer a JSON object")
    if document.get("issuer") != issuer:
        raise JwksFetchError(
            f"{discovery_url(issuer)} names the issuer {document.get('issuer')!r}, not {issuer!r}; "
            "a discovery document must describe the issuer it was fetched for"
        )
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise JwksFetchError(f"{discovery_url(issuer)} has no 'jwks_uri'")
    return _http.require_safe_url(jwks_uri, allow_http=allow_http, what="Discovered jwks_uri")


def discover(issuer: str, *, allow_http: bool, timeout: float) -> str:
    url = _http.require_safe_url(discovery_url(issuer), allow_http=allow_http, what="Discovery URL")
    try:
        document = _http.get_json(url, timeout=timeout)
    except _http.FetchFailed as exc:
        raise JwksFetchError(f"OIDC discovery failed: {exc}") from None
    return jwks_uri_from(document, issuer, allow_http=allow_http)


async def adiscover(issuer: str, *, allow_http: bool, timeout: float) -> str:
    url = _http.require_safe_url(discovery_url(issuer), allow_http=allow_http, what="Discovery URL")
    try:
        document = await _http.aget_json(url, timeout=timeout)
    except _http.FetchFailed as exc:
        raise JwksFetchError(f"OIDC discovery failed: {exc}") from None
    return jwks_uri_from(document, issuer, allow_http=allow_http)
