"""``auto_sign_in``: sign in the user that ``sign_up(..., auto_sign_in=True)`` just confirmed.

Uses the credentials kept in memory since ``sign_up`` and forgets them whatever happens;
dispatches ``autoSignIn`` or ``autoSignIn_failure``. With USER_AUTH it sends ConfirmSignUp's
``Session`` (the confirmation code was the first factor) and no password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import HubEvent
from ..errors import AuthError, AutoSignInException
from ..types import SignInOptions, SignInOutput
from .base import Flow
from .sign_in import sign_in

if TYPE_CHECKING:
    from ..state import AuthContext


def auto_sign_in(ctx: AuthContext) -> Flow[SignInOutput]:
    pending = ctx.auto_sign_in
    username, password, flow, confirmed = pending.username, pending.password, pending.auth_flow_type, pending.confirmed
    armed, session, preferred = pending.armed, pending.session, pending.preferred_challenge
    pending.reset()
    if not username or not armed or not confirmed:
        raise AutoSignInException(
            "The autoSignIn flow has not started, or has been cancelled/completed.",
            name="AutoSignInException",
        )
    try:
        options = SignInOptions(auth_flow_type=flow, preferred_challenge=preferred)
        result = yield from sign_in(ctx, username, password, options, session=session)
    except AuthError as error:
        ctx.dispatch(HubEvent.AUTO_SIGN_IN_FAILURE, {"error": error})
        raise
    ctx.dispatch(HubEvent.AUTO_SIGN_IN, result)
    return result
