"""``userpool demo``: the quick start's main job.

Starts the server on SQLite with a demo pool, app client and user (kept in the data dir,
so a second run reuses them), prints what a client needs, then signs in over HTTP with
SRP exactly as an app would and prints the tokens from the session.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "Demo-Passw0rd!"

SNIPPET = """\
from userpool import auth

auth.configure(user_pool_id="{pool_id}", client_id="{client_id}", endpoint="{endpoint}")
result = auth.sign_in(username="{username}", password="{password}")
print(result.is_signed_in, result.next_step.sign_in_step)      # True DONE
session = auth.fetch_auth_session()
print(session.tokens.access_token)                               # the bearer token for APIs
print(session.tokens.id_token.payload["cognito:username"])"""


def ensure_demo_pool(state: Any, data_dir: Path) -> dict[str, str]:
    """Create the demo pool, client and user once; later runs read their ids back."""
    from userpool.server.context import Context
    from userpool.server.ops import clients, passwords, pools, users

    marker = data_dir / "demo.json"
    if marker.exists():
        return dict(json.loads(marker.read_text()))
    with state.database.transaction() as db:
        ctx = Context(state=state, db=db, now=time.time(), region=state.config.region)
        pool = pools.create_user_pool(ctx, {"PoolName": "demo", "AutoVerifiedAttributes": ["email"]})["UserPool"]
        client = clients.create_user_pool_client(
            ctx,
            {
                "UserPoolId": pool["Id"],
                "ClientName": "demo-app",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            },
        )["UserPoolClient"]
        users.admin_create_user(
            ctx,
            {
                "UserPoolId": pool["Id"],
                "Username": DEMO_USERNAME,
                "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": "demo@example.com"}, {"Name": "email_verified", "Value": "true"}],
            },
        )
        passwords.admin_set_user_password(
            ctx, {"UserPoolId": pool["Id"], "Username": DEMO_USERNAME, "Password": DEMO_PASSWORD, "Permanent": True}
        )
    ids = {"pool_id": pool["Id"], "client_id": client["ClientId"]}
    marker.write_text(json.dumps(ids))
    return ids


def demo_sign_in(endpoint: str, pool_id: str, client_id: str) -> dict[str, Any]:
    """USER_SRP_AUTH then PASSWORD_VERIFIER over HTTP, as Amplify's signIn does."""
    from userpool.auth import AuthClient

    client = AuthClient(user_pool_id=pool_id, client_id=client_id, endpoint=endpoint)
    result = client.sign_in(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    session = client.fetch_auth_session()
    if session.tokens is None:
        raise RuntimeError("the demo user signed in but the session holds no tokens")
    return {
        "is_signed_in": result.is_signed_in,
        "sign_in_step": result.next_step.sign_in_step,
        "access_token": str(session.tokens.access_token),
        "id_token": str(session.tokens.id_token),
        "claims": session.tokens.access_token.payload,
    }


def run_demo(port: int, data_dir: Path, keep_serving: bool) -> None:
    import uvicorn
    from rich.console import Console
    from rich.panel import Panel
    from rich.syntax import Syntax

    from userpool.server.app import build_app
    from userpool.server.bootstrap import open_state
    from userpool.server.config import ServerConfig

    console = Console()
    config = ServerConfig(data_dir=data_dir, port=port)
    state = open_state(config)
    ids = ensure_demo_pool(state, data_dir)
    server = uvicorn.Server(uvicorn.Config(build_app(state), host=config.host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise SystemExit(f"the server did not start on port {port}")
        time.sleep(0.05)
    endpoint = config.base_url
    console.print(
        Panel.fit(
            f"endpoint    {endpoint}\n"
            f"pool id     {ids['pool_id']}\n"
            f"client id   {ids['client_id']}\n"
            f"username    {DEMO_USERNAME}\n"
            f"password    {DEMO_PASSWORD}\n"
            f"jwks        {endpoint}/{ids['pool_id']}/.well-known/jwks.json\n"
            f"admin creds AWS_SHARED_CREDENTIALS_FILE={data_dir / 'admin-credentials'}",
            title="userpool demo server",
        )
    )
    snippet = SNIPPET.format(endpoint=endpoint, username=DEMO_USERNAME, password=DEMO_PASSWORD, **ids)
    console.print("Sign in from Python (pip install userpool):")
    console.print(Syntax(snippet, "python", theme="ansi_dark"), soft_wrap=True)
    (data_dir / "signin_example.py").write_text(snippet + "\n")
    outcome = demo_sign_in(endpoint, ids["pool_id"], ids["client_id"])
    console.print(f"\nSigned in: is_signed_in={outcome['is_signed_in']} next_step={outcome['sign_in_step']}")
    console.print("access token:")
    print(outcome["access_token"], flush=True)  # unwrapped, so it can be copied whole
    console.print(f"access token claims: {json.dumps(outcome['claims'], indent=2)}")
    if keep_serving:
        console.print(f"\nServing on {endpoint} — Ctrl-C to stop.")
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            server.should_exit = True
            thread.join(10)
    else:
        server.should_exit = True
        thread.join(10)
