"""Managed login's cookies: the signed session cookie and the CSRF token bound to a cookie.

Both are signed with itsdangerous under a key derived from the server's master key, so any
server process can read what another one set, and nothing in them can be forged or changed.
The session cookie carries only a random handle; the session itself is a database row
(:mod:`userpool.server.oauth2.sessions`), so ``/logout`` ends it for good.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from userpool.server.sealing import Sealer

SESSION_COOKIE = "cognito"  # Cognito's name for its managed-login session cookie; here one per pool
CSRF_COOKIE = "XSRF-TOKEN"
CSRF_FIELD = "_csrf"
SESSION_SECONDS = 3600  # Cognito's managed-login session lasts one hour
CSRF_SECONDS = 3600
STEP_SECONDS = 15 * 60  # a page's sealed step state (challenge session, username)


@dataclass(frozen=True)
class CookieJar:
    """Signs and reads managed login's cookie values and hidden-field state."""

    serializer: URLSafeTimedSerializer

    @classmethod
    def for_sealer(cls, sealer: Sealer) -> CookieJar:
        key = sealer.derive("managed-login-cookies v1")
        return cls(URLSafeTimedSerializer(key, salt="userpool.managed-login"))

    def sign(self, value: object, purpose: str) -> str:
        return self.serializer.dumps({"p": purpose, "v": value})

    def read(self, token: str | None, purpose: str, max_age: int) -> object | None:
        """The value ``sign`` was given for ``purpose``, or None (missing, forged, expired)."""
        if not token or len(token) > 8192:
            return None
        try:
            data = self.serializer.loads(token, max_age=max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or data.get("p") != purpose:
            return None
        return data.get("v")

    # -------------------------------------------------------------- CSRF (double submit, signed)

    @staticmethod
    def new_csrf_secret() -> str:
        return secrets.token_urlsafe(32)

    def csrf_token(self, secret: str) -> str:
        """The form field for a browser whose CSRF cookie holds ``secret``."""
        return self.sign(secret, "csrf")

    def csrf_ok(self, cookie_secret: str | None, form_token: str | None) -> bool:
        if not cookie_secret:
            return False
        value = self.read(form_token, "csrf", CSRF_SECONDS)
        return isinstance(value, str) and hmac.compare_digest(value.encode(), cookie_secret.encode())


def session_cookie_name(pool_id: str) -> str:
    """One server hosts many pools on one address: each pool's session has its own cookie."""
    return f"{SESSION_COOKIE}-{pool_id}"


def cookie_options(secure: bool, max_age: int | None) -> dict[str, object]:
    """HttpOnly, SameSite=Lax (the redirect back from an IdP is a top-level GET), Secure over TLS."""
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/", "max_age": max_age}
