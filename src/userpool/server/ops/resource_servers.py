"""Create/Describe/Update/Delete/ListResourceServers: the custom OAuth scopes of a pool.

A resource server (an API) has an identifier, usually its URL, and scopes; an app client
may then be allowed the scope ``<identifier>/<ScopeName>`` and the token endpoint grants it.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import ResourceServer
from userpool.server.ops.paging import page

MAX_RESOURCE_SERVERS = 25  # Cognito's quota per user pool
MAX_SCOPES = 100


def custom_scopes(db: Session, pool_id: str) -> set[str]:
    """Every ``<identifier>/<ScopeName>`` the pool's resource servers define."""
    rows = db.scalars(select(ResourceServer).where(ResourceServer.pool_id == pool_id)).all()
    return {f"{rs.identifier}/{s['ScopeName']}" for rs in rows for s in rs.scopes}


def _scopes(req: dict[str, Any]) -> list[dict[str, str]]:
    scopes = [{"ScopeName": s["ScopeName"], "ScopeDescription": s["ScopeDescription"]} for s in req.get("Scopes") or []]
    if len(scopes) > MAX_SCOPES:
        raise errors.InvalidParameter(f"A resource server can have at most {MAX_SCOPES} scopes.")
    names = [s["ScopeName"] for s in scopes]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise errors.InvalidParameter(f"Duplicate scope name: {duplicate}")
    return scopes


def _describe(rs: ResourceServer) -> dict[str, Any]:
    return {"UserPoolId": rs.pool_id, "Identifier": rs.identifier, "Name": rs.name, "Scopes": copy.deepcopy(rs.scopes)}


def _get(ctx: Context, req: dict[str, Any]) -> ResourceServer:
    pools.get_pool(ctx.db, req["UserPoolId"])
    rs = ctx.db.get(ResourceServer, (req["UserPoolId"], req["Identifier"]))
    if rs is None:
        raise errors.ResourceNotFound(f"Resource server {req['Identifier']} does not exist.")
    return rs


def create_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    scopes = _scopes(req)
    if ctx.db.get(ResourceServer, (pool.id, req["Identifier"])) is not None:
        raise errors.InvalidParameter(f"{req['Identifier']} already exists in pool {pool.id}.")
    count = ctx.db.scalar(select(func.count()).select_from(ResourceServer).where(ResourceServer.pool_id == pool.id)) or 0
    if count >= MAX_RESOURCE_SERVERS:
        raise errors.LimitExceeded(f"A user pool can have at most {MAX_RESOURCE_SERVERS} resource servers.")
    rs = ResourceServer(
        pool_id=pool.id, identifier=req["Identifier"], name=req["Name"], scopes=scopes, created_at=ctx.now, modified_at=ctx.now
    )
    ctx.db.add(rs)
    ctx.db.flush()
    return {"ResourceServer": _describe(rs)}


def describe_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return {"ResourceServer": _describe(_get(ctx, req))}


def update_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Like Cognito: the name and the whole scope list are replaced (no Scopes: none left)."""
    rs = _get(ctx, req)
    rs.scopes = _scopes(req)
    rs.name = req["Name"]
    rs.modified_at = ctx.now
    return {"ResourceServer": _describe(rs)}


def delete_resource_server(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    ctx.db.delete(_get(ctx, req))
    return {}


def list_resource_servers(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    stmt = select(ResourceServer).where(ResourceServer.pool_id == req["UserPoolId"]).order_by(ResourceServer.identifier)
    rows, token = page(ctx.db, stmt, ResourceServer.identifier, req.get("NextToken"), req.get("MaxResults") or 50)
    return {"ResourceServers": [_describe(rs) for rs in rows], "NextToken": token}
