"""Create/Describe/Update/Delete/ListIdentityProviders, GetIdentityProviderByIdentifier (managed login)."""

from __future__ import annotations

from typing import Any

from userpool.server import errors
from userpool.server.context import Context


def create_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def describe_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def update_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def delete_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def list_identity_providers(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def get_identity_provider_by_identifier(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")
