"""The admin console at ``/admin/`` (``userpool serve --admin-console``): server-rendered pages
for pools, users, groups, import jobs and signing keys.

Signed in with the server's admin key (auth.py); every form carries a CSRF token bound to the
session (web.py); every action is the wire API's own operation, validated against the model
and written to the audit log (calls.py). Off unless configured: no route exists otherwise.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from userpool.server.config import ServerConfig


def routes(config: ServerConfig) -> list[BaseRoute]:
    if not config.admin_console:
        return []
    from userpool.server.console import pools, signin, users

    pool = "/admin/pools/{pool_id}"
    return [
        Route("/admin", pools.home, methods=["GET"]),
        Route("/admin/", pools.home, methods=["GET"]),
        Route("/admin/signin", signin.get_signin, methods=["GET"]),
        Route("/admin/signin", signin.post_signin, methods=["POST"]),
        Route("/admin/signout", signin.post_signout, methods=["POST"]),
        Route("/admin/pools", pools.list_pools, methods=["GET"]),
        Route(pool, pools.show_pool, methods=["GET"]),
        Route(f"{pool}/users", users.list_users, methods=["GET"]),
        Route(f"{pool}/users", users.create_user, methods=["POST"]),
        Route(f"{pool}/user", users.show_user, methods=["GET"]),
        Route(f"{pool}/user", users.change_user, methods=["POST"]),
        Route(f"{pool}/groups", pools.list_groups, methods=["GET"]),
        Route(f"{pool}/groups", pools.change_group, methods=["POST"]),
        Route(f"{pool}/imports", pools.list_imports, methods=["GET"]),
        Route(f"{pool}/keys", pools.list_keys, methods=["GET"]),
        Route(f"{pool}/keys", pools.rotate_key, methods=["POST"]),
    ]
