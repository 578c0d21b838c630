"""``reset_password``: ForgotPassword; the code's destination for the next step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import ResetPasswordStep
from ..types import (
    ClientMetadataOptions,
    CodeDeliveryDetails,
    ResetPasswordNextStep,
    ResetPasswordOutput,
    coerce_options,
)
from .base import Flow, call, require

if TYPE_CHECKING:
    from ..state import AuthContext


def reset_password(
    ctx: AuthContext, username: str, options: ClientMetadataOptions | Mapping[str, Any] | None = None
) -> Flow[ResetPasswordOutput]:
    opts = coerce_options(options, ClientMetadataOptions)
    require(username, "EmptyResetPasswordUsername", "username is required to resetPassword")
    response = yield from call(
        "ForgotPassword",
        {
            "ClientId": ctx.config.client_id,
            "Username": username,
            "ClientMetadata": opts.client_metadata,
            "SecretHash": ctx.secret_hash(username),
        },
    )
    return ResetPasswordOutput(
        is_password_reset=False,
        next_step=ResetPasswordNextStep(
            ResetPasswordStep.CONFIRM_RESET_PASSWORD_WITH_CODE,
            CodeDeliveryDetails.from_cognito(response.get("CodeDeliveryDetails")),
        ),
    )
