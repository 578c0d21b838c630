"""The console's one way to change or read a pool: the wire API's own operations.

Each action is the Cognito operation a program would call: its request is checked by
wire.validate against botocore's model (so the console cannot send what the API refuses),
counted by the same rate limiter, run by ``operations.HANDLERS`` in one transaction
(oauth2/http.run_sync: a refused call changes nothing), and written to the audit log with
the admin who did it. Nothing here re-implements a rule of the operations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from userpool.server import audit, errors, operations, wire
from userpool.server.console.auth import Admin
from userpool.server.oauth2 import http

# Operations that only read: not written to the audit log (a page view is not an action).
READS = frozenset({
    "ListUserPools", "DescribeUserPool", "ListUserPoolClients", "DescribeUserPoolClient", "ListUsers",
    "AdminGetUser", "AdminListGroupsForUser", "ListGroups", "ListUsersInGroup", "ListUserImportJobs",
    "DescribeUserImportJob", "DescribeUserPoolDomain", "GetUserPoolMfaConfig",
})


def call_sync(request: Request, admin: Admin, name: str, params: dict[str, Any]) -> dict[str, Any]:
    handler, clean = operations.checked(name, wire.to_wire(params))  # a form's empty fields are None: dropped
    state, ip = http.state_of(request), http.source_ip(request)
    http.rate_limit(request, name, clean, ip)
    fields = {"op": name, "admin": admin.who, "ip": ip, "pool": clean.get("UserPoolId"),
              "username": clean.get("Username"), "group": clean.get("GroupName")}
    try:
        try:
            result = http.run_sync(state, ip, lambda ctx: handler(ctx, clean))
        except IntegrityError:  # as app.execute answers it: another change won a race
            raise errors.ConcurrentModification("A concurrent change conflicted with this request; try again.") from None
    except errors.CognitoError as exc:
        if name not in READS:
            audit.event("console_action_refused", error=exc.name, **fields)
        raise
    if name not in READS:
        audit.event("console_action", **fields)
    return result


async def call(request: Request, admin: Admin, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run operation ``name`` for ``admin``; its CognitoError (a refusal) is the caller's to show."""
    return await run_in_threadpool(call_sync, request, admin, name, params)
