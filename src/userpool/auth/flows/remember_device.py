"""``remember_device``: UpdateDeviceStatus ``remembered`` for this client's device (Amplify's
``rememberDevice``); ``DeviceMetadataException`` when the sign-in tracked no device."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DeviceMetadataException
from .base import Flow, call, load_device, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def remember_device(ctx: AuthContext) -> Flow[None]:
    tokens = yield from require_tokens()
    device = yield from load_device(tokens.username)
    if device is None:
        raise DeviceMetadataException("Device metadata is missing: the user's sign-in did not track a device.")
    yield from call("UpdateDeviceStatus", {"AccessToken": tokens.access_token.raw, "DeviceKey": device.device_key,
                                           "DeviceRememberedStatus": "remembered"})
