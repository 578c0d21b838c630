"""OAuth 2.0's error vocabulary (RFC 6749 §4.1.2.1, §5.2) as Cognito's authorization server uses it.

Three ways to fail, by who can be trusted with the answer:

* :class:`OAuthError` - the token, revoke and userInfo endpoints: JSON ``{"error": ...}``;
* :class:`RedirectError` - the authorize endpoint once ``client_id`` and ``redirect_uri`` are
  known good: the browser goes back to the app with ``?error=...&state=...``;
* :class:`PageError` - anything before that (unknown client, unregistered redirect_uri, a bad
  form): a page for the person at the browser, never a redirect to an unchecked address.
"""

from __future__ import annotations

INVALID_REQUEST = "invalid_request"
INVALID_CLIENT = "invalid_client"
INVALID_GRANT = "invalid_grant"
INVALID_SCOPE = "invalid_scope"
UNAUTHORIZED_CLIENT = "unauthorized_client"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"
UNSUPPORTED_TOKEN_TYPE = "unsupported_token_type"
INVALID_TOKEN = "invalid_token"
LOGIN_REQUIRED = "login_required"
SERVER_ERROR = "server_error"


class OAuthError(Exception):
    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


class RedirectError(Exception):
    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.redirect_uri: str | None = None  # set once the redirect_uri is known to be registered
        self.state: str | None = None


class PageError(Exception):
    """Shown to the user as an HTML page (status 400 unless told)."""

    def __init__(self, message: str, status: int = 400, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
