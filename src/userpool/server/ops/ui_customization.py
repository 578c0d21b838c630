"""GetUICustomization, SetUICustomization (managed login)."""

from __future__ import annotations

from typing import Any

from userpool.server import errors
from userpool.server.context import Context


def get_ui_customization(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")


def set_ui_customization(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    raise errors.UnsupportedOperation("not implemented yet")
