"""The stored session: Cognito's tokens plus the clock drift measured when they arrived.

Amplify v6 (``cacheCognitoTokens`` / ``TokenStore``) keeps ``clockDrift = iat - now`` with
the tokens and treats them as expired when ``now + clockDrift + 5 s > exp`` for either the
access or the ID token; the same rule is :meth:`CognitoTokens.is_expired`. The refresh token
is kept here but never handed out by ``fetch_auth_session`` (as in Amplify). Reading and
writing them in a store is ``_async/token_repository.py`` (and its generated sync twin).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .constants import REFRESH_TOLERANCE_SECONDS
from .errors import InvalidJWTError
from .jwt import JWT, decode_jwt
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
    #: The session came from managed login (Amplify's ``oauthMetadata.oauthSignIn``): ``sign_out``
    #: also ends the hosted session (``/logout``).
    oauth_sign_in: bool = False

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
        oauth_sign_in: bool = False,
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
            oauth_sign_in=oauth_sign_in,
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
                "oauth_sign_in": self.oauth_sign_in,
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
            oauth_sign_in=bool(data.get("oauth_sign_in")),
        )

