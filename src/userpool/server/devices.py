"""Tracked devices (Cognito's "Working with user devices"): a pool with a DeviceConfiguration
gives every sign-in without a known device a new one (``NewDeviceMetadata``); the client
confirms it with an SRP verifier (ConfirmDevice), may have it remembered, and a remembered
device then proves itself with DEVICE_SRP_AUTH in place of MFA when the pool's
``ChallengeRequiredOnNewDevice`` says so.

A device verifier is sealed at rest exactly as a password's SRP verifier is
(``passwords.set_password``), bound to its pool and device key.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from typing import Any

from sqlalchemy import Select, select

from userpool import srp
from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import Device, TokenFamily, User, UserPool

REMEMBERED = "remembered"
NOT_REMEMBERED = "not_remembered"
STATUSES = (REMEMBERED, NOT_REMEMBERED)
NOT_FOUND = "Device does not exist."


def configuration(pool: UserPool) -> dict[str, Any] | None:
    """The pool's DeviceConfiguration; any value of it turns tracking on, as in Cognito."""
    config = pool.config.get("DeviceConfiguration")
    return config if isinstance(config, dict) else None


def tracking_on(pool: UserPool) -> bool:
    return configuration(pool) is not None


def replaces_mfa(pool: UserPool) -> bool:
    """ChallengeRequiredOnNewDevice: a remembered device may sign in with device SRP instead of MFA."""
    return bool((configuration(pool) or {}).get("ChallengeRequiredOnNewDevice"))


def remembered_on_prompt_only(pool: UserPool) -> bool:
    """DeviceOnlyRememberedOnUserPrompt: ConfirmDevice leaves the device not remembered."""
    return bool((configuration(pool) or {}).get("DeviceOnlyRememberedOnUserPrompt"))


def verifier_context(device: Device) -> str:
    return f"device-verifier:{device.pool_id}:{device.device_key}"


def verifier(ctx: Context, device: Device) -> int:
    if device.verifier_sealed is None:
        raise ValueError("this device is not confirmed (no verifier yet)")
    return int(ctx.sealer.open(device.verifier_sealed, verifier_context(device)), 16)


def find(ctx: Context, user: User, device_key: str | None, *, lock: bool = False) -> Device | None:
    """The user's device ``device_key``; None for an unknown key or another user's device.
    ``lock``: the row locked (PostgreSQL) in a transaction; a read unit (GetDevice) writes nothing
    and takes no lock, which its read-only connection would refuse."""
    if not device_key:
        return None
    device = ctx.db.get(Device, device_key, with_for_update=lock and not ctx.read_only)
    return device if device is not None and device.user_id == user.id else None


def require(ctx: Context, user: User, device_key: str) -> Device:
    """The user's device, or ``ResourceNotFoundException`` (another user's device is unknown too)."""
    device = find(ctx, user, device_key, lock=True)
    if device is None:
        raise errors.ResourceNotFound(NOT_FOUND)
    return device


def is_remembered(device: Device | None) -> bool:
    return device is not None and device.verifier_sealed is not None and device.remembered == REMEMBERED


def sign_in_device(ctx: Context, pool: UserPool, user: User, device_key: str | None) -> tuple[str | None, dict[str, str] | None]:
    """(the device key the new tokens carry, NewDeviceMetadata) for a sign-in that succeeded.

    A confirmed device of this user is the sign-in's device; any other key (none, unknown,
    another user's, never confirmed) gets a new device, announced as NewDeviceMetadata.
    """
    if not tracking_on(pool):
        return None, None
    device = find(ctx, user, device_key, lock=True)
    if device is not None and device.verifier_sealed is not None:
        device.last_authenticated_at = ctx.now
        device.last_ip = ctx.source_ip
        return device.device_key, None
    device = Device(
        device_key=f"{pool.region}_{uuid.uuid4()}",
        pool_id=pool.id,
        user_id=user.id,
        group_key="-" + secrets.token_urlsafe(9).replace("_", "-"),
        created_at=ctx.now,
        modified_at=ctx.now,
        last_authenticated_at=ctx.now,
        last_ip=ctx.source_ip,
    )
    ctx.db.add(device)
    return device.device_key, {"DeviceKey": device.device_key, "DeviceGroupKey": device.group_key}


def check_refresh_device(family: TokenFamily, given: str | None) -> None:
    """A refresh (GetTokensFromRefreshToken ``DeviceKey``, REFRESH_TOKEN_AUTH ``DEVICE_KEY``)
    that names a device must name the one its sign-in was made on; one that names none keeps it."""
    if given and family.device_key and given != family.device_key:
        raise errors.NotAuthorized("Invalid device key given.")


def _hex_of_base64(value: str, member: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        raise errors.InvalidParameter(f"Invalid {member} in DeviceSecretVerifierConfig")
    return raw.hex()


def confirm(ctx: Context, pool: UserPool, device: Device, config: dict[str, Any], name: str | None) -> bool:
    """Store the device's verifier (ConfirmDevice); True when the user must still be asked
    whether to remember it (UserConfirmationNecessary)."""
    if device.verifier_sealed is not None:
        raise errors.NotAuthorized("Device has already been confirmed.")
    verifier_hex = _hex_of_base64(config.get("PasswordVerifier") or "", "PasswordVerifier")
    salt_hex = _hex_of_base64(config.get("Salt") or "", "Salt")
    value = int(verifier_hex, 16)
    if value % srp.N in (0, 1):
        raise errors.InvalidParameter("Invalid PasswordVerifier in DeviceSecretVerifierConfig")
    device.srp_salt = srp.pad_hex(int(salt_hex, 16))
    device.verifier_sealed = ctx.sealer.seal(format(value, "x").encode(), verifier_context(device))
    device.name = name
    prompt = remembered_on_prompt_only(pool)
    device.remembered = NOT_REMEMBERED if prompt else REMEMBERED
    device.modified_at = ctx.now
    return prompt


def set_status(ctx: Context, device: Device, status: str | None) -> None:
    """UpdateDeviceStatus: remembered or not_remembered, for a confirmed device only."""
    if status not in STATUSES:
        raise errors.InvalidParameter(f"Invalid DeviceRememberedStatus: {status}")
    if device.verifier_sealed is None:
        raise errors.InvalidParameter("Device has not been confirmed.")
    device.remembered = status
    device.modified_at = ctx.now


def describe(device: Device) -> dict[str, Any]:
    """A DeviceType, with the attribute names Cognito and Amplify's fetchDevices use."""
    attributes = [{"Name": "device_status", "Value": "valid" if device.verifier_sealed else "unconfirmed"}]
    if device.name:
        attributes.append({"Name": "device_name", "Value": device.name})
    if device.remembered:
        attributes.append({"Name": "dev:device_remembered_status", "Value": device.remembered})
    if device.last_ip:
        attributes.append({"Name": "last_ip_used", "Value": device.last_ip})
    out: dict[str, Any] = {
        "DeviceKey": device.device_key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": device.created_at,
        "DeviceLastModifiedDate": device.modified_at,
    }
    if device.last_authenticated_at is not None:
        out["DeviceLastAuthenticatedDate"] = device.last_authenticated_at
    return out


def of_user(user: User) -> Select[Device]:
    """The query of a user's confirmed devices, in device key order (ListDevices pages by it)."""
    return (
        select(Device)
        .where(Device.user_id == user.id, Device.verifier_sealed.is_not(None))
        .order_by(Device.device_key)
    )
