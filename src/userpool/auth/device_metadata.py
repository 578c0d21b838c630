"""A tracked device as the client keeps it (Amplify's ``DeviceMetadata``): the device key and
group key Cognito announced in ``NewDeviceMetadata``, and the random password whose SRP
verifier ConfirmDevice registered. It is stored per username beside the session and, as in
Amplify, outlives sign-out: the next sign-in on this device presents ``DEVICE_KEY``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceMetadata:
    device_key: str
    device_group_key: str
    random_password: str

    def to_json(self) -> str:
        return json.dumps(
            {"device_key": self.device_key, "device_group_key": self.device_group_key, "random_password": self.random_password}
        )

    @classmethod
    def from_json(cls, raw: str) -> DeviceMetadata:
        data = json.loads(raw)
        return cls(str(data["device_key"]), str(data["device_group_key"]), str(data["random_password"]))
