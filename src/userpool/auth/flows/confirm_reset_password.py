"""``confirm_reset_password``: ConfirmForgotPassword with the code and the new password."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..types import ClientMetadataOptions, coerce_options
from .base import Flow, call, require

if TYPE_CHECKING:
    from ..state import AuthContext


def confirm_reset_password(
    ctx: AuthContext,
    username: str,
    confirmation_code: str,
    new_password: str,
    options: ClientMetadataOptions | Mapping[str, Any] | None = None,
) -> Flow[None]:
    opts = coerce_options(options, ClientMetadataOptions)
    require(username, "EmptyConfirmResetPasswordUsername", "username is required to confirmResetPassword")
    require(
        confirmation_code,
        "EmptyConfirmResetPasswordConfirmationCode",
        "confirmationCode is required to confirmResetPassword",
    )
    require(new_password, "EmptyConfirmResetPasswordNewPassword", "newPassword is required to confirmResetPassword")
    yield from call(
        "ConfirmForgotPassword",
        {
            "ClientId": ctx.config.client_id,
            "Username": username,
            "ConfirmationCode": confirmation_code,
            "Password": new_password,
            "ClientMetadata": opts.client_metadata,
            "SecretHash": ctx.secret_hash(username),
        },
    )
