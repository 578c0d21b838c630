"""Groups: Create/Get/Update/Delete/ListGroups, membership, ListUsersInGroup, AdminListGroupsForUser.

Membership feeds the ``cognito:groups`` claim, ordered by precedence (see :mod:`tokens`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from userpool.server import errors, pools, resolve, users
from userpool.server.context import Context
from userpool.server.db import Group, User, UserGroup, UserPool
from userpool.server.ops.paging import page


def _group_type(ctx: Context, g: Group) -> dict[str, Any]:
    out = {
        "GroupName": g.name,
        "UserPoolId": g.pool_id,
        "Description": g.description,
        "RoleArn": g.role_arn,
        "Precedence": g.precedence,
        "LastModifiedDate": g.modified_at,
        "CreationDate": g.created_at,
    }
    return {k: v for k, v in out.items() if v is not None}


def _get_group(ctx: Context, pool: UserPool, name: str) -> Group:
    group = ctx.db.get(Group, (pool.id, name))
    if group is None:
        raise errors.ResourceNotFound("Group not found.")
    return group


def create_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    if ctx.db.get(Group, (pool.id, req["GroupName"])) is not None:
        raise errors.GroupExists("A group with the name already exists.")
    group = Group(
        pool_id=pool.id,
        name=req["GroupName"],
        description=req.get("Description"),
        role_arn=req.get("RoleArn"),
        precedence=req.get("Precedence"),
        created_at=ctx.now,
        modified_at=ctx.now,
    )
    ctx.db.add(group)
    return {"Group": _group_type(ctx, group)}


def get_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    return {"Group": _group_type(ctx, _get_group(ctx, pool, req["GroupName"]))}


def update_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    group = _get_group(ctx, pool, req["GroupName"])
    for member, attr in (("Description", "description"), ("RoleArn", "role_arn"), ("Precedence", "precedence")):
        if member in req:
            setattr(group, attr, req[member])
    group.modified_at = ctx.now
    return {"Group": _group_type(ctx, group)}


def delete_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    group = _get_group(ctx, pool, req["GroupName"])
    ctx.db.execute(delete(UserGroup).where(UserGroup.pool_id == pool.id, UserGroup.group_name == group.name))
    ctx.db.delete(group)
    return {}


def list_groups(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    stmt = select(Group).where(Group.pool_id == pool.id).order_by(Group.name)
    rows, token = page(ctx.db, stmt, Group.name, req.get("NextToken"), req.get("Limit") or 60)
    return {"Groups": [_group_type(ctx, g) for g in rows], "NextToken": token}


def admin_add_user_to_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    group = _get_group(ctx, pool, req["GroupName"])
    if ctx.db.get(UserGroup, (user.id, pool.id, group.name)) is None:
        ctx.db.add(UserGroup(user_id=user.id, pool_id=pool.id, group_name=group.name))
    return {}


def admin_remove_user_from_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    group = _get_group(ctx, pool, req["GroupName"])
    row = ctx.db.get(UserGroup, (user.id, pool.id, group.name))
    if row is not None:
        ctx.db.delete(row)
    return {}


def admin_list_groups_for_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    _, user = resolve.admin_user(ctx, req)
    stmt = (
        select(Group)
        .join(UserGroup, (UserGroup.pool_id == Group.pool_id) & (UserGroup.group_name == Group.name))
        .where(UserGroup.user_id == user.id)
        .order_by(Group.name)
    )
    rows, token = page(ctx.db, stmt, Group.name, req.get("NextToken"), req.get("Limit") or 60)
    return {"Groups": [_group_type(ctx, g) for g in rows], "NextToken": token}


def list_users_in_group(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    group = _get_group(ctx, pool, req["GroupName"])
    stmt = (
        select(User)
        .join(UserGroup, UserGroup.user_id == User.id)
        .where(UserGroup.pool_id == pool.id, UserGroup.group_name == group.name)
        .order_by(User.id)
    )
    rows, token = page(ctx.db, stmt, User.id, req.get("NextToken"), req.get("Limit") or 60)
    return {"Users": [users.user_type(u) for u in rows], "NextToken": token}
