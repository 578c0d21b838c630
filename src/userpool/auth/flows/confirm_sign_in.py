"""``confirm_sign_in``: answer the challenge the previous sign-in step stopped at.

The answer's meaning follows the current step (Amplify's ``handleChallengeName``): an MFA
code, an MFA type (``"TOTP"``, ``"SMS"``, ``"EMAIL"``), a new password (with
``options.user_attributes`` for missing attributes), a TOTP code to finish setup
(VerifySoftwareToken with the sign-in Session, then MFA_SETUP), an email address for email
MFA setup, a custom challenge answer, or -- in USER_AUTH -- the first factor chosen from
``available_challenges`` (then the password for PASSWORD / PASSWORD_SRP, or the e-mailed or
texted code for EMAIL_OTP / SMS_OTP). A wrong code or a rejected password keeps the
sign-in so the user can answer again; any other error ends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import MFA_TO_COGNITO, USER_ATTRIBUTES_PREFIX, Challenge, SignInStep
from ..errors import RETRYABLE_CHALLENGE_ERRORS, AuthError, AuthValidationError, SignInException
from ..types import ConfirmSignInOptions, SignInOutput, coerce_options
from ._sign_in_result import handle_auth_response, output, result_from_error, start_totp_setup
from .base import Flow, call, compact, require
from .sign_in import PASSWORD_FACTORS, password_verifier

if TYPE_CHECKING:
    from ..state import AuthContext


def confirm_sign_in(
    ctx: AuthContext, challenge_response: str, options: ConfirmSignInOptions | Mapping[str, Any] | None = None
) -> Flow[SignInOutput]:
    opts = coerce_options(options, ConfirmSignInOptions)
    require(challenge_response, "EmptyChallengeResponse", "challengeResponse is required to confirmSignIn")
    state = ctx.sign_in
    if not state.active:
        raise SignInException(
            "An error occurred during the sign in process: confirm_sign_in was called without a "
            "sign-in in progress (sign_in not called, it failed, or its session expired)."
        )
    username, details = state.username or "", state.sign_in_details
    try:
        outcome = yield from _answer(ctx, challenge_response, opts)
        if isinstance(outcome, SignInOutput):
            return outcome
        return (yield from handle_auth_response(ctx, outcome, username, details))
    except AuthValidationError:
        raise  # nothing was sent: answer again
    except Exception as error:
        if isinstance(error, AuthError):
            mapped = result_from_error(ctx, error)
            if mapped is not None:
                return mapped
            if error.name in RETRYABLE_CHALLENGE_ERRORS:
                raise  # a wrong code or password: the same challenge may be answered again
        state.reset()
        raise


def _respond(
    ctx: AuthContext, challenge: str, answers: dict[str, Any], opts: ConfirmSignInOptions
) -> Flow[dict[str, Any]]:
    state = ctx.sign_in
    username = state.username or ""
    responses = {"USERNAME": username, **answers, "SECRET_HASH": ctx.secret_hash(username)}
    return (
        yield from call(
            "RespondToAuthChallenge",
            {
                "ChallengeName": challenge,
                "ClientId": ctx.config.client_id,
                "ChallengeResponses": compact(responses),
                "Session": state.session,
                "ClientMetadata": opts.client_metadata,
            },
        )
    )


def _mfa_choice(answer: str, allowed: tuple[str, ...]) -> str:
    choice = answer.strip().upper()
    if choice not in MFA_TO_COGNITO or (allowed and choice not in allowed):
        raise AuthValidationError(
            f"Incorrect MFA method {answer!r}; expected one of {', '.join(allowed or tuple(MFA_TO_COGNITO))}",
            name="IncorrectMFAMethod",
        )
    return choice


def _answer(ctx: AuthContext, answer: str, opts: ConfirmSignInOptions) -> Flow[dict[str, Any] | SignInOutput]:
    state = ctx.sign_in
    challenge = state.challenge_name
    if challenge == Challenge.SMS_MFA:
        return (yield from _respond(ctx, challenge, {"SMS_MFA_CODE": answer}, opts))
    if challenge == Challenge.SMS_OTP:
        return (yield from _respond(ctx, challenge, {"SMS_OTP_CODE": answer}, opts))
    if challenge in (Challenge.SELECT_CHALLENGE, *PASSWORD_FACTORS):
        return (yield from _first_factor(ctx, answer, opts))
    if challenge == Challenge.SOFTWARE_TOKEN_MFA:
        return (yield from _respond(ctx, challenge, {"SOFTWARE_TOKEN_MFA_CODE": answer}, opts))
    if challenge == Challenge.EMAIL_OTP:
        return (yield from _respond(ctx, challenge, {"EMAIL_OTP_CODE": answer}, opts))
    if challenge == Challenge.CUSTOM_CHALLENGE:
        return (yield from _respond(ctx, challenge, {"ANSWER": answer}, opts))
    if challenge == Challenge.SELECT_MFA_TYPE:
        choice = _mfa_choice(answer, state.allowed_mfa_types)
        return (yield from _respond(ctx, challenge, {"ANSWER": MFA_TO_COGNITO[choice]}, opts))
    if challenge == Challenge.NEW_PASSWORD_REQUIRED:
        attributes = {USER_ATTRIBUTES_PREFIX + k: v for k, v in (opts.user_attributes or {}).items()}
        return (yield from _respond(ctx, challenge, {**attributes, "NEW_PASSWORD": answer}, opts))
    if challenge == Challenge.MFA_SETUP:
        return (yield from _mfa_setup(ctx, answer, opts))
    raise SignInException(f"{challenge} challengeName returned by the underlying service was not addressed.")


def _first_factor(ctx: AuthContext, answer: str, opts: ConfirmSignInOptions) -> Flow[dict[str, Any] | SignInOutput]:
    """USER_AUTH's SELECT_CHALLENGE (Amplify's handleSelectChallenge*): a password factor
    chosen asks for the password first (no call); the password, or another factor, is sent as
    the SELECT_CHALLENGE answer; PASSWORD_SRP then proves the password with SRP."""
    state = ctx.sign_in
    if state.challenge_name == Challenge.SELECT_CHALLENGE:
        choice = answer.strip().upper()
        if choice in PASSWORD_FACTORS:
            state.challenge_name = choice
            return output(SignInStep.CONFIRM_SIGN_IN_WITH_PASSWORD)
        return (yield from _respond(ctx, Challenge.SELECT_CHALLENGE.value, {"ANSWER": choice}, opts))
    if state.challenge_name == Challenge.PASSWORD:
        return (yield from _respond(ctx, Challenge.SELECT_CHALLENGE.value, {"ANSWER": "PASSWORD", "PASSWORD": answer}, opts))
    ephemeral = ctx.srp_ephemeral()
    response = yield from _respond(
        ctx, Challenge.SELECT_CHALLENGE.value, {"ANSWER": "PASSWORD_SRP", "SRP_A": ephemeral.srp_a}, opts
    )
    if response.get("ChallengeName") != Challenge.PASSWORD_VERIFIER:
        return response
    return (yield from password_verifier(ctx, ephemeral, answer, response, opts.client_metadata))


def _mfa_setup(ctx: AuthContext, answer: str, opts: ConfirmSignInOptions) -> Flow[dict[str, Any] | SignInOutput]:
    state = ctx.sign_in
    if state.mfa_setup == "SELECT":
        choice = _mfa_choice(answer, state.allowed_mfa_types)
        if choice == "TOTP":
            return (yield from start_totp_setup(ctx))
        state.mfa_setup = "EMAIL"
        return output(SignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_SETUP)
    if state.mfa_setup == "EMAIL":
        return (yield from _respond(ctx, Challenge.MFA_SETUP.value, {"EMAIL": answer}, opts))
    # TOTP: prove the authenticator works, then finish MFA_SETUP with the Session it returns.
    verified = yield from call(
        "VerifySoftwareToken",
        {"UserCode": answer, "Session": state.session, "FriendlyDeviceName": opts.friendly_device_name},
    )
    state.session = verified.get("Session") or state.session
    return (yield from _respond(ctx, Challenge.MFA_SETUP.value, {}, opts))
