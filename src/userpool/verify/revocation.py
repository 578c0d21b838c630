"""Optional online revocation check: ask the user pool whether an access token still works.

A JWT stays valid until ``exp`` whatever happens to the session: sign-out, GlobalSignOut,
RevokeToken, or a disabled or deleted user. Apps that need those to take effect before
expiry ask the pool itself, with Cognito's own ``GetUser`` call (the one Amplify v5 makes
during sign-in): ``NotAuthorizedException`` or ``UserNotFoundException`` means the token
no longer works. Verdicts are cached per token (a "still active" verdict for a few seconds,
a "revoked" verdict until the token expires, since revocation is final), so a busy API
asks once per token per window, not once per request.

If the pool cannot be asked (network, throttling, 5xx) the token is refused with
:class:`RevocationCheckError`: an app that asked for the check wants to fail closed.

``request`` and ``interpret`` are pure; :meth:`RevocationChecker.check` and
:meth:`RevocationChecker.acheck` only add the I/O.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable

from userpool.verify import _http
from userpool.verify.cache import ExpiringLru
from userpool.verify.errors import JwtRevokedError, RevocationCheckError

TARGET = "AWSCognitoIdentityProviderService.GetUser"
CONTENT_TYPE = "application/x-amz-json-1.1"
DEFAULT_CACHE_SECONDS = 30.0

#: Error names meaning "this access token no longer works".
_REVOKED_ERRORS = frozenset({"NotAuthorizedException", "UserNotFoundException"})

_ACTIVE, _REVOKED = "active", "revoked"


def request(token: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of ``GetUser`` for ``token`` (Cognito's wire protocol)."""
    headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET}
    return headers, json.dumps({"AccessToken": token}).encode()


def error_name(answer: _http.Answer) -> str | None:
    """The error name as AWS SDKs read it: ``x-amzn-ErrorType``, then ``code``, then ``__type``,
    keeping what precedes ``:`` and follows ``#``."""
    raw = answer.headers.get("x-amzn-errortype")
    if not raw and isinstance(answer.body, dict):
        raw = answer.body.get("code") or answer.body.get("__type")
    if not isinstance(raw, str) or not raw:
        return None
    return raw.split(":", 1)[0].rsplit("#", 1)[-1]


def interpret(answer: _http.Answer) -> tuple[str, str]:
    """``(verdict, detail)`` for a ``GetUser`` answer; raise when the pool gave no verdict."""
    if answer.status == 200:
        return _ACTIVE, ""
    name = error_name(answer)
    message = answer.body.get("message", "") if isinstance(answer.body, dict) else ""
    if name in _REVOKED_ERRORS:
        return _REVOKED, f"{name}: {message}".rstrip(": ")
    raise RevocationCheckError(
        f"Could not check whether the token was revoked: GetUser answered HTTP {answer.status} "
        f"{name or 'without an error name'}{': ' + message if message else ''}"
    )


class RevocationChecker:
    """``GetUser``-based revocation check against ``endpoint``, with a verdict cache."""

    def __init__(
        self,
        endpoint: str,
        *,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        cache_size: int = 10_000,
        timeout: float = _http.DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint = endpoint
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._clock = clock
        self._verdicts: ExpiringLru[tuple[str, str]] = ExpiringLru(cache_size)

    def check(self, token: str, exp: float) -> None:
        """Raise :class:`JwtRevokedError` if the pool no longer accepts ``token``."""
        key = hashlib.sha256(token.encode()).digest()
        verdict = self._verdicts.get(key, self._clock())
        if verdict is None:
            headers, body = request(token)
            try:
                answer = _http.post(self.endpoint, headers=headers, body=body, timeout=self.timeout)
            except _http.FetchFailed as exc:
                raise RevocationCheckError(f"Could not check whether the token was revoked: {exc}") from None
            verdict = self._record(key, interpret(answer), exp)
        self._raise_if_revoked(verdict)

    async def acheck(self, token: str, exp: float) -> None:
        """Async twin of :meth:`check`."""
        key = hashlib.sha256(token.encode()).digest()
        verdict = self._verdicts.get(key, self._clock())
        if verdict is None:
            headers, body = request(token)
            try:
                answer = await _http.apost(self.endpoint, headers=headers, body=body, timeout=self.timeout)
            except _http.FetchFailed as exc:
                raise RevocationCheckError(f"Could not check whether the token was revoked: {exc}") from None
            verdict = self._record(key, interpret(answer), exp)
        self._raise_if_revoked(verdict)

    def _record(self, key: bytes, verdict: tuple[str, str], exp: float) -> tuple[str, str]:
        """Cache a verdict: "active" briefly, "revoked" until the token expires anyway."""
        until = exp if verdict[0] == _REVOKED else min(exp, self._clock() + self.cache_seconds)
        self._verdicts.put(key, verdict, until)
        return verdict

    @staticmethod
    def _raise_if_revoked(verdict: tuple[str, str]) -> None:
        if verdict[0] == _REVOKED:
            raise JwtRevokedError(
                "The user pool no longer accepts this access token (signed out, revoked, or the user was "
                f"disabled or deleted): {verdict[1]}"
            )

    def clear(self) -> None:
        self._verdicts.clear()
