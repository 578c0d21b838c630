"""Lambda-compatible triggers named in the pool's ``LambdaConfig``.

A trigger value is one of:

- ``python:package.module:function`` -- imported and called in-process as
  ``function(event, context)``, exactly as AWS Lambda calls a Python handler: ``event`` is
  Cognito's event (below), ``context`` has ``aws_request_id``, ``function_name``,
  ``invoked_function_arn`` and ``get_remaining_time_in_millis()``. The handler returns the
  event with ``response`` filled in, so an unmodified Cognito Lambda handler runs here. It
  runs in a thread while the request's database transaction is open: it must not call this
  same server synchronously.
- ``https://...`` (or ``http://`` on a loopback address) -- a webhook: ``POST`` of the event
  as JSON with ``Content-Type: application/json``, ``X-Userpool-Trigger: <trigger name>`` and
  ``X-Userpool-Signature: sha256=<hex HMAC-SHA256 of the body>`` keyed with the server's
  webhook secret (``delivery.load_webhook_secret``). A 2xx reply is the event with
  ``response`` filled in; any other status is the handler raising, its message taken from
  ``{"errorMessage": ...}`` (Lambda's error shape) or the body text.
- an AWS ARN -- kept in the configuration (DescribeUserPool shows it) but not callable
  here: invoking it answers ``UnexpectedLambdaException`` saying so.

The event is Cognito's: ``version``, ``triggerSource`` (``PreSignUp_SignUp``, ...),
``region``, ``userPoolId``, ``userName``, ``callerContext {awsSdkVersion, clientId}``,
``request`` and ``response`` (``{}`` or the members the trigger may set).

Failures are Cognito's: a handler that raises gives ``UserLambdaValidationException``
("<Trigger> failed with error <message>."); one that runs past the timeout (5 s, Cognito's
limit; ``USERPOOL_TRIGGER_TIMEOUT``), cannot be imported or reached, or is an ARN gives
``UnexpectedLambdaException``; one that answers something other than the event with a
well-typed ``response`` gives ``InvalidLambdaResponseException``. Each of these is a plain
``CognitoError``, so the request's transaction rolls back: no partial change.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from userpool._loopback import is_loopback_http_url
from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool, WriteNeeded
from userpool.server.delivery import SIGNATURE_HEADER, Message, signature

log = logging.getLogger("userpool.triggers")

PYTHON_PREFIX = "python:"
TRIGGER_HEADER = "X-Userpool-Trigger"
SDK_VERSION = "aws-sdk-unknown-unknown"
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"  # callerContext.clientId of admin operations
CODE_PARAMETER = "{####}"
USERNAME_PARAMETER = "{username}"

# Claims a PreTokenGeneration response cannot add, change or suppress (Cognito's list),
# plus those owned by a dedicated field (groups, scopes) or by the token's own bookkeeping.
PROTECTED_CLAIMS = frozenset({
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat", "identities", "iss",
    "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "event_id",
})
PROTECTED_ID_CLAIMS = PROTECTED_CLAIMS | {"cognito:groups", "cognito:roles", "cognito:preferred_role"}
EVENT_VERSIONS = {"V1_0": "1", "V2_0": "2", "V3_0": "3"}  # PreTokenGeneration's LambdaVersion -> event "version"
PROTECTED_ACCESS_CLAIMS = PROTECTED_CLAIMS | {"client_id", "username", "scope", "cognito:groups", "device_key", "version"}

# Message kinds (delivery.Message.kind) -> the suffix of CustomMessage_* / Custom*Sender_* sources.
MESSAGE_SOURCES = {
    "SIGN_UP": "SignUp",
    "RESEND": "ResendCode",
    "FORGOT_PASSWORD": "ForgotPassword",
    "ADMIN_RESET_PASSWORD": "ForgotPassword",
    "ADMIN_CREATE_USER": "AdminCreateUser",
    "VERIFY_ATTRIBUTE": "VerifyUserAttribute",
    "UPDATE_USER_ATTRIBUTE": "UpdateUserAttribute",
    "MFA_SMS": "Authentication",
    "MFA_EMAIL": "Authentication",
}


# ------------------------------------------------------------------ the runtime


def target(pool: UserPool, trigger: str) -> str | None:
    """The handler named for ``trigger`` (``CustomSMSSender`` etc. are ``{LambdaArn: ...}``)."""
    value = (pool.config.get("LambdaConfig") or {}).get(trigger)
    if isinstance(value, dict):
        value = value.get("LambdaArn")
    return value or None


def never_in_a_read(ctx: Context, pool: UserPool, trigger: str) -> None:
    """In a read attempt (``app.execute``'s ``write_on_demand``), a pool with ``trigger`` set
    runs the unit as a transaction from the start (``db.WriteNeeded``): the trigger calls out,
    and an attempt that runs again would call it twice."""
    if ctx.read_only and target(pool, trigger) is not None:
        raise WriteNeeded


def is_local_handler(value: str) -> bool:
    """A handler this server calls itself: ``python:module:function`` or an https/loopback webhook."""
    if value.startswith(PYTHON_PREFIX):
        module, _, function = value[len(PYTHON_PREFIX):].partition(":")
        return bool(module) and function.isidentifier() and all(p.isidentifier() for p in module.split("."))
    if value.startswith("https://"):
        return len(value) > len("https://")
    return is_loopback_http_url(value)


@dataclass
class LambdaContext:
    """What AWS Lambda passes a Python handler as ``context`` (the members handlers use)."""

    function_name: str
    invoked_function_arn: str
    deadline: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = "/userpool/triggers"
    log_stream_name: str = "userpool"
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def base_event(
    ctx: Context, pool: UserPool, client_id: str | None, source: str, username: str, request: dict[str, Any],
    version: str = "1",
) -> dict[str, Any]:
    return {
        "version": version,
        "triggerSource": source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": client_id or NO_CLIENT},
        "request": request,
        "response": {},
    }


def invoke(ctx: Context, pool: UserPool, trigger: str, event: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    """Run the pool's ``trigger`` (``LambdaConfig[key or trigger]``) on ``event``; returns the
    handler's ``response`` (a dict)."""
    spec = target(pool, key or trigger)
    if spec is None:
        raise errors.UnexpectedLambda(f"{trigger} trigger is not configured.")
    timeout = float(ctx.config.trigger_timeout)
    started = time.monotonic()
    if spec.startswith(PYTHON_PREFIX):
        result = _call_python(spec, trigger, event, timeout)
    elif spec.startswith(("https://", "http://")) and is_local_handler(spec):
        result = _call_webhook(ctx, spec, trigger, event, timeout)
    else:
        raise errors.UnexpectedLambda(
            f"{trigger} is set to {spec}, an AWS Lambda function this server cannot invoke; "
            "name a python:module:function handler or an https:// webhook instead."
        )
    log.info("trigger %s (%s) answered in %.0f ms", trigger, event.get("triggerSource"), (time.monotonic() - started) * 1000)
    if not isinstance(result, dict):
        raise _invalid(trigger, "the handler must return the event")
    response = result.get("response")
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise _invalid(trigger, "response must be an object")
    return response


def _invalid(trigger: str, detail: str) -> errors.CognitoError:
    return errors.InvalidLambdaResponse(f"Invalid {trigger} Lambda response: {detail}.")


def _failed(trigger: str, message: str) -> errors.CognitoError:
    return errors.UserLambdaValidation(f"{trigger} failed with error {message}.")


def _call_python(spec: str, trigger: str, event: dict[str, Any], timeout: float) -> Any:
    module_name, _, function_name = spec[len(PYTHON_PREFIX):].partition(":")
    try:
        handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # noqa: BLE001 - ImportError, AttributeError, or the module failing as it loads
        log.warning("trigger %s: cannot load %s: %s", trigger, spec, exc)
        raise errors.UnexpectedLambda(f"{trigger} handler {spec} could not be loaded: {type(exc).__name__}.") from None
    context = LambdaContext(
        function_name=f"{module_name}.{function_name}", invoked_function_arn=spec, deadline=time.monotonic() + timeout
    )
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = handler(copy.deepcopy(event), context)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller as the handler's failure
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"trigger-{trigger}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():  # a thread cannot be stopped: it is abandoned, its result ignored
        raise errors.UnexpectedLambda(f"{trigger} failed with error Task timed out after {timeout:.2f} seconds.")
    if "error" in box:
        failure = box["error"]
        raise _failed(trigger, str(failure) or type(failure).__name__)
    return box.get("result")


def _call_webhook(ctx: Context, url: str, trigger: str, event: dict[str, Any], timeout: float) -> Any:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        TRIGGER_HEADER: trigger,
        SIGNATURE_HEADER: signature(ctx.state.webhook_secret, body),
    }
    try:
        reply = httpx.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise errors.UnexpectedLambda(f"{trigger} failed with error Task timed out after {timeout:.2f} seconds.") from None
    except httpx.HTTPError as exc:
        raise errors.UnexpectedLambda(f"{trigger} webhook could not be reached: {type(exc).__name__}.") from None
    if not 200 <= reply.status_code < 300:
        raise _failed(trigger, _error_message(reply))
    try:
        return reply.json()
    except ValueError:
        raise _invalid(trigger, "the webhook did not answer JSON") from None


def _error_message(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errorMessage"), str):
        return str(body["errorMessage"])
    return reply.text.strip()[:500] or f"HTTP {reply.status_code}"


# ------------------------------------------------------------------ response checks


def _bool(trigger: str, response: dict[str, Any], key: str) -> bool:
    value = response.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _invalid(trigger, f"{key} must be a boolean")
    return value


def _str(trigger: str, response: dict[str, Any], key: str) -> str | None:
    value = response.get(key)
    if value is not None and not isinstance(value, str):
        raise _invalid(trigger, f"{key} must be a string")
    return value


def _str_map(trigger: str, value: Any, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _invalid(trigger, f"{key} must map strings to strings")
    return dict(value)


def _str_list(trigger: str, value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(trigger, f"{key} must be a list of strings")
    return list(value)


def _json_value(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_value(v) for k, v in value.items())
    return False


def user_attributes(user: User, *, status: bool = True) -> dict[str, str]:
    attrs = user.attr_map()
    if status:
        attrs["cognito:user_status"] = user.status
    return attrs


def _client_id(client: AppClient | None) -> str | None:
    return client.id if client is not None else None


# ------------------------------------------------------------------ sign-up and sign-in


def pre_sign_up(
    ctx: Context, pool: UserPool, client: AppClient | None, user: User, req: dict[str, Any], source: str
) -> dict[str, Any]:
    """The PreSignUp trigger's ``response`` (autoConfirmUser, autoVerifyEmail, autoVerifyPhone).

    Cognito ignores those three for ``PreSignUp_AdminCreateUser``; the trigger can still
    refuse the user by raising.
    """
    if target(pool, "PreSignUp") is None:
        return {}
    validation = {a.get("Name", ""): a.get("Value", "") for a in req.get("ValidationData") or []}
    attrs = {k: v for k, v in user.attr_map().items() if k != "sub"}
    request = {"userAttributes": attrs, "validationData": validation or None, "clientMetadata": ctx.client_metadata or None}
    response = invoke(ctx, pool, "PreSignUp", base_event(ctx, pool, _client_id(client), source, user.username, request))
    out = {k: _bool("PreSignUp", response, k) for k in ("autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone")}
    if source == "PreSignUp_AdminCreateUser":
        return {}
    for flag, attr in (("autoVerifyEmail", "email"), ("autoVerifyPhone", "phone_number")):
        if out[flag] and not user.attr(attr):
            raise _invalid("PreSignUp", f"{flag} is true but the user has no {attr}")
    return out


def post_confirmation(ctx: Context, pool: UserPool, client: AppClient | None, user: User, source: str) -> None:
    if target(pool, "PostConfirmation") is None:
        return
    request = {"userAttributes": user_attributes(user), "clientMetadata": ctx.client_metadata or None}
    invoke(ctx, pool, "PostConfirmation", base_event(ctx, pool, _client_id(client), source, user.username, request))


def pre_authentication(ctx: Context, pool: UserPool, client: AppClient, user: User) -> None:
    if target(pool, "PreAuthentication") is None:
        return
    request = {"userAttributes": user_attributes(user), "validationData": ctx.client_metadata or None, "userNotFound": False}
    invoke(ctx, pool, "PreAuthentication",
           base_event(ctx, pool, client.id, "PreAuthentication_Authentication", user.username, request))


def post_authentication(ctx: Context, pool: UserPool, client: AppClient, user: User) -> None:
    if target(pool, "PostAuthentication") is None:
        return
    request = {"userAttributes": user_attributes(user), "newDeviceUsed": False, "clientMetadata": ctx.client_metadata or None}
    invoke(ctx, pool, "PostAuthentication",
           base_event(ctx, pool, client.id, "PostAuthentication_Authentication", user.username, request))


def user_migration(
    ctx: Context, pool: UserPool, client: AppClient | None, username: str, password: str | None, source: str
) -> dict[str, Any]:
    """The UserMigration trigger's checked ``response`` for a user this pool does not know."""
    trigger = "UserMigration"
    request: dict[str, Any] = {"validationData": ctx.client_metadata or None, "clientMetadata": ctx.client_metadata or None}
    if password is not None:
        request["password"] = password
    response = invoke(ctx, pool, trigger, base_event(ctx, pool, _client_id(client), source, username, request))
    attributes = _str_map(trigger, response.get("userAttributes"), "userAttributes")
    status = _str(trigger, response, "finalUserStatus")
    if status not in (None, "CONFIRMED", "RESET_REQUIRED"):
        raise _invalid(trigger, "finalUserStatus must be CONFIRMED or RESET_REQUIRED")
    action = _str(trigger, response, "messageAction")
    if action not in (None, "SUPPRESS", "RESEND"):
        raise _invalid(trigger, "messageAction must be SUPPRESS")
    return {
        "userAttributes": attributes,
        "finalUserStatus": status or "CONFIRMED",
        "messageAction": action,
        "desiredDeliveryMediums": _str_list(trigger, response.get("desiredDeliveryMediums"), "desiredDeliveryMediums"),
        "forceAliasCreation": _bool(trigger, response, "forceAliasCreation"),
    }


# ------------------------------------------------------------------ custom authentication


def _custom_request(user: User | None, session: list[dict[str, Any]]) -> dict[str, Any]:
    return {"userAttributes": user_attributes(user) if user is not None else {}, "session": copy.deepcopy(session),
            "userNotFound": user is None}


def define_auth_challenge(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, session: list[dict[str, Any]]
) -> dict[str, Any]:
    """DefineAuthChallenge: ``{challengeName, issueTokens, failAuthentication}``, checked."""
    trigger = "DefineAuthChallenge"
    request = {**_custom_request(user, session), "clientMetadata": ctx.client_metadata or None}
    response = invoke(ctx, pool, trigger,
                      base_event(ctx, pool, client.id, "DefineAuthChallenge_Authentication", username, request))
    out = {
        "challengeName": _str(trigger, response, "challengeName"),
        "issueTokens": _bool(trigger, response, "issueTokens"),
        "failAuthentication": _bool(trigger, response, "failAuthentication"),
    }
    if not out["issueTokens"] and not out["failAuthentication"] and not out["challengeName"]:
        raise _invalid(trigger, "neither challengeName, issueTokens nor failAuthentication is set")
    return out


def create_auth_challenge(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, challenge: str,
    session: list[dict[str, Any]],
) -> dict[str, Any]:
    """CreateAuthChallenge: public and private challenge parameters and the challenge's metadata."""
    trigger = "CreateAuthChallenge"
    request = {**_custom_request(user, session), "challengeName": challenge, "clientMetadata": ctx.client_metadata or None}
    response = invoke(ctx, pool, trigger,
                      base_event(ctx, pool, client.id, "CreateAuthChallenge_Authentication", username, request))
    return {
        "publicChallengeParameters": _str_map(trigger, response.get("publicChallengeParameters"), "publicChallengeParameters"),
        "privateChallengeParameters": _str_map(trigger, response.get("privateChallengeParameters"),
                                               "privateChallengeParameters"),
        "challengeMetadata": _str(trigger, response, "challengeMetadata"),
    }


def verify_auth_challenge_response(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str,
    private: dict[str, str], answer: str,
) -> bool:
    """VerifyAuthChallengeResponse: whether ``answer`` is right."""
    trigger = "VerifyAuthChallengeResponse"
    request = {
        "userAttributes": user_attributes(user) if user is not None else {},
        "privateChallengeParameters": dict(private),
        "challengeAnswer": answer,
        "clientMetadata": ctx.client_metadata or None,
        "userNotFound": user is None,
    }
    response = invoke(ctx, pool, trigger,
                      base_event(ctx, pool, client.id, "VerifyAuthChallengeResponse_Authentication", username, request))
    return _bool(trigger, response, "answerCorrect")


# ------------------------------------------------------------------ tokens


def token_generation_version(pool: UserPool) -> str:
    """``V1_0`` for ``PreTokenGeneration``; ``PreTokenGenerationConfig.LambdaVersion`` when set."""
    config = (pool.config.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}
    return str(config.get("LambdaVersion") or "V1_0") if config.get("LambdaArn") else "V1_0"


def _token_trigger(pool: UserPool) -> str | None:
    lambda_config = pool.config.get("LambdaConfig") or {}
    if (lambda_config.get("PreTokenGenerationConfig") or {}).get("LambdaArn"):
        return "PreTokenGenerationConfig"
    return "PreTokenGeneration" if lambda_config.get("PreTokenGeneration") else None


def has_token_trigger(pool: UserPool) -> bool:
    """Whether issuing tokens in ``pool`` calls out (PreTokenGeneration)."""
    return _token_trigger(pool) is not None


def pre_token_generation(
    ctx: Context, pool: UserPool, client: AppClient, user: User, access: dict[str, Any], id_claims: dict[str, Any],
    source: str = "TokenGeneration_Authentication",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the PreTokenGeneration trigger to the claims about to be signed.

    V1 (``claimsOverrideDetails``) changes the ID token and the groups of both tokens; V2
    and V3 (``claimsAndScopeOverrideDetails``) also change the access token's claims and
    scopes. Protected claims (``sub``, ``iss``, ``exp`` ...) are left as they are.
    """
    config_key = _token_trigger(pool)
    if config_key is None:
        return access, id_claims
    trigger = "PreTokenGeneration"
    version = token_generation_version(pool)
    v2 = version != "V1_0"
    groups = list(id_claims.get("cognito:groups") or [])
    group_config = {
        "groupsToOverride": groups,
        "iamRolesToOverride": list(id_claims.get("cognito:roles") or []),
        "preferredRole": id_claims.get("cognito:preferred_role"),
    }
    request: dict[str, Any] = {
        "userAttributes": user_attributes(user),
        "groupConfiguration": group_config,
        "clientMetadata": ctx.client_metadata or None,
    }
    if v2:
        request["scopes"] = str(access.get("scope", "")).split()
    event = base_event(ctx, pool, client.id, source, user.username, request, version=EVENT_VERSIONS.get(version, "1"))
    response = invoke(ctx, pool, trigger, event, key=config_key)
    access, id_claims = dict(access), dict(id_claims)
    if v2:
        details = response.get("claimsAndScopeOverrideDetails")
        if details is None:
            return access, id_claims
        if not isinstance(details, dict):
            raise _invalid(trigger, "claimsAndScopeOverrideDetails must be an object")
        id_part = details.get("idTokenGeneration") or {}
        access_part = details.get("accessTokenGeneration") or {}
        if not isinstance(id_part, dict) or not isinstance(access_part, dict):
            raise _invalid(trigger, "idTokenGeneration and accessTokenGeneration must be objects")
        _override(trigger, id_claims, id_part, PROTECTED_ID_CLAIMS)
        _override(trigger, access, access_part, PROTECTED_ACCESS_CLAIMS)
        _scopes(trigger, access, access_part)
    else:
        details = response.get("claimsOverrideDetails")
        if details is None:
            return access, id_claims
        if not isinstance(details, dict):
            raise _invalid(trigger, "claimsOverrideDetails must be an object")
        _override(trigger, id_claims, details, PROTECTED_ID_CLAIMS)
    if "groupOverrideDetails" in details:
        _groups(trigger, access, id_claims, details.get("groupOverrideDetails"))
    return access, id_claims


def client_credentials_token(ctx: Context, pool: UserPool, client: AppClient, access: dict[str, Any]) -> dict[str, Any]:
    """PreTokenGeneration for a machine token (``TokenGeneration_ClientCredentials``).

    Cognito sends it only to a ``V3_0`` trigger (``PreTokenGenerationConfig.LambdaVersion``);
    V1 and V2 triggers are not invoked for client credentials. There is no user: the event's
    ``userName`` is the client id (the token's ``sub``), ``userAttributes`` is empty, and only
    ``accessTokenGeneration`` (claims, scopes) of the answer applies.
    """
    if _token_trigger(pool) != "PreTokenGenerationConfig" or token_generation_version(pool) != "V3_0":
        return access
    trigger = "PreTokenGeneration"
    request: dict[str, Any] = {
        "userAttributes": {},
        "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
        "scopes": str(access.get("scope", "")).split(),
        "clientMetadata": ctx.client_metadata or None,
    }
    event = base_event(ctx, pool, client.id, "TokenGeneration_ClientCredentials", client.id, request, version="3")
    details = invoke(ctx, pool, trigger, event, key="PreTokenGenerationConfig").get("claimsAndScopeOverrideDetails")
    if details is None:
        return access
    if not isinstance(details, dict):
        raise _invalid(trigger, "claimsAndScopeOverrideDetails must be an object")
    part = details.get("accessTokenGeneration") or {}
    if not isinstance(part, dict):
        raise _invalid(trigger, "accessTokenGeneration must be an object")
    access = dict(access)
    _override(trigger, access, part, PROTECTED_ACCESS_CLAIMS)
    _scopes(trigger, access, part)
    return access


def _override(trigger: str, claims: dict[str, Any], part: dict[str, Any], protected: frozenset[str]) -> None:
    add = part.get("claimsToAddOrOverride") or {}
    if not isinstance(add, dict) or not all(isinstance(k, str) and _json_value(v) for k, v in add.items()):
        raise _invalid(trigger, "claimsToAddOrOverride must map claim names to JSON values")
    suppress = _str_list(trigger, part.get("claimsToSuppress"), "claimsToSuppress")
    for name, value in add.items():
        if name in protected:
            log.warning("PreTokenGeneration may not change the %s claim; left as it was", name)
            continue
        claims[name] = value
    for name in suppress:  # suppression wins over an override of the same claim, as in Cognito
        if name not in protected:
            claims.pop(name, None)


def _scopes(trigger: str, access: dict[str, Any], part: dict[str, Any]) -> None:
    scopes = str(access.get("scope", "")).split()
    for scope in _str_list(trigger, part.get("scopesToAdd"), "scopesToAdd"):
        if scope not in scopes:
            scopes.append(scope)
    drop = set(_str_list(trigger, part.get("scopesToSuppress"), "scopesToSuppress"))
    scopes = [s for s in scopes if s not in drop]
    if scopes:
        access["scope"] = " ".join(scopes)
    else:
        access.pop("scope", None)


def _groups(trigger: str, access: dict[str, Any], id_claims: dict[str, Any], details: Any) -> None:
    """groupOverrideDetails replaces the groups: an empty or null object removes them."""
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise _invalid(trigger, "groupOverrideDetails must be an object")
    groups = _str_list(trigger, details.get("groupsToOverride"), "groupsToOverride")
    roles = _str_list(trigger, details.get("iamRolesToOverride"), "iamRolesToOverride")
    preferred = _str(trigger, details, "preferredRole")
    for claims in (access, id_claims):
        claims.pop("cognito:groups", None)
        if groups:
            claims["cognito:groups"] = groups
    id_claims.pop("cognito:roles", None)
    id_claims.pop("cognito:preferred_role", None)
    if roles:
        id_claims["cognito:roles"] = roles
    if preferred:
        id_claims["cognito:preferred_role"] = preferred


# ------------------------------------------------------------------ messages


def _sender_trigger(medium: str) -> str:
    return "CustomEmailSender" if medium == "EMAIL" else "CustomSMSSender"


def custom_message(
    ctx: Context, pool: UserPool, client_id: str | None, user: User, kind: str, medium: str, body: str,
    subject: str | None, *, invite: bool = False,
) -> tuple[str, str | None]:
    """The CustomMessage trigger's text for a message (templates keep ``{####}``/``{username}``).

    Not called when a custom sender delivers the medium: that sender composes its own text.
    """
    source = MESSAGE_SOURCES.get(kind)
    if source is None or target(pool, "CustomMessage") is None or target(pool, _sender_trigger(medium)):
        return body, subject
    trigger = "CustomMessage"
    request = {
        "userAttributes": user_attributes(user),
        "codeParameter": CODE_PARAMETER,
        "usernameParameter": USERNAME_PARAMETER if invite else None,
        "linkParameter": None,
        "clientMetadata": ctx.client_metadata or None,
    }
    response = invoke(ctx, pool, trigger, base_event(ctx, pool, client_id, f"CustomMessage_{source}", user.username, request))
    key = "emailMessage" if medium == "EMAIL" else "smsMessage"
    text = _str(trigger, response, key)
    new_subject = _str(trigger, response, "emailSubject") if medium == "EMAIL" else None
    if text:
        if CODE_PARAMETER not in text:
            raise _invalid(trigger, f"{key} must contain the code parameter {CODE_PARAMETER}")
        body = text
    if new_subject:
        subject = new_subject
    return body, subject


def deliver(ctx: Context, pool: UserPool, user: User, message: Message, client_id: str | None = None) -> None:
    """Send ``message`` through the pool's CustomEmailSender / CustomSMSSender, else the server's sender.

    Cognito encrypts the code with the pool's KMS key before handing it to a custom sender;
    this server has no KMS, so ``request.code`` is the plaintext code (or temporary password),
    and a handler written for Cognito must skip its decrypt step here.
    """
    trigger = _sender_trigger(message.delivery_medium)
    source = MESSAGE_SOURCES.get(message.kind)
    if source is None or target(pool, trigger) is None:
        ctx.state.sender.send(message)
        return
    kind = "customEmailSenderRequestV1" if trigger == "CustomEmailSender" else "customSMSSenderRequestV1"
    request = {
        "type": kind,
        "code": message.code,
        "clientMetadata": ctx.client_metadata or None,
        "userAttributes": user_attributes(user),
    }
    invoke(ctx, pool, trigger, base_event(ctx, pool, client_id, f"{trigger}_{source}", user.username, request))
