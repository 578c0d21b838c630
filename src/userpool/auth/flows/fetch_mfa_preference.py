"""``fetch_mfa_preference``: GetUser's MFA settings in Amplify's names (SMS, TOTP, EMAIL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import COGNITO_TO_MFA
from ..types import FetchMFAPreferenceOutput
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def fetch_mfa_preference(ctx: AuthContext) -> Flow[FetchMFAPreferenceOutput]:
    tokens = yield from require_tokens()
    response = yield from call("GetUser", {"AccessToken": tokens.access_token.raw})
    listed = response.get("UserMFASettingList")
    enabled = tuple(COGNITO_TO_MFA[m] for m in listed or () if m in COGNITO_TO_MFA) if listed else None
    preferred = COGNITO_TO_MFA.get(response.get("PreferredMfaSetting") or "")
    return FetchMFAPreferenceOutput(enabled=enabled or None, preferred=preferred)  # type: ignore[arg-type]
