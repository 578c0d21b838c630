"""``verify_totp_setup``: VerifySoftwareToken with a code from the authenticator app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def verify_totp_setup(ctx: AuthContext, code: str, friendly_device_name: str | None = None) -> Flow[None]:
    require(code, "EmptyVerifyTOTPSetupCode", "code is required to verifyTotpSetup")
    tokens = yield from require_tokens()
    yield from call(
        "VerifySoftwareToken",
        {"AccessToken": tokens.access_token.raw, "UserCode": code, "FriendlyDeviceName": friendly_device_name},
    )
