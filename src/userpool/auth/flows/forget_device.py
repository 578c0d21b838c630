"""``forget_device``: ForgetDevice for a device of the user, or this client's own (Amplify's
``forgetDevice``); forgetting this client's device removes its stored metadata too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DeviceMetadataException
from ..types import AuthDevice
from .base import Flow, call, load_device, require_tokens, save_device

if TYPE_CHECKING:
    from ..state import AuthContext


def forget_device(ctx: AuthContext, device: AuthDevice | str | None = None) -> Flow[None]:
    tokens = yield from require_tokens()
    current = yield from load_device(tokens.username)
    external = device.id if isinstance(device, AuthDevice) else device
    key = external or (current.device_key if current else None)
    if not key:
        raise DeviceMetadataException("Device metadata is missing: the user's sign-in did not track a device.")
    yield from call("ForgetDevice", {"AccessToken": tokens.access_token.raw, "DeviceKey": key})
    if current is not None and key == current.device_key:
        yield from save_device(tokens.username, None)
