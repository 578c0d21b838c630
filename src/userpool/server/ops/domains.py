"""Create/Describe/Update/DeleteUserPoolDomain (managed login)."""

from __future__ import annotations

from typing import Any

from userpool.server import errors
from userpool.server.context import Context


def create_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def describe_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def update_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def delete_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")
