"""Who is signing the user in: the wire API or the server's own hosted sign-in page.

Both run the same pipeline. Two Cognito rules apply to the wire API only: the app client
must allow the flow (``ExplicitAuthFlows``), and a client with a secret must send
``SECRET_HASH``. Cognito's hosted UI is governed by neither (the secret is checked at the
token endpoint instead), so a hosted caller skips exactly those two checks and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.tokens import TokenOptions  # what an OAuth sign-in adds to the tokens (scopes, nonce)

__all__ = ["WIRE", "Caller", "TokenOptions"]


@dataclass(frozen=True)
class Caller:
    hosted: bool = False
    token_options: TokenOptions | None = None
    token_source: str | None = None  # PreTokenGeneration triggerSource in place of the flow's own

    def require_flow(self, client: AppClient, flow: str) -> None:
        """``InvalidParameterException`` unless the client's ExplicitAuthFlows allow ``flow``."""
        if not self.hosted and flow not in pools.explicit_auth_flows(client):
            raise errors.InvalidParameter(f"{flow.removeprefix('ALLOW_')} flow not enabled for this client")

    def check_secret_hash(self, ctx: Context, client: AppClient, secret_hash: str | None, *usernames: str) -> None:
        if not self.hosted:
            pools.check_secret_hash(ctx, client, secret_hash, *usernames)


WIRE = Caller()
