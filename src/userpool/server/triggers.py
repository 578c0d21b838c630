"""Lambda-compatible triggers named in the pool's ``LambdaConfig``.

Only the call sites exist so far; the trigger runtime (python: handlers, https webhooks,
Cognito's event shapes) is issue 5. Until it lands, a pool whose LambdaConfig names a
trigger behaves as if the trigger returned the event unchanged.
"""

from __future__ import annotations

from typing import Any

from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool


def pre_token_generation(
    ctx: Context, pool: UserPool, client: AppClient, user: User, access: dict[str, Any], id_claims: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    return access, id_claims


def pre_sign_up(
    ctx: Context, pool: UserPool, client: AppClient | None, user: User, req: dict[str, Any], source: str
) -> dict[str, Any]:
    """The PreSignUp trigger's ``response`` (autoConfirmUser, autoVerifyEmail, autoVerifyPhone)."""
    return {}


def post_confirmation(ctx: Context, pool: UserPool, client: AppClient | None, user: User, source: str) -> None:
    return None


def pre_authentication(ctx: Context, pool: UserPool, client: AppClient, user: User) -> None:
    return None


def post_authentication(ctx: Context, pool: UserPool, client: AppClient, user: User) -> None:
    return None
