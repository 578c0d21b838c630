"""``sign_in``: start a sign-in with one of Amplify's four auth flows.

USER_SRP_AUTH (default) proves the password with SRP (InitiateAuth, then the
PASSWORD_VERIFIER challenge); USER_PASSWORD_AUTH sends it; CUSTOM_WITH_SRP runs SRP inside
CUSTOM_AUTH (``CHALLENGE_NAME: SRP_A``); CUSTOM_WITHOUT_SRP starts CUSTOM_AUTH with the
username only. USER_AUTH is choice-based sign-in (``user_auth``): ``preferred_challenge``
names the first factor (PASSWORD / PASSWORD_SRP with the password, EMAIL_OTP / SMS_OTP with
none), else the next step is CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION. Signing in while
signed in raises ``UserAlreadyAuthenticatedException``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ... import srp
from ..constants import AuthFlowType, Challenge
from ..errors import AuthError, SignInException, UserAlreadyAuthenticatedException
from ..types import SignInDetails, SignInOptions, SignInOutput, coerce_options
from ._sign_in_result import handle_auth_response, result_from_error
from .base import Flow, call, compact, load_tokens, require

if TYPE_CHECKING:
    from ..state import AuthContext


PASSWORD_FACTORS = (Challenge.PASSWORD, Challenge.PASSWORD_SRP)


def sign_in(
    ctx: AuthContext, username: str, password: str | None = None, options: SignInOptions | Mapping[str, Any] | None = None,
    *, session: str | None = None,
) -> Flow[SignInOutput]:
    """``session``: ConfirmSignUp's, for USER_AUTH after sign-up (``auto_sign_in``)."""
    opts = coerce_options(options, SignInOptions)
    flow = AuthFlowType(opts.auth_flow_type or ctx.config.auth_flow_type)
    require(username, "EmptySignInUsername", "username is required to signIn")
    if flow is not AuthFlowType.CUSTOM_WITHOUT_SRP and (flow is not AuthFlowType.USER_AUTH or (
            opts.preferred_challenge in PASSWORD_FACTORS and not session)):
        require(password, "EmptySignInPassword", "password is required to signIn")
    if (yield from load_tokens()) is not None:
        raise UserAlreadyAuthenticatedException("There is already a signed in user.")
    ctx.sign_in.reset()
    ctx.sign_in.username = username
    details = SignInDetails(login_id=username, auth_flow_type=str(flow))
    try:
        if flow is AuthFlowType.USER_PASSWORD_AUTH:
            response = yield from initiate_auth(
                ctx, "USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password}, opts.client_metadata
            )
        elif flow is AuthFlowType.USER_AUTH:
            response = yield from user_auth(ctx, username, password, opts, session)
        elif flow is AuthFlowType.CUSTOM_WITHOUT_SRP:
            response = yield from initiate_auth(ctx, "CUSTOM_AUTH", {"USERNAME": username}, opts.client_metadata)
        else:
            response = yield from srp_auth(
                ctx, username, password or "", custom=flow is AuthFlowType.CUSTOM_WITH_SRP, client_metadata=opts.client_metadata
            )
        return (yield from handle_auth_response(ctx, response, username, details))
    except Exception as error:  # every way out of a failed sign-in clears its state
        mapped = result_from_error(ctx, error) if isinstance(error, AuthError) else None
        if mapped is not None:
            return mapped
        ctx.sign_in.reset()
        raise


def initiate_auth(
    ctx: AuthContext, auth_flow: str, parameters: dict[str, Any], client_metadata: dict[str, str] | None,
    session: str | None = None,
) -> Flow[dict[str, Any]]:
    parameters = {**parameters, "SECRET_HASH": ctx.secret_hash(parameters["USERNAME"])}
    return (
        yield from call(
            "InitiateAuth",
            {
                "AuthFlow": auth_flow,
                "ClientId": ctx.config.client_id,
                "AuthParameters": compact(parameters),
                "ClientMetadata": client_metadata,
                "Session": session,
            },
        )
    )


def user_auth(
    ctx: AuthContext, username: str, password: str | None, opts: SignInOptions, session: str | None
) -> Flow[dict[str, Any]]:
    """USER_AUTH (Amplify's handleUserAuthFlow): PREFERRED_CHALLENGE, with the password for
    PASSWORD, or SRP for PASSWORD_SRP; ConfirmSignUp's Session when signing in after sign-up."""
    preferred = opts.preferred_challenge
    if preferred == Challenge.PASSWORD_SRP and not session:
        return (yield from srp_auth(ctx, username, password or "", custom=False, client_metadata=opts.client_metadata,
                                    preferred=preferred))
    parameters: dict[str, Any] = {"USERNAME": username, "PREFERRED_CHALLENGE": preferred}
    if preferred == Challenge.PASSWORD:
        parameters["PASSWORD"] = password
    return (yield from initiate_auth(ctx, "USER_AUTH", parameters, opts.client_metadata, session))


def srp_auth(
    ctx: AuthContext, username: str, password: str, *, custom: bool, client_metadata: dict[str, str] | None,
    preferred: str | None = None,
) -> Flow[dict[str, Any]]:
    """SRP_A in InitiateAuth, then answer PASSWORD_VERIFIER (handleUserSRPAuthFlow; with
    ``preferred``, USER_AUTH's PASSWORD_SRP, handlePasswordSRP)."""
    ephemeral = ctx.srp_ephemeral()
    parameters: dict[str, Any] = {"USERNAME": username, "SRP_A": ephemeral.srp_a}
    if custom:
        parameters["CHALLENGE_NAME"] = "SRP_A"
    if preferred:
        parameters["PREFERRED_CHALLENGE"] = preferred
    auth_flow = "USER_AUTH" if preferred else "CUSTOM_AUTH" if custom else "USER_SRP_AUTH"
    response = yield from initiate_auth(ctx, auth_flow, parameters, client_metadata)
    if response.get("ChallengeName") != Challenge.PASSWORD_VERIFIER:
        return response
    return (yield from password_verifier(ctx, ephemeral, password, response, client_metadata))


def password_verifier(
    ctx: AuthContext,
    ephemeral: srp.ClientEphemeral,
    password: str,
    response: dict[str, Any],
    client_metadata: dict[str, str] | None,
) -> Flow[dict[str, Any]]:
    """PASSWORD_CLAIM_SIGNATURE over the server's salt, B and secret block; USERNAME = USER_ID_FOR_SRP."""
    params = response.get("ChallengeParameters") or {}
    try:
        user_id = params["USER_ID_FOR_SRP"]
        timestamp = srp.cognito_timestamp(datetime.fromtimestamp(ctx.now(), UTC))
        signature, timestamp = srp.password_claim(
            ephemeral,
            ctx.config.user_pool_id,
            user_id,
            password,
            params["SALT"],
            params["SRP_B"],
            params["SECRET_BLOCK"],
            timestamp,
        )
    except (KeyError, ValueError) as exc:
        raise SignInException(f"Invalid PASSWORD_VERIFIER challenge from the service: {exc}") from exc
    ctx.sign_in.username = user_id
    answers = {
        "USERNAME": user_id,
        "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
        "TIMESTAMP": timestamp,
        "PASSWORD_CLAIM_SIGNATURE": signature,
        "SECRET_HASH": ctx.secret_hash(user_id),
    }
    return (
        yield from call(
            "RespondToAuthChallenge",
            {
                "ChallengeName": Challenge.PASSWORD_VERIFIER.value,
                "ClientId": ctx.config.client_id,
                "ChallengeResponses": compact(answers),
                "Session": response.get("Session"),
                "ClientMetadata": client_metadata,
            },
        )
    )
