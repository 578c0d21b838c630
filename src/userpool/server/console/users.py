"""The user pages: search (the ListUsers filter syntax), page through any number of users
with ListUsers' PaginationToken (never an offset), create a user, and one user's page with
every admin action on it (disable/enable, reset or set the password, confirm, groups,
sign out everywhere, delete) and its MFA state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors
from userpool.server.console import web
from userpool.server.console.auth import Admin
from userpool.server.console.calls import call

PAGE_SIZE = 50
_FormParams = Callable[[dict[str, str]], dict[str, Any]]


def _group(form: dict[str, str]) -> dict[str, Any]:
    return {"GroupName": form.get("group", "").strip()}


def _password(form: dict[str, str]) -> dict[str, Any]:
    return {"Password": form.get("password", ""), "Permanent": form.get("permanent") == "on"}


def _nothing(form: dict[str, str]) -> dict[str, Any]:
    return {}


# action -> (the Cognito operation it is, its parameters beyond pool and username, what to say after)
ACTIONS: dict[str, tuple[str, _FormParams, str]] = {
    "disable": ("AdminDisableUser", _nothing, "User disabled."),
    "enable": ("AdminEnableUser", _nothing, "User enabled."),
    "reset_password": ("AdminResetUserPassword", _nothing, "Password reset: the user must set a new one with a code."),
    "set_password": ("AdminSetUserPassword", _password, "Password set."),
    "confirm": ("AdminConfirmSignUp", _nothing, "User confirmed."),
    "add_group": ("AdminAddUserToGroup", _group, "Added to the group."),
    "remove_group": ("AdminRemoveUserFromGroup", _group, "Removed from the group."),
    "sign_out": ("AdminUserGlobalSignOut", _nothing, "Signed out everywhere: every refresh token is revoked."),
}
LIST_NOTICES = {"created": "User created.", "deleted": "User deleted."}


def filter_of(text: str) -> str | None:
    """The search box: a ListUsers filter (``email ^= "ann"``) as it is, or a bare word as a
    username prefix."""
    text = text.strip()
    if not text:
        return None
    if "=" in text:
        return text
    return 'username ^= "{}"'.format(text.replace("\\", "\\\\").replace('"', '\\"'))


@web.page
async def list_users(request: Request, admin: Admin) -> Response:
    pool_id = request.path_params["pool_id"]
    search = request.query_params.get("filter", "")
    params = {"UserPoolId": pool_id, "Limit": PAGE_SIZE, "Filter": filter_of(search),
              "PaginationToken": request.query_params.get("token") or None}
    try:
        result = await call(request, admin, "ListUsers", params)
    except errors.InvalidParameter as exc:
        return web.render(request, "users.html", admin, 400, pool_id=pool_id, search=search, users=[],
                          next_token=None, error=f"{exc.name}: {exc.message}")
    rows = [{**u, "email": _attribute(u.get("Attributes", []), "email")} for u in result.get("Users", [])]
    return web.render(request, "users.html", admin, pool_id=pool_id, search=search, users=rows,
                      next_token=result.get("PaginationToken"),
                      notice=LIST_NOTICES.get(request.query_params.get("done", "")))


def _attribute(attributes: list[dict[str, str]], name: str) -> str:
    return next((a.get("Value", "") for a in attributes if a.get("Name") == name), "")


@web.action
async def create_user(request: Request, admin: Admin, form: dict[str, str]) -> Response:
    pool_id = request.path_params["pool_id"]
    username = form.get("username", "").strip()
    attributes = []
    if form.get("email", "").strip():
        attributes.append({"Name": "email", "Value": form["email"].strip()})
        if form.get("email_verified") == "on":
            attributes.append({"Name": "email_verified", "Value": "true"})
    params: dict[str, Any] = {"UserPoolId": pool_id, "Username": username, "UserAttributes": attributes or None,
                              "TemporaryPassword": form.get("temporary_password") or None,
                              "MessageAction": "SUPPRESS" if form.get("suppress") == "on" else None}
    await call(request, admin, "AdminCreateUser", params)
    return web.see_other(web.pool_path(pool_id, "user"), username=username, done="created")


@web.page
async def show_user(request: Request, admin: Admin) -> Response:
    pool_id = request.path_params["pool_id"]
    username = request.query_params.get("username", "")
    key = {"UserPoolId": pool_id, "Username": username}
    user = await call(request, admin, "AdminGetUser", key)
    groups = await call(request, admin, "AdminListGroupsForUser", {**key, "Limit": 60})
    pool_groups = await call(request, admin, "ListGroups", {"UserPoolId": pool_id, "Limit": 60})
    member_of = [g["GroupName"] for g in groups.get("Groups", [])]
    done = request.query_params.get("done", "")
    notice = "User created." if done == "created" else ACTIONS[done][2] if done in ACTIONS else None
    return web.render(request, "user.html", admin, pool_id=pool_id, user=user, groups=member_of,
                      other_groups=[g["GroupName"] for g in pool_groups.get("Groups", []) if g["GroupName"] not in member_of],
                      notice=notice)


@web.action
async def change_user(request: Request, admin: Admin, form: dict[str, str]) -> Response:
    pool_id = request.path_params["pool_id"]
    username = form.get("username", "")
    name = form.get("action", "")
    key = {"UserPoolId": pool_id, "Username": username}
    if name == "delete":
        await call(request, admin, "AdminDeleteUser", key)
        return web.see_other(web.pool_path(pool_id, "users"), done="deleted")
    if name not in ACTIONS:
        raise errors.InvalidParameter("Unknown user action.")
    op, extra, _ = ACTIONS[name]
    await call(request, admin, op, {**key, **extra(form)})
    return web.see_other(web.pool_path(pool_id, "user"), username=username, done=name)
