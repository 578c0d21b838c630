"""Device operations: ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice
(the signed-in user's, by access token) and AdminGetDevice, AdminListDevices,
AdminUpdateDeviceStatus, AdminForgetDevice (any user's, SigV4-signed).

A device of another user answers as an unknown one (``ResourceNotFoundException``), so a
device key says nothing about whose it is. The rules live in ``server/devices.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from userpool.server import audit, devices, errors, resolve
from userpool.server.context import Context
from userpool.server.db import Device, TokenFamily, User, UserPool
from userpool.server.ops.paging import page

DEFAULT_LIMIT = 60  # Cognito's maximum, and what Amplify's fetchDevices asks for


def _token_user(ctx: Context, req: dict[str, Any]) -> tuple[UserPool, User]:
    if not req.get("AccessToken"):
        raise errors.InvalidParameter("Missing required parameter AccessToken")
    return resolve.token_user(ctx, req)


def confirm_device(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """ConfirmDevice: the client's SRP verifier for the device the sign-in announced."""
    pool, user = _token_user(ctx, req)
    device = devices.require(ctx, user, req["DeviceKey"])
    config = req.get("DeviceSecretVerifierConfig")
    if not isinstance(config, dict):
        raise errors.InvalidParameter("Missing required parameter DeviceSecretVerifierConfig")
    necessary = devices.confirm(ctx, pool, device, config, req.get("DeviceName"))
    audit.event("device_confirmed", pool=pool.id, user=user.sub, device=device.device_key, ip=ctx.source_ip)
    return {"UserConfirmationNecessary": necessary}


def _get(ctx: Context, user: User, req: dict[str, Any]) -> dict[str, Any]:
    device = devices.require(ctx, user, req["DeviceKey"])
    return {"Device": devices.describe(device)}


def _list(ctx: Context, user: User, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit") or DEFAULT_LIMIT
    rows, token = page(ctx.db, devices.of_user(user), Device.device_key, req.get("PaginationToken"), limit)
    out: dict[str, Any] = {"Devices": [devices.describe(d) for d in rows]}
    if token:
        out["PaginationToken"] = token
    return out


def _update_status(ctx: Context, pool: UserPool, user: User, req: dict[str, Any]) -> dict[str, Any]:
    device = devices.require(ctx, user, req["DeviceKey"])
    devices.set_status(ctx, device, req.get("DeviceRememberedStatus"))
    audit.event("device_status", pool=pool.id, user=user.sub, device=device.device_key, status=device.remembered)
    return {}


def _forget(ctx: Context, pool: UserPool, user: User, req: dict[str, Any]) -> dict[str, Any]:
    """Forget the device; sign-ins made on it keep their tokens (Cognito does not revoke them)
    but no longer name it, so a refresh cannot bring it back."""
    device = devices.require(ctx, user, req["DeviceKey"])
    ctx.db.execute(update(TokenFamily).where(TokenFamily.device_key == device.device_key).values(device_key=None))
    ctx.db.delete(device)
    audit.event("device_forgotten", pool=pool.id, user=user.sub, device=device.device_key)
    return {}


def get_device(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _get(ctx, _token_user(ctx, req)[1], req)


def list_devices(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _list(ctx, _token_user(ctx, req)[1], req)


def update_device_status(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _update_status(ctx, *_token_user(ctx, req), req)


def forget_device(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _forget(ctx, *_token_user(ctx, req), req)


def admin_get_device(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _get(ctx, resolve.admin_user(ctx, req)[1], req)


def admin_list_devices(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _list(ctx, resolve.admin_user(ctx, req)[1], req)


def admin_update_device_status(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _update_status(ctx, *resolve.admin_user(ctx, req), req)


def admin_forget_device(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _forget(ctx, *resolve.admin_user(ctx, req), req)
