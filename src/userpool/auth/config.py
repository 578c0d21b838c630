"""``AuthConfig``: which pool, which app client, which endpoint.

``configure(outputs="amplify_outputs.json")`` reads the Amplify Gen 2 outputs file the JS app
already has (``auth.user_pool_id``, ``auth.user_pool_client_id``, ``auth.aws_region``, and an
optional ``auth.user_pool_endpoint``), and ``auth.oauth`` for managed login
(:mod:`~userpool.auth.oauth_config`). Amplify v6's own configuration (``{"Auth": {"Cognito":
{"userPoolId", "userPoolClientId", "loginWith": {"oauth": ...}}}}``) and Gen 1's
``aws-exports`` (``aws_user_pools_id``, ``aws_user_pools_web_client_id``, ``oauth``) are read
too. Without an endpoint the client talks to the real Cognito endpoint of the pool's region,
``https://cognito-idp.<region>.amazonaws.com/``.
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
from .oauth_config import OAuthConfig, oauth_from_mapping


@dataclass(frozen=True)
class AuthConfig:
    user_pool_id: str
    client_id: str
    client_secret: str | None = None
    endpoint: str | None = None
    region: str | None = None
    #: The flow ``sign_in`` uses without ``options.auth_flow_type`` (Amplify: USER_SRP_AUTH).
    auth_flow_type: AuthFlowType = AuthFlowType.USER_SRP_AUTH
    #: Managed login (``sign_in_with_redirect``); a mapping in any of Amplify's shapes is accepted.
    oauth: OAuthConfig | None = None

    def __post_init__(self) -> None:
        if not self.user_pool_id or "_" not in self.user_pool_id:
            raise AuthConfigException(
                f"Invalid user pool id {self.user_pool_id!r}: expected '<region>_<suffix>'",
                name="AuthConfigException",
            )
        if not self.client_id:
            raise AuthConfigException("client_id is required", name="AuthConfigException")
        object.__setattr__(self, "auth_flow_type", AuthFlowType(self.auth_flow_type))
        object.__setattr__(self, "oauth", oauth_from_mapping(self.oauth))

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
        values = _values_from(data)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _values_from(data: Mapping[str, Any]) -> dict[str, Any]:
    """AuthConfig's fields from Gen 2 outputs, Amplify v6's ResourcesConfig or Gen 1's aws-exports."""
    auth = data.get("auth")
    cognito = data.get("Auth", {}).get("Cognito") if isinstance(data.get("Auth"), Mapping) else None
    if isinstance(cognito, Mapping) and "userPoolId" in cognito and "userPoolClientId" in cognito:
        login_with = cognito.get("loginWith")
        return {
            "user_pool_id": cognito["userPoolId"],
            "client_id": cognito["userPoolClientId"],
            "endpoint": cognito.get("userPoolEndpoint"),
            "oauth": login_with.get("oauth") if isinstance(login_with, Mapping) else None,
        }
    if "aws_user_pools_id" in data and "aws_user_pools_web_client_id" in data:
        return {
            "user_pool_id": data["aws_user_pools_id"],
            "client_id": data["aws_user_pools_web_client_id"],
            "region": data.get("aws_cognito_region"),
            "endpoint": data.get("aws_user_pools_endpoint"),
            "oauth": data.get("oauth") or None,
        }
    if not isinstance(auth, Mapping) or "user_pool_id" not in auth or "user_pool_client_id" not in auth:
        raise AuthConfigException(
            "Amplify outputs have no auth.user_pool_id / auth.user_pool_client_id",
            name="AuthConfigException",
        )
    return {
        "user_pool_id": auth["user_pool_id"],
        "client_id": auth["user_pool_client_id"],
        "region": auth.get("aws_region"),
        "endpoint": auth.get("user_pool_endpoint") or auth.get("endpoint"),
        "oauth": auth.get("oauth"),
    }
