"""AdminLinkProviderForUser, AdminDisableProviderForUser (managed login)."""

from __future__ import annotations

from typing import Any

from userpool.server import errors
from userpool.server.context import Context


def admin_link_provider_for_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def admin_disable_provider_for_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")
