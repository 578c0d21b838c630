"""``AuthConfig``: which pool, which app client, which endpoint.

``configure(outputs="amplify_outputs.json")`` reads the Amplify Gen 2 outputs file the JS app
already has (``auth.user_pool_id``, ``auth.user_pool_client_id``, ``auth.aws_region``, and an
optional ``auth.user_pool_endpoint``). Without an endpoint the client talks to the real
Cognito endpoint of the pool's region, ``https://cognito-idp.<region>.amazonaws.com/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .constants import AuthFlowType
from .errors import AuthConfigException


@dataclass(frozen=True)
class AuthConfig:
    user_pool_id: str
    client_id: str
    client_secret: str | None = None
    endpoint: str | None = None
    region: str | None = None
    #: The flow ``sign_in`` uses without ``options.auth_flow_type`` (Amplify: USER_SRP_AUTH).
    auth_flow_type: AuthFlowType = AuthFlowType.USER_SRP_AUTH

    def __post_init__(self) -> None:
        if not self.user_pool_id or "_" not in self.user_pool_id:
            raise AuthConfigException(
                f"Invalid user pool id {self.user_pool_id!r}: expected '<region>_<suffix>'",
                name="AuthConfigException",
            )
        if not self.client_id:
            raise AuthConfigException("client_id is required", name="AuthConfigException")
        object.__setattr__(self, "auth_flow_type", AuthFlowType(self.auth_flow_type))

    @property
    def resolved_region(self) -> str:
        return self.region or self.user_pool_id.split("_", 1)[0]

    @property
    def resolved_endpoint(self) -> str:
        """The URL every call is POSTed to."""
        if self.endpoint:
            return self.endpoint
        return f"https://cognito-idp.{self.resolved_region}.amazonaws.com/"

    @property
    def storage_key(self) -> str:
        """Namespace of this pool/client's session in a ``TokenStore``."""
        return f"userpool.{self.user_pool_id}.{self.client_id}"

    @classmethod
    def from_outputs(cls, outputs: str | os.PathLike[str] | Mapping[str, Any], **overrides: Any) -> AuthConfig:
        """Build from an Amplify Gen 2 ``amplify_outputs.json`` (path or parsed dict)."""
        if isinstance(outputs, Mapping):
            data: Mapping[str, Any] = outputs
        else:
            try:
                data = json.loads(Path(outputs).read_text())
            except (OSError, ValueError) as exc:
                raise AuthConfigException(
                    f"Cannot read Amplify outputs {outputs}: {exc}", name="AuthConfigException"
                ) from exc
        auth = data.get("auth")
        if not isinstance(auth, Mapping) or "user_pool_id" not in auth or "user_pool_client_id" not in auth:
            raise AuthConfigException(
                "Amplify outputs have no auth.user_pool_id / auth.user_pool_client_id",
                name="AuthConfigException",
            )
        values: dict[str, Any] = {
            "user_pool_id": auth["user_pool_id"],
            "client_id": auth["user_pool_client_id"],
            "region": auth.get("aws_region"),
            "endpoint": auth.get("user_pool_endpoint") or auth.get("endpoint"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
