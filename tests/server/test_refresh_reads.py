"""A refresh writes nothing unless its client rotates refresh tokens (or a reused one must be
caught): on SQLite it runs as a read, beside the writer, and only the rotating case takes the
writer lock (app.execute's write_on_demand, db.WriteNeeded). In this process, on a data
directory of its own, through the same entry the server uses for a refresh."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.server.helpers import run_op as call
from userpool.server import errors
from userpool.server.context import ServerState

PASSWORD = "Correct-horse-1"


def refresh(state: ServerState, client: str, token: str) -> dict[str, Any]:
    # as Api._execute runs every refresh
    return call(state, "GetTokensFromRefreshToken", {"ClientId": client, "RefreshToken": token}, write_on_demand=True)


def signed_in(state: ServerState, **client_args: Any) -> tuple[str, str, dict[str, Any]]:
    pool = call(state, "CreateUserPool", {"PoolName": "p"})["UserPool"]["Id"]
    client = call(state, "CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "c", **client_args})["UserPoolClient"]["ClientId"]
    call(state, "AdminCreateUser", {"UserPoolId": pool, "Username": "u", "MessageAction": "SUPPRESS"})
    call(state, "AdminSetUserPassword", {"UserPoolId": pool, "Username": "u", "Password": PASSWORD, "Permanent": True})
    tokens = call(state, "AdminInitiateAuth", {"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                               "AuthParameters": {"USERNAME": "u", "PASSWORD": PASSWORD}})
    return pool, client, tokens["AuthenticationResult"]


def while_the_writer_lock_is_held(state: ServerState, work: Any) -> tuple[bool, Any]:
    """Run ``work`` in a thread while this thread holds the SQLite writer lock: (finished while
    held, its result or exception)."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            out.append(exc)

    worker = threading.Thread(target=run)
    with state.database._writer:
        worker.start()
        worker.join(timeout=3)
        finished = not worker.is_alive()
    worker.join()
    return finished, out[0]


FLOWS = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_a_refresh_that_writes_nothing_needs_no_writer_lock(local_state: ServerState) -> None:
    state = local_state
    _, client, tokens = signed_in(state, ExplicitAuthFlows=FLOWS)
    finished, result = while_the_writer_lock_is_held(state, lambda: refresh(state, client, tokens["RefreshToken"]))
    assert finished
    assert set(result["AuthenticationResult"]) == {"AccessToken", "IdToken", "ExpiresIn", "TokenType"}
    assert call(state, "GetUser", {"AccessToken": result["AuthenticationResult"]["AccessToken"]})["Username"] == "u"


def test_a_rotating_refresh_writes_its_successor_in_a_transaction(local_state: ServerState) -> None:
    state = local_state
    _, client, tokens = signed_in(state, ExplicitAuthFlows=FLOWS, RefreshTokenRotation={"Feature": "ENABLED"})
    finished, result = while_the_writer_lock_is_held(state, lambda: refresh(state, client, tokens["RefreshToken"]))
    assert not finished  # it waited for the writer lock, and ran once it was free
    successor = result["AuthenticationResult"]["RefreshToken"]
    assert successor != tokens["RefreshToken"]
    assert "AccessToken" in refresh(state, client, successor)["AuthenticationResult"]
    with pytest.raises(errors.CognitoError) as reused:  # the first token was retired (grace period 0): reuse revokes all
        refresh(state, client, tokens["RefreshToken"])
    assert reused.value.name == "RefreshTokenReuseException"
    with pytest.raises(errors.CognitoError) as revoked:
        refresh(state, client, successor)
    assert revoked.value.message == "Refresh Token has been revoked"


# ------------------------------------------------------------------ through the wire (userpool serve)
# A refresh on SQLite is answered on the event loop when the client and pool last read say it will
# neither write nor call out (app.Api._answered_here); one that must write after all moves to a thread.


def _refresh_on_the_wire(server: Any, client_id: str, token: str) -> dict[str, Any]:
    return dict(server.public.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=token)["AuthenticationResult"])


def test_a_client_that_starts_rotating_rotates_at_its_next_refresh(server: Any, make_user: Any) -> None:
    from tests.conftest import PASSWORD as USER_PASSWORD
    from tests.conftest import create_pool

    pool = create_pool(server)
    username = make_user(pool)
    signed = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": username, "PASSWORD": USER_PASSWORD})["AuthenticationResult"]
    for _ in range(3):  # the client is known now: these are answered on the event loop
        assert "RefreshToken" not in _refresh_on_the_wire(server, pool["client_id"], signed["RefreshToken"])
    server.admin.update_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"], ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], RefreshTokenRotation={"Feature": "ENABLED"})
    rotated = _refresh_on_the_wire(server, pool["client_id"], signed["RefreshToken"])  # decided on stale knowledge
    assert rotated["RefreshToken"] != signed["RefreshToken"]
    assert "AccessToken" in _refresh_on_the_wire(server, pool["client_id"], rotated["RefreshToken"])
    with pytest.raises(Exception) as reused:  # the first token was retired when it rotated (grace period 0)
        _refresh_on_the_wire(server, pool["client_id"], signed["RefreshToken"])
    assert "RefreshTokenReuseException" in str(reused.value)


def test_a_pool_that_gains_a_token_trigger_calls_it_at_the_next_refresh(server: Any, make_user: Any) -> None:
    from tests.conftest import PASSWORD as USER_PASSWORD
    from tests.conftest import create_pool

    pool = create_pool(server)
    username = make_user(pool)
    signed = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": username, "PASSWORD": USER_PASSWORD})["AuthenticationResult"]
    _refresh_on_the_wire(server, pool["client_id"], signed["RefreshToken"])
    server.admin.update_user_pool(UserPoolId=pool["pool_id"], AutoVerifiedAttributes=["email"], LambdaConfig={
        "PreTokenGeneration": "python:tests.triggers.lambdas:token_v1"})
    refreshed = _refresh_on_the_wire(server, pool["client_id"], signed["RefreshToken"])
    from tests.server.helpers import claims

    assert claims(refreshed["IdToken"])["team"] == "blue"  # the trigger ran on this refresh
