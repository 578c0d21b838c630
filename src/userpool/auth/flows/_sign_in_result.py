"""Turning Cognito's sign-in answers into Amplify's ``SignInOutput`` (signInHelpers).

Shared by ``sign_in``, ``confirm_sign_in`` and ``auto_sign_in``: an ``AuthenticationResult``
stores the tokens, ends the sign-in and dispatches ``signedIn``; a challenge becomes the
matching ``next_step`` and is remembered in the sign-in state; the two errors Amplify turns
into steps (``PasswordResetRequiredException`` -> RESET_PASSWORD,
``UserNotConfirmedException`` -> CONFIRM_SIGN_UP) end the sign-in without raising.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import COGNITO_TO_MFA, USER_ATTRIBUTES_PREFIX, Challenge, HubEvent, SignInStep
from ..errors import AuthError, SignInException
from ..tokens import CognitoTokens
from ..types import (
    AuthUser,
    CodeDeliveryDetails,
    MFAType,
    SignInDetails,
    SignInNextStep,
    SignInOutput,
    TOTPSetupDetails,
)
from . import web_authn_sign_in
from ._device_auth import confirm_new_device, device_srp
from .base import Flow, call, save_tokens

if TYPE_CHECKING:
    from ..state import AuthContext

_ERROR_STEPS = {
    "PasswordResetRequiredException": SignInStep.RESET_PASSWORD,
    "UserNotConfirmedException": SignInStep.CONFIRM_SIGN_UP,
}


def output(step: SignInStep, **fields: Any) -> SignInOutput:
    return SignInOutput(is_signed_in=step is SignInStep.DONE, next_step=SignInNextStep(step, **fields))


def result_from_error(ctx: AuthContext, error: AuthError) -> SignInOutput | None:
    """Amplify's ``getSignInResultFromError``: errors that are next steps, not failures."""
    step = _ERROR_STEPS.get(error.name)
    if step is None:
        return None
    ctx.sign_in.reset()
    return output(step)


def parse_json_list(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def mfa_types(raw: str | None) -> tuple[MFAType, ...]:
    """``'["SMS_MFA","SOFTWARE_TOKEN_MFA"]'`` -> ``("SMS", "TOTP")`` (Amplify's parseMFATypes)."""
    return tuple(COGNITO_TO_MFA[t] for t in parse_json_list(raw) if t in COGNITO_TO_MFA)  # type: ignore[misc]


def missing_attributes(raw: str | None) -> tuple[str, ...]:
    """NEW_PASSWORD_REQUIRED's ``requiredAttributes`` without the ``userAttributes.`` prefix."""
    return tuple(a.removeprefix(USER_ATTRIBUTES_PREFIX) for a in parse_json_list(raw))


def complete_sign_in(
    ctx: AuthContext, result: Mapping[str, Any], details: SignInDetails | None
) -> Flow[SignInOutput]:
    """Store the tokens, end the sign-in, tell the Hub: Amplify's cacheCognitoTokens + signedIn."""
    username = ctx.sign_in.username or (details.login_id if details else "") or ""
    tokens = CognitoTokens.from_authentication_result(
        result, now=ctx.now(), username=username, sign_in_details=details
    )
    yield from confirm_new_device(ctx, tokens.username, result)
    yield from save_tokens(tokens)
    ctx.sign_in.reset()
    ctx.dispatch(
        HubEvent.SIGNED_IN,
        AuthUser(username=tokens.username, user_id=tokens.user_sub or "", sign_in_details=details),
    )
    return output(SignInStep.DONE)


def handle_auth_response(
    ctx: AuthContext, response: Mapping[str, Any], username: str, details: SignInDetails | None
) -> Flow[SignInOutput]:
    """Tokens -> DONE; a challenge -> its next step, with the sign-in state updated."""
    state = ctx.sign_in
    if response.get("AuthenticationResult"):
        state.username = state.username or username
        return (yield from complete_sign_in(ctx, response["AuthenticationResult"], details))
    challenge = response.get("ChallengeName")
    if not challenge:
        state.reset()
        raise SignInException("The service answered with neither tokens nor a challenge.")
    params: dict[str, str] = dict(response.get("ChallengeParameters") or {})
    if challenge == Challenge.DEVICE_SRP_AUTH:  # a remembered device in place of MFA: no step for the user
        who = params.get("USERNAME") or state.username or username
        answer = yield from device_srp(ctx, who, response.get("Session"), None)
        return (yield from handle_auth_response(ctx, answer, who, details))
    state.username = params.get("USERNAME") or params.get("USER_ID_FOR_SRP") or state.username or username
    state.session = response.get("Session")
    state.challenge_name = challenge
    state.challenge_parameters = params
    state.sign_in_details = details
    state.mfa_setup = None
    state.allowed_mfa_types = ()
    available = tuple(str(c) for c in response.get("AvailableChallenges") or ())
    return (yield from next_step_for_challenge(ctx, challenge, params, available))


def next_step_for_challenge(
    ctx: AuthContext, challenge: str, params: Mapping[str, str], available: tuple[str, ...] = ()
) -> Flow[SignInOutput]:
    """Amplify's ``getSignInResult``: the next step a challenge asks of the user."""
    state = ctx.sign_in
    if challenge == Challenge.SELECT_CHALLENGE:
        return output(SignInStep.CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION, available_challenges=available)
    if challenge == Challenge.WEB_AUTHN:
        return (yield from _passkey(ctx, params))
    if challenge in (Challenge.PASSWORD, Challenge.PASSWORD_SRP):
        return output(SignInStep.CONFIRM_SIGN_IN_WITH_PASSWORD)
    delivery = CodeDeliveryDetails(
        destination=params.get("CODE_DELIVERY_DESTINATION"),
        delivery_medium=params.get("CODE_DELIVERY_DELIVERY_MEDIUM"),
    )
    if challenge == Challenge.CUSTOM_CHALLENGE:
        return output(SignInStep.CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE, additional_info=dict(params))
    if challenge == Challenge.NEW_PASSWORD_REQUIRED:
        return output(
            SignInStep.CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED,
            missing_attributes=missing_attributes(params.get("requiredAttributes")),
        )
    if challenge in (Challenge.SMS_MFA, Challenge.SMS_OTP):
        return output(SignInStep.CONFIRM_SIGN_IN_WITH_SMS_CODE, code_delivery_details=delivery)
    if challenge == Challenge.EMAIL_OTP:
        return output(SignInStep.CONFIRM_SIGN_IN_WITH_EMAIL_CODE, code_delivery_details=delivery)
    if challenge == Challenge.SOFTWARE_TOKEN_MFA:
        return output(SignInStep.CONFIRM_SIGN_IN_WITH_TOTP_CODE)
    if challenge == Challenge.SELECT_MFA_TYPE:
        allowed = mfa_types(params.get("MFAS_CAN_CHOOSE"))
        state.allowed_mfa_types = allowed
        return output(SignInStep.CONTINUE_SIGN_IN_WITH_MFA_SELECTION, allowed_mfa_types=allowed)
    if challenge == Challenge.MFA_SETUP:
        raw = params.get("MFAS_CAN_SETUP")
        # Before EMAIL_OTP existed the challenge carried no list and meant TOTP.
        can_setup = tuple(t for t in mfa_types(raw) if t in ("TOTP", "EMAIL")) if raw else ("TOTP",)
        state.allowed_mfa_types = can_setup
        if can_setup == ("TOTP",):
            return (yield from start_totp_setup(ctx))
        if can_setup == ("EMAIL",):
            state.mfa_setup = "EMAIL"
            return output(SignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_SETUP)
        if can_setup:
            state.mfa_setup = "SELECT"
            return output(SignInStep.CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION, allowed_mfa_types=can_setup)
        state.reset()
        raise SignInException(f"Cannot initiate MFA setup from the available types: {raw}")
    state.reset()
    raise SignInException(
        f"An error occurred during the sign in process. {challenge} challengeName returned by "
        "the underlying service was not addressed."
    )


def _passkey(ctx: AuthContext, params: Mapping[str, str]) -> Flow[SignInOutput]:
    """Amplify's handleWebAuthnSignInResult: the passkey answers at once, no step for the user."""
    response = yield from web_authn_sign_in.answer_web_authn(ctx, params)
    if response.get("ChallengeName") == Challenge.WEB_AUTHN:
        ctx.sign_in.reset()
        raise SignInException("Sequential WEB_AUTHN challenges returned from underlying service cannot be handled.")
    state = ctx.sign_in
    return (yield from handle_auth_response(ctx, response, state.username or "", state.sign_in_details))


def start_totp_setup(ctx: AuthContext) -> Flow[SignInOutput]:
    """MFA_SETUP with TOTP: AssociateSoftwareToken with the challenge's Session (as Amplify)."""
    state = ctx.sign_in
    response = yield from call("AssociateSoftwareToken", {"Session": state.session})
    state.session = response.get("Session") or state.session
    state.mfa_setup = "TOTP"
    details = TOTPSetupDetails(shared_secret=response.get("SecretCode", ""), username=state.username)
    return output(SignInStep.CONTINUE_SIGN_IN_WITH_TOTP_SETUP, totp_setup_details=details)
