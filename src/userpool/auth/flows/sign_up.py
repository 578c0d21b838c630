"""``sign_up``: create the user (SignUp); ``CONFIRM_SIGN_UP`` next unless the pool confirmed it.

With ``options.auto_sign_in`` the password is kept in memory so ``auto_sign_in()`` can sign
in once the user is confirmed (Amplify's autoSignIn); the next step is then
``COMPLETE_AUTO_SIGN_IN`` as soon as the user is confirmed. Dispatches ``signUp``.
Without a password (a pool with passwordless sign-in) the user signs in by e-mailed or
texted codes; with ``auth_flow_type="USER_AUTH"`` auto sign-in then uses the ``Session``
SignUp and ConfirmSignUp return (no password, no second code).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import AuthFlowType, HubEvent, SignUpStep
from ..types import (
    CodeDeliveryDetails,
    SignUpNextStep,
    SignUpOptions,
    SignUpOutput,
    attribute_list,
    coerce_options,
)
from .base import Flow, call, require

if TYPE_CHECKING:
    from ..state import AuthContext


def sign_up(
    ctx: AuthContext, username: str, password: str | None = None, options: SignUpOptions | Mapping[str, Any] | None = None
) -> Flow[SignUpOutput]:
    opts = coerce_options(options, SignUpOptions)
    flow = AuthFlowType(opts.auth_flow_type) if opts.auth_flow_type else None
    require(username, "EmptySignUpUsername", "username is required to signUp")
    if flow is not AuthFlowType.USER_AUTH:
        require(password, "EmptySignUpPassword", "password is required to signUp")
    response = yield from call(
        "SignUp",
        {
            "ClientId": ctx.config.client_id,
            "Username": username,
            "Password": password or None,
            "UserAttributes": attribute_list(opts.user_attributes),
            "ValidationData": attribute_list(opts.validation_data) or None,
            "ClientMetadata": opts.client_metadata,
            "SecretHash": ctx.secret_hash(username),
        },
    )
    user_id = response.get("UserSub")
    confirmed = bool(response.get("UserConfirmed"))
    ctx.auto_sign_in.reset()
    if opts.auto_sign_in:
        ctx.auto_sign_in.arm(username, password, flow)
        ctx.auto_sign_in.confirmed = confirmed
        ctx.auto_sign_in.session = response.get("Session")
        ctx.auto_sign_in.preferred_challenge = opts.preferred_challenge
    ctx.dispatch(HubEvent.SIGN_UP, {"username": username, "user_id": user_id})
    if confirmed:
        step = SignUpStep.COMPLETE_AUTO_SIGN_IN if opts.auto_sign_in else SignUpStep.DONE
        return SignUpOutput(is_sign_up_complete=True, next_step=SignUpNextStep(step), user_id=user_id)
    return SignUpOutput(
        is_sign_up_complete=False,
        next_step=SignUpNextStep(
            SignUpStep.CONFIRM_SIGN_UP, CodeDeliveryDetails.from_cognito(response.get("CodeDeliveryDetails"))
        ),
        user_id=user_id,
    )
