"""``confirm_sign_up``: ConfirmSignUp with the code; ``COMPLETE_AUTO_SIGN_IN`` when armed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import SignUpStep
from ..types import ClientMetadataOptions, SignUpNextStep, SignUpOutput, coerce_options
from .base import Flow, call, require

if TYPE_CHECKING:
    from ..state import AuthContext


def confirm_sign_up(
    ctx: AuthContext,
    username: str,
    confirmation_code: str,
    options: ClientMetadataOptions | Mapping[str, Any] | None = None,
) -> Flow[SignUpOutput]:
    opts = coerce_options(options, ClientMetadataOptions)
    require(username, "EmptyConfirmSignUpUsername", "username is required to confirmSignUp")
    require(confirmation_code, "EmptyConfirmSignUpCode", "code is required to confirmSignUp")
    response = yield from call(
        "ConfirmSignUp",
        {
            "ClientId": ctx.config.client_id,
            "Username": username,
            "ConfirmationCode": confirmation_code,
            "ClientMetadata": opts.client_metadata,
            "SecretHash": ctx.secret_hash(username),
        },
    )
    pending = ctx.auto_sign_in
    if pending.username == username and pending.armed:
        pending.confirmed = True
        pending.session = response.get("Session") or pending.session  # USER_AUTH: signs the new user in
        return SignUpOutput(True, SignUpNextStep(SignUpStep.COMPLETE_AUTO_SIGN_IN))
    return SignUpOutput(True, SignUpNextStep(SignUpStep.DONE))
