"""The pool pages: the list of pools, one pool's settings, app clients and domain, its
groups, its import jobs (with their progress) and its signing keys."""

from __future__ import annotations

import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from userpool.server import audit, errors, keyadmin
from userpool.server.console import web
from userpool.server.console.auth import Admin
from userpool.server.console.calls import call
from userpool.server.oauth2 import http

GROUP_NOTICES = {"created": "Group created.", "deleted": "Group deleted."}
KEY_NOTICES = {"rotated": "A new signing key is published in the JWKS; activate it with `userpool keys activate`."}


@web.page
async def home(request: Request, admin: Admin) -> Response:
    return web.see_other(web.PREFIX + "/pools")


@web.page
async def list_pools(request: Request, admin: Admin) -> Response:
    params: dict[str, Any] = {"MaxResults": 60, "NextToken": request.query_params.get("token") or None}
    result = await call(request, admin, "ListUserPools", params)
    return web.render(request, "pools.html", admin, pools=result.get("UserPools", []), next_token=result.get("NextToken"))


@web.page
async def show_pool(request: Request, admin: Admin) -> Response:
    pool_id = request.path_params["pool_id"]
    pool = (await call(request, admin, "DescribeUserPool", {"UserPoolId": pool_id}))["UserPool"]
    clients = await call(request, admin, "ListUserPoolClients", {"UserPoolId": pool_id, "MaxResults": 60})
    domains = [d for d in (pool.get("Domain"), pool.get("CustomDomain")) if d]
    return web.render(request, "pool.html", admin, pool=pool, clients=clients.get("UserPoolClients", []),
                      more_clients=bool(clients.get("NextToken")), domains=domains)


@web.page
async def list_groups(request: Request, admin: Admin) -> Response:
    pool_id = request.path_params["pool_id"]
    params = {"UserPoolId": pool_id, "Limit": 60, "NextToken": request.query_params.get("token") or None}
    result = await call(request, admin, "ListGroups", params)
    return web.render(request, "groups.html", admin, pool_id=pool_id, groups=result.get("Groups", []),
                      next_token=result.get("NextToken"), notice=GROUP_NOTICES.get(request.query_params.get("done", "")))


@web.action
async def change_group(request: Request, admin: Admin, form: dict[str, str]) -> Response:
    pool_id = request.path_params["pool_id"]
    name = form.get("group", "").strip()
    if form.get("action") == "create":
        params: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": name,
                                  "Description": form.get("description") or None}
        if form.get("precedence", "").strip():
            if not form["precedence"].strip().isdigit():
                raise errors.InvalidParameter("Precedence must be a whole number.")
            params["Precedence"] = int(form["precedence"])
        await call(request, admin, "CreateGroup", params)
        return web.see_other(web.pool_path(pool_id, "groups"), done="created")
    if form.get("action") == "delete":
        await call(request, admin, "DeleteGroup", {"UserPoolId": pool_id, "GroupName": name})
        return web.see_other(web.pool_path(pool_id, "groups"), done="deleted")
    raise errors.InvalidParameter("Unknown group action.")


@web.page
async def list_imports(request: Request, admin: Admin) -> Response:
    pool_id = request.path_params["pool_id"]
    params = {"UserPoolId": pool_id, "MaxResults": 60, "PaginationToken": request.query_params.get("token") or None}
    result = await call(request, admin, "ListUserImportJobs", params)
    jobs = [{**job, "done": done_of(job)} for job in result.get("UserImportJobs", [])]
    return web.render(request, "imports.html", admin, pool_id=pool_id, jobs=jobs,
                      next_token=result.get("PaginationToken"))


def done_of(job: dict[str, Any]) -> int:
    """Rows handled so far (imported + skipped + failed): the job's progress."""
    return sum(int(job.get(k) or 0) for k in ("ImportedUsers", "SkippedUsers", "FailedUsers"))


def _keys(request: Request, pool_id: str) -> list[dict[str, Any]]:
    state = http.state_of(request)
    with state.database.transaction() as db:
        try:
            rows = keyadmin.list_keys(db, pool_id)
        except keyadmin.KeyAdminError:
            raise errors.ResourceNotFound(f"User pool {pool_id} does not exist.") from None
        return [{"kid": r.kid, "status": r.status, "created_at": r.created_at, "retire_after": r.retire_after}
                for r in rows]


def _rotate(request: Request, admin: Admin, pool_id: str) -> str:
    state = http.state_of(request)
    with state.database.transaction() as db:
        try:
            row = keyadmin.rotate(db, state.sealer, pool_id, time.time())
        except keyadmin.KeyAdminError:
            raise errors.ResourceNotFound(f"User pool {pool_id} does not exist.") from None
        kid = row.kid
    audit.event("console_action", op="RotateSigningKey", admin=admin.who, ip=http.source_ip(request), pool=pool_id, kid=kid)
    return kid


@web.page
async def list_keys(request: Request, admin: Admin) -> Response:
    pool_id = request.path_params["pool_id"]
    rows = await run_in_threadpool(_keys, request, pool_id)
    return web.render(request, "keys.html", admin, pool_id=pool_id, keys=rows,
                      notice=KEY_NOTICES.get(request.query_params.get("done", "")))


@web.action
async def rotate_key(request: Request, admin: Admin, form: dict[str, str]) -> Response:
    """Step 1 of a rotation only (publish): activating stays with ``userpool keys activate``,
    which waits until verifiers can have fetched the new key."""
    pool_id = request.path_params["pool_id"]
    await run_in_threadpool(_rotate, request, admin, pool_id)
    return web.see_other(web.pool_path(pool_id, "keys"), done="rotated")
