"""``update_mfa_preference``: SetUserMFAPreference from Amplify's per-type preferences.

``ENABLED`` -> enabled; ``DISABLED`` -> disabled; ``PREFERRED`` -> enabled and preferred;
``NOT_PREFERRED`` -> enabled, not preferred. A type left None is not changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import AuthValidationError
from ..types import MFAPreference
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext

_SETTINGS: dict[str, dict[str, bool]] = {
    "ENABLED": {"Enabled": True},
    "DISABLED": {"Enabled": False},
    "PREFERRED": {"Enabled": True, "PreferredMfa": True},
    "NOT_PREFERRED": {"Enabled": True, "PreferredMfa": False},
}


def _setting(value: MFAPreference | None) -> dict[str, bool] | None:
    if value is None:
        return None
    try:
        return dict(_SETTINGS[value])
    except KeyError:
        raise AuthValidationError(
            f"Invalid MFA preference {value!r}; expected one of {', '.join(_SETTINGS)}", name="InvalidMFAPreference"
        ) from None


def update_mfa_preference(
    ctx: AuthContext,
    sms: MFAPreference | None = None,
    totp: MFAPreference | None = None,
    email: MFAPreference | None = None,
) -> Flow[None]:
    payload: dict[str, Any] = {
        "SMSMfaSettings": _setting(sms),
        "SoftwareTokenMfaSettings": _setting(totp),
        "EmailMfaSettings": _setting(email),
    }
    tokens = yield from require_tokens()
    yield from call("SetUserMFAPreference", {"AccessToken": tokens.access_token.raw, **payload})
