"""What a sign-in does for a tracked device, automatically, as Amplify does.

* :func:`confirm_new_device` (Amplify's ``getNewDeviceMetadata``): tokens that come with
  ``NewDeviceMetadata`` get a random device password, its SRP verifier is sent with
  ConfirmDevice, and the device is stored for the user. A failure is ignored, as Amplify
  ignores it: the sign-in has succeeded either way.
* :func:`device_srp` (Amplify's ``handleDeviceSRPAuth``): a DEVICE_SRP_AUTH challenge is
  answered with the stored device (SRP with the device group key and device key), and the
  service's answer -- tokens, without MFA -- goes on as any sign-in answer does.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ... import srp
from ..constants import Challenge
from ..device_metadata import DeviceMetadata
from ..errors import AuthError, SignInException
from .base import Flow, call, compact, load_device, save_device

if TYPE_CHECKING:
    from ..state import AuthContext

DEVICE_NAME = "userpool-python"  # Amplify sends the browser's user agent; a client may name itself


def device_key_for(username: str) -> Flow[str | None]:
    """The DEVICE_KEY a sign-in of ``username`` presents, when this client has a device for them."""
    metadata = yield from load_device(username)
    return metadata.device_key if metadata else None


def confirm_new_device(ctx: AuthContext, username: str, result: Mapping[str, Any]) -> Flow[None]:
    new = result.get("NewDeviceMetadata") or {}
    key, group = new.get("DeviceKey"), new.get("DeviceGroupKey")
    if not key or not group:
        return
    password = srp.new_device_password()
    salt, verifier = srp.device_verifier(group, key, password)
    config = {
        "Salt": base64.b64encode(bytes.fromhex(salt)).decode(),
        "PasswordVerifier": base64.b64encode(bytes.fromhex(srp.pad_hex(verifier))).decode(),
    }
    try:
        yield from call("ConfirmDevice", {"AccessToken": result["AccessToken"], "DeviceKey": key, "DeviceName": DEVICE_NAME,
                                          "DeviceSecretVerifierConfig": config})
    except AuthError:
        return  # Amplify's getNewDeviceMetadata: the device is simply not tracked
    yield from save_device(username, DeviceMetadata(key, group, password))


def device_srp(
    ctx: AuthContext, username: str, session: str | None, client_metadata: dict[str, str] | None
) -> Flow[dict[str, Any]]:
    """DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER with the stored device; the last answer."""
    device = yield from load_device(username)
    if device is None:
        raise SignInException("The service asked for device authentication, but this client has no device for the user.")
    ephemeral = ctx.srp_ephemeral()
    first = yield from _respond(ctx, Challenge.DEVICE_SRP_AUTH, session, client_metadata, {
        "USERNAME": username, "SRP_A": ephemeral.srp_a, "DEVICE_KEY": device.device_key})
    params = first.get("ChallengeParameters") or {}
    try:
        timestamp = srp.cognito_timestamp(datetime.fromtimestamp(ctx.now(), UTC))
        signature, timestamp = srp.device_password_claim(
            ephemeral, device.device_group_key, device.device_key, device.random_password, params["SALT"], params["SRP_B"],
            params["SECRET_BLOCK"], timestamp)
    except (KeyError, ValueError) as exc:
        raise SignInException(f"Invalid DEVICE_PASSWORD_VERIFIER challenge from the service: {exc}") from exc
    return (yield from _respond(ctx, Challenge.DEVICE_PASSWORD_VERIFIER, first.get("Session"), client_metadata, {
        "USERNAME": params.get("USERNAME") or username, "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
        "TIMESTAMP": timestamp, "PASSWORD_CLAIM_SIGNATURE": signature, "DEVICE_KEY": device.device_key}))


def _respond(
    ctx: AuthContext, challenge: Challenge, session: str | None, client_metadata: dict[str, str] | None,
    answers: dict[str, Any],
) -> Flow[dict[str, Any]]:
    answers = {**answers, "SECRET_HASH": ctx.secret_hash(answers["USERNAME"])}
    return (yield from call("RespondToAuthChallenge", {
        "ChallengeName": challenge.value, "ClientId": ctx.config.client_id, "ChallengeResponses": compact(answers),
        "Session": session, "ClientMetadata": client_metadata}))
