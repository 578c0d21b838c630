"""``OAuthConfig``: the managed login (hosted UI) settings, read the way Amplify reads them.

Three shapes carry them, and :func:`oauth_from_mapping` takes each one:

- Gen 2 ``amplify_outputs.json``: ``auth.oauth`` with ``domain``, ``scopes``,
  ``redirect_sign_in_uri`` / ``redirect_sign_out_uri`` (lists), ``response_type``,
  ``identity_providers`` (``GOOGLE``, ``LOGIN_WITH_AMAZON`` ...);
- Amplify v6's ``Auth.Cognito.loginWith.oauth``: ``domain``, ``scopes``, ``redirectSignIn`` /
  ``redirectSignOut`` (lists), ``responseType``, ``providers``;
- Gen 1 ``aws-exports`` (``oauth`` at the top): ``domain``, ``scope``, ``redirectSignIn`` /
  ``redirectSignOut`` as comma-separated strings, ``responseType``.

A ``domain`` is a host name (``shop.auth.us-east-1.amazoncognito.com``) and means
``https://<domain>``, as in Amplify. For a local ``userpool serve`` the domain may be written as
a URL with its scheme (``http://127.0.0.1:9229``); plain ``http`` is only allowed to a loopback
host, so tokens never cross a network in clear text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from userpool._loopback import is_loopback_host, is_loopback_http_url

from .errors import OAuthNotConfigureException

#: Amplify Gen 2's provider names -> Amplify's (``parseAmplifyOutputs``).
OUTPUTS_PROVIDERS = {"GOOGLE": "Google", "LOGIN_WITH_AMAZON": "Amazon", "FACEBOOK": "Facebook",
                     "SIGN_IN_WITH_APPLE": "Apple"}


def _error(message: str) -> OAuthNotConfigureException:
    return OAuthNotConfigureException(message)


def _uris(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(part) for part in value if part)


@dataclass(frozen=True)
class OAuthConfig:
    domain: str
    scopes: tuple[str, ...] = ()
    redirect_sign_in: tuple[str, ...] = ()
    redirect_sign_out: tuple[str, ...] = ()
    response_type: str = "code"
    providers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.domain:
            raise _error("oauth.domain is required")
        object.__setattr__(self, "scopes", tuple(self.scopes))
        object.__setattr__(self, "redirect_sign_in", _uris(self.redirect_sign_in))
        object.__setattr__(self, "redirect_sign_out", _uris(self.redirect_sign_out))
        object.__setattr__(self, "providers", tuple(self.providers))
        if self.response_type not in ("code", "token"):
            raise _error(f"oauth.response_type must be 'code' or 'token', not {self.response_type!r}")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _error(f"Invalid oauth.domain {self.domain!r}")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise _error(f"oauth.domain {self.domain!r}: plain http is only allowed to a loopback host")

    @property
    def base_url(self) -> str:
        """``https://<domain>``, or the domain itself when it is written with its scheme."""
        domain = self.domain.rstrip("/")
        return domain if "://" in domain else f"https://{domain}"

    def endpoint(self, path: str) -> str:
        return self.base_url + path

    def loopback_sign_in_uri(self) -> str:
        """The first loopback ``redirect_sign_in`` URI: where a desktop app listens (RFC 8252)."""
        for uri in self.redirect_sign_in:
            if is_loopback_http_url(uri):  # RFC 8252 §7.3: a loopback redirect
                return uri
        raise _error(
            "sign_in_with_redirect needs a loopback redirect_sign_in URI (http://localhost:PORT/... or "
            "http://127.0.0.1:PORT/...), registered as a callback URL of the app client"
        )

    def logout_url(self, client_id: str, logout_uri: str) -> str:
        """``/logout?client_id=...&logout_uri=...`` (Amplify's ``oAuthSignOutRedirect``)."""
        return self.endpoint("/logout?" + urlencode({"client_id": client_id, "logout_uri": logout_uri}))


def _gen2(oauth: Mapping[str, Any]) -> OAuthConfig:
    return OAuthConfig(
        domain=str(oauth.get("domain") or ""),
        scopes=tuple(oauth.get("scopes") or ()),
        redirect_sign_in=_uris(oauth.get("redirect_sign_in_uri")),
        redirect_sign_out=_uris(oauth.get("redirect_sign_out_uri")),
        response_type="token" if oauth.get("response_type") == "token" else "code",
        providers=tuple(OUTPUTS_PROVIDERS.get(p, p) for p in oauth.get("identity_providers") or ()),
    )


def _amplify(oauth: Mapping[str, Any]) -> OAuthConfig:
    """v6 ``loginWith.oauth`` (``scopes``, lists) or gen 1 / v5 ``oauth`` (``scope``, comma strings)."""
    scopes: Iterable[str] = oauth.get("scopes") or oauth.get("scope") or ()
    if isinstance(scopes, str):
        scopes = scopes.replace(",", " ").split()
    return OAuthConfig(
        domain=str(oauth.get("domain") or ""),
        scopes=tuple(scopes),
        redirect_sign_in=_uris(oauth.get("redirectSignIn")),
        redirect_sign_out=_uris(oauth.get("redirectSignOut")),
        response_type=str(oauth.get("responseType") or "code"),
        providers=tuple(oauth.get("providers") or ()),
    )


def oauth_from_mapping(oauth: Mapping[str, Any] | OAuthConfig | None) -> OAuthConfig | None:
    """An ``OAuthConfig`` from any of the three shapes (or snake_case field names), or None."""
    if oauth is None or isinstance(oauth, OAuthConfig):
        return oauth
    if not isinstance(oauth, Mapping):
        raise _error("oauth configuration must be a mapping")
    if "redirect_sign_in_uri" in oauth or "identity_providers" in oauth:
        return _gen2(oauth)
    if "redirectSignIn" in oauth or "responseType" in oauth or "scope" in oauth:
        return _amplify(oauth)
    fields = {k: oauth[k] for k in OAuthConfig.__dataclass_fields__ if k in oauth}
    return OAuthConfig(**fields)
