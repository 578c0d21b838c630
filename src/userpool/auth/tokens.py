"""The stored session: Cognito's tokens plus the clock drift measured when they arrived.

Amplify v6 (``cacheCognitoTokens`` / ``TokenStore``) keeps ``clockDrift = iat - now`` with
the tokens and treats them as expired when ``now + clockDrift + 5 s > exp`` for either the
access or the ID token; the same rule is :meth:`CognitoTokens.is_expired`. The refresh token
is kept here but never handed out by ``fetch_auth_session`` (as in Amplify).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .constants import REFRESH_TOLERANCE_SECONDS
from .errors import InvalidJWTError
from .jwt import JWT, decode_jwt
from .storage import TokenStore
from .types import SignInDetails


@dataclass(frozen=True)
class CognitoTokens:
    access_token: JWT
    id_token: JWT | None
    refresh_token: str | None
    #: ``iat - now`` (seconds) when the tokens were stored: server clock minus ours.
    clock_drift: float
    username: str
    sign_in_details: SignInDetails | None = None

    @classmethod
    def from_authentication_result(
        cls,
        result: Mapping[str, Any],
        *,
        now: float,
        username: str,
        sign_in_details: SignInDetails | None,
        previous_refresh_token: str | None = None,
        previous_id_token: JWT | None = None,
    ) -> CognitoTokens:
        """Tokens from Cognito's ``AuthenticationResult``; a missing RefreshToken keeps the old one."""
        if not result.get("AccessToken"):
            raise InvalidJWTError("The service's AuthenticationResult has no AccessToken.")
        access = decode_jwt(result["AccessToken"])
        id_token = decode_jwt(result["IdToken"]) if result.get("IdToken") else previous_id_token
        return cls(
            access_token=access,
            id_token=id_token,
            refresh_token=result.get("RefreshToken") or previous_refresh_token,
            clock_drift=float(access.iat - now) if access.iat else 0.0,
            username=access.payload.get("username") or username,
            sign_in_details=sign_in_details,
        )

    def is_expired(self, now: float, tolerance: float = REFRESH_TOLERANCE_SECONDS) -> bool:
        """Amplify's ``isTokenExpired`` on both tokens: ``now + drift + tolerance > exp``."""
        for token in (self.access_token, self.id_token):
            if token is not None and now + self.clock_drift + tolerance > token.exp:
                return True
        return False

    @property
    def user_sub(self) -> str | None:
        return self.access_token.payload.get("sub")

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token.raw,
                "id_token": self.id_token.raw if self.id_token else None,
                "refresh_token": self.refresh_token,
                "clock_drift": self.clock_drift,
                "username": self.username,
                "sign_in_details": self.sign_in_details.to_dict() if self.sign_in_details else None,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> CognitoTokens:
        data = json.loads(raw)
        return cls(
            access_token=decode_jwt(data["access_token"]),
            id_token=decode_jwt(data["id_token"]) if data.get("id_token") else None,
            refresh_token=data.get("refresh_token"),
            clock_drift=float(data.get("clock_drift") or 0.0),
            username=data.get("username") or "",
            sign_in_details=SignInDetails.from_dict(data.get("sign_in_details")),
        )


class TokenRepository:
    """Reads and writes one pool/client's :class:`CognitoTokens` in a :class:`TokenStore`.

    The parsed tokens are cached against the stored string, so a cached
    ``fetch_auth_session`` costs one store read and no JSON or JWT decoding.
    """

    def __init__(self, store: TokenStore, key: str) -> None:
        self.store = store
        self.key = f"{key}.session"
        self._lock = threading.Lock()
        self._cache: tuple[str, CognitoTokens] | None = None

    def load(self) -> CognitoTokens | None:
        raw = self.store.get_item(self.key)
        if raw is None:
            return None
        cached = self._cache
        if cached is not None and cached[0] == raw:
            return cached[1]
        try:
            tokens = CognitoTokens.from_json(raw)
        except (ValueError, KeyError, TypeError):
            return None  # a corrupt record is no session
        with self._lock:
            self._cache = (raw, tokens)
        return tokens

    def save(self, tokens: CognitoTokens) -> None:
        raw = tokens.to_json()
        self.store.set_item(self.key, raw)
        with self._lock:
            self._cache = (raw, tokens)

    def clear(self) -> None:
        self.store.remove_item(self.key)
        with self._lock:
            self._cache = None
