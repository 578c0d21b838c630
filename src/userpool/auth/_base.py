"""What the sync and async clients share: building the context, and nothing that does I/O."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ._hub import Hub
from ._hub import hub as default_hub
from .config import AuthConfig
from .constants import AuthFlowType
from .context import AuthContext, Clock
from .storage import MemoryStore, TokenStore


def build_context(
    config: AuthConfig | None = None,
    *,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    outputs: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    storage: TokenStore | None = None,
    hub: Hub | None = None,
    clock: Clock | None = None,
    auth_flow_type: AuthFlowType | str | None = None,
) -> AuthContext:
    if config is None:
        extra: dict[str, Any] = {"auth_flow_type": auth_flow_type} if auth_flow_type else {}
        if outputs is not None:
            config = AuthConfig.from_outputs(
                outputs, client_secret=client_secret, endpoint=endpoint, region=region, **extra
            )
        else:
            config = AuthConfig(
                user_pool_id=user_pool_id or "",
                client_id=client_id or "",
                client_secret=client_secret,
                endpoint=endpoint,
                region=region,
                **extra,
            )
    return AuthContext(config, storage if storage is not None else MemoryStore(), hub or default_hub, clock)


class ClientBase:
    """Holds the :class:`AuthContext`; two clients built on the same context share everything
    (session, sign-in state, and the in-flight refresh)."""

    _ctx: AuthContext

    @property
    def config(self) -> AuthConfig:
        return self._ctx.config

    @property
    def context(self) -> AuthContext:
        return self._ctx

    @property
    def hub(self) -> Hub:
        return self._ctx.hub
