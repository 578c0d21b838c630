"""Create/Describe/Update/Delete/ListResourceServers (managed login)."""

from __future__ import annotations

from typing import Any

from userpool.server import errors
from userpool.server.context import Context


def create_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def describe_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def update_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def delete_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def list_resource_servers(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")
