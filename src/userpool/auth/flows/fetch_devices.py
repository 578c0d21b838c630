"""``fetch_devices``: ListDevices (up to 60, as Amplify asks) as :class:`AuthDevice` values
(Amplify's ``fetchDevices``: the id is the device key, the name its ``device_name``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..types import AuthDevice, attribute_dict
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext

MAX_DEVICES = 60


def _date(value: Any) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, (int, float)) else None


def to_device(raw: Mapping[str, Any]) -> AuthDevice:
    attributes = attribute_dict(raw.get("DeviceAttributes"))
    return AuthDevice(
        id=str(raw.get("DeviceKey") or ""),
        name=attributes.get("device_name"),
        attributes=attributes,
        create_date=_date(raw.get("DeviceCreateDate")),
        last_modified_date=_date(raw.get("DeviceLastModifiedDate")),
        last_authenticated_date=_date(raw.get("DeviceLastAuthenticatedDate")),
    )


def fetch_devices(ctx: AuthContext) -> Flow[list[AuthDevice]]:
    tokens = yield from require_tokens()
    response = yield from call("ListDevices", {"AccessToken": tokens.access_token.raw, "Limit": MAX_DEVICES})
    return [to_device(d) for d in response.get("Devices") or []]
