"""``resend_sign_up_code``: ResendConfirmationCode; where the new code went."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..types import ClientMetadataOptions, CodeDeliveryDetails, coerce_options
from .base import Flow, call, require

if TYPE_CHECKING:
    from ..state import AuthContext


def resend_sign_up_code(
    ctx: AuthContext, username: str, options: ClientMetadataOptions | Mapping[str, Any] | None = None
) -> Flow[CodeDeliveryDetails]:
    opts = coerce_options(options, ClientMetadataOptions)
    require(username, "EmptyResendSignUpCodeUsername", "username is required to resendSignUpCode")
    response = yield from call(
        "ResendConfirmationCode",
        {
            "ClientId": ctx.config.client_id,
            "Username": username,
            "ClientMetadata": opts.client_metadata,
            "SecretHash": ctx.secret_hash(username),
        },
    )
    return CodeDeliveryDetails.from_cognito(response.get("CodeDeliveryDetails")) or CodeDeliveryDetails()
