"""PostgreSQL: the same migrations and the same server, and several server processes sharing it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.conftest import REGION, RunningServer, create_pool
from userpool import srp

pytestmark = pytest.mark.postgres


def _public(url: str) -> Any:
    return boto3.client(
        "cognito-idp", region_name=REGION, endpoint_url=url, config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    )


@pytest.fixture
def two_servers(tmp_path, pg_database):
    """Two `userpool serve` processes on one database, sharing one master key and admin key."""
    env = {
        "USERPOOL_MASTER_KEY": "m" * 43,
        "USERPOOL_ADMIN_ACCESS_KEY_ID": "AKIAUSERPOOLTEST0001",
        "USERPOOL_ADMIN_SECRET_ACCESS_KEY": "s" * 40,
    }
    a = RunningServer(tmp_path / "a", "--database", pg_database, env=env)
    b = RunningServer(tmp_path / "b", "--database", pg_database, env=env)
    a.start()
    b.start()
    a.credentials = b.credentials = lambda: (env["USERPOOL_ADMIN_ACCESS_KEY_ID"], env["USERPOOL_ADMIN_SECRET_ACCESS_KEY"])  # type: ignore[method-assign]
    yield a, b
    a.stop()
    b.stop()


def _srp_sign_in(first: Any, second: Any, pool: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    """USER_SRP_AUTH on one server, PASSWORD_VERIFIER on the other."""
    eph = srp.client_ephemeral()
    challenge = first.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": username, "SRP_A": eph.srp_a}
    )
    params = challenge["ChallengeParameters"]
    signature, timestamp = srp.password_claim(
        eph, pool["pool_id"], params["USER_ID_FOR_SRP"], password, params["SALT"], params["SRP_B"], params["SECRET_BLOCK"]
    )
    answer = second.respond_to_auth_challenge(
        ClientId=pool["client_id"],
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={
            "USERNAME": params["USER_ID_FOR_SRP"],
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
    )
    return dict(answer["AuthenticationResult"])


def test_two_processes_share_every_piece_of_state(two_servers):
    a, b = two_servers
    pool = create_pool(a)
    a.admin.admin_create_user(UserPoolId=pool["pool_id"], Username="pat", MessageAction="SUPPRESS")
    b.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="pat", Password="Passw0rd!", Permanent=True)
    pub_a, pub_b = _public(a.url), _public(b.url)

    # SRP steps split across the two processes
    tokens = _srp_sign_in(pub_a, pub_b, pool, "pat", "Passw0rd!")
    # sign in on A, refresh on B
    refreshed = pub_b.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
    assert pub_b.get_user(AccessToken=refreshed["AuthenticationResult"]["AccessToken"])["Username"] == "pat"
    # global sign-out on A: B refuses the old tokens
    pub_a.global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(pub_b.exceptions.NotAuthorizedException):
        pub_b.get_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(pub_b.exceptions.NotAuthorizedException):
        pub_b.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])


def test_failed_attempts_are_counted_across_processes(two_servers):
    a, b = two_servers
    pool = create_pool(a)
    a.admin.admin_create_user(UserPoolId=pool["pool_id"], Username="lee", MessageAction="SUPPRESS")
    a.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="lee", Password="Passw0rd!", Permanent=True)
    clients = [_public(a.url), _public(b.url)]
    for i in range(5):
        with pytest.raises(clients[i % 2].exceptions.NotAuthorizedException, match="Incorrect username or password"):
            clients[i % 2].initiate_auth(
                ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "lee", "PASSWORD": "nope"}
            )
    with pytest.raises(clients[1].exceptions.NotAuthorizedException, match="Password attempts exceeded"):
        clients[1].initiate_auth(
            ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "lee", "PASSWORD": "Passw0rd!"}
        )


@pytest.fixture
def pg_server(tmp_path, pg_database):
    server = RunningServer(tmp_path / "srv", "--database", pg_database)
    server.start()
    yield server
    server.stop()


def _drop_connections(database_url: str) -> int:
    """What a PostgreSQL restart does to a server's pooled connections: every one closed."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())


def _signed_in_pat(server: RunningServer) -> tuple[dict[str, Any], Any, Any, dict[str, Any]]:
    """A pool, the admin and public clients, and the tokens of its user ``pat``, signed in."""
    pool = create_pool(server)
    admin, public = server.admin, _public(server.url)
    admin.admin_create_user(UserPoolId=pool["pool_id"], Username="pat", MessageAction="SUPPRESS")
    admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="pat", Password="Passw0rd!", Permanent=True)
    tokens = public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "pat", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]
    return pool, admin, public, tokens


def test_connections_dropped_by_the_database_cost_no_request(pg_server, pg_database):
    """Pooled connections PostgreSQL has closed (a restart, an idle timeout, an operator): the
    next reads and writes are answered as always, whether the connections sat idle long enough
    to be pinged at checkout or were in use a moment before (then the unit runs again on a new
    connection: it was refused before its commit)."""
    import time

    pool, admin, public, tokens = _signed_in_pat(pg_server)
    for round_, pause in enumerate((0.0, 1.5, 0.0)):
        assert _drop_connections(pg_database) > 0
        time.sleep(pause)
        assert public.get_user(AccessToken=tokens["AccessToken"])["Username"] == "pat"  # a read unit
        _drop_connections(pg_database)
        time.sleep(pause)
        admin.admin_create_user(UserPoolId=pool["pool_id"], Username=f"new{round_}", MessageAction="SUPPRESS")  # a write
        _drop_connections(pg_database)
        refreshed = public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
        assert refreshed["AuthenticationResult"]["AccessToken"]
    assert [u["Username"] for u in admin.list_users(UserPoolId=pool["pool_id"])["Users"]].count("new1") == 1
    assert "internal error" not in pg_server.log_path.read_text()


def test_connections_dropped_while_in_use_cost_no_request(pg_server, pg_database):
    """Connections used a moment before (too recently to be pinged at checkout, as under load)
    that PostgreSQL closes: the unit whose statement finds its connection dead runs again on a
    new one, and the other dead ones are replaced, whether on the event loop (GetUser, a refresh
    that writes nothing) or on a thread (a write)."""
    pool, admin, public, tokens = _signed_in_pat(pg_server)
    for round_ in range(3):
        for _ in range(10):  # every connection in use a moment ago
            public.get_user(AccessToken=tokens["AccessToken"])
            public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
        assert _drop_connections(pg_database) > 0
        assert public.get_user(AccessToken=tokens["AccessToken"])["Username"] == "pat"
        refreshed = public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
        assert refreshed["AuthenticationResult"]["AccessToken"]
        _drop_connections(pg_database)
        admin.admin_create_user(UserPoolId=pool["pool_id"], Username=f"new{round_}", MessageAction="SUPPRESS")
    assert "internal error" not in pg_server.log_path.read_text()


def test_read_units_refuse_writes_and_refreshes_read_first(tmp_path, pg_database):
    """On PostgreSQL a read unit is autocommit on a connection whose transactions are read-only
    (no BEGIN or COMMIT round trips, a stray write refused as on SQLite's query_only
    connections); a refresh that neither rotates nor finds a reuse is one of them, and one that
    rotates moves to a transaction."""
    from sqlalchemy import event, text
    from sqlalchemy.exc import DBAPIError

    from userpool.server.app import execute
    from userpool.server.bootstrap import open_state
    from userpool.server.config import ServerConfig
    from userpool.server.db import write_refused
    from userpool.server.operations import HANDLERS

    state = open_state(ServerConfig(data_dir=tmp_path, rate_limits="off", database_url=pg_database))
    with pytest.raises(DBAPIError) as refused, state.database.read() as db:
        db.execute(text("UPDATE user_pools SET name = name"))
    assert write_refused(refused.value)
    from userpool.server.db import UserPool

    execute(state, HANDLERS["CreateUserPool"], {"PoolName": "before"}, "127.0.0.1", REGION, signed=True)
    with pytest.raises(DBAPIError) as dropped, state.database.read() as db:  # an object changed, not flushed: refused at the end
        db.query(UserPool).filter_by(name="before").one().name = "after"
    assert write_refused(dropped.value)

    def call(name: str, req: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return execute(state, HANDLERS[name], req, "127.0.0.1", REGION, signed=True, **kw)

    pool_id = call("CreateUserPool", {"PoolName": "p"})["UserPool"]["Id"]
    plain, rotating = (call("CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": n, "ExplicitAuthFlows": [
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], **extra})["UserPoolClient"]["ClientId"]
        for n, extra in (("plain", {}), ("rotating", {"RefreshTokenRotation": {"Feature": "ENABLED"}})))
    call("AdminCreateUser", {"UserPoolId": pool_id, "Username": "u", "MessageAction": "SUPPRESS"})
    call("AdminSetUserPassword", {"UserPoolId": pool_id, "Username": "u", "Password": "Passw0rd!", "Permanent": True})
    begun: list[object] = []
    event.listen(state.database.engine, "begin", begun.append)  # the transactions' engine
    for client in (plain, rotating):
        tokens = call("InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                       "AuthParameters": {"USERNAME": "u", "PASSWORD": "Passw0rd!"}})["AuthenticationResult"]
        begun.clear()
        answer = call("GetTokensFromRefreshToken", {"ClientId": client, "RefreshToken": tokens["RefreshToken"]}, write_on_demand=True)
        assert answer["AuthenticationResult"]["AccessToken"]
        assert ("RefreshToken" in answer["AuthenticationResult"]) == (client == rotating)
        assert len(begun) == (0 if client == plain else 1), client


def _connections(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND pid <> pg_backend_pid()").fetchone()[0]


def test_reads_are_answered_on_the_event_loop(tmp_path, pg_database):
    """GetUser and a refresh that neither rotates nor calls out run on the event loop, their
    round trips awaited (db.Database.on_loop): no worker thread is started for them. Each loop
    (here two TestClients in turn, as a restarted worker) gets connections of its own, and the
    app's shutdown closes them. A refresh that must rotate after all runs in a transaction, on a
    thread."""
    from starlette.testclient import TestClient

    from tests.server.test_client_snapshots import call, password_sign_in, setup_pool
    from userpool.server.app import build_app
    from userpool.server.bootstrap import open_state
    from userpool.server.config import ServerConfig

    state = open_state(ServerConfig(data_dir=tmp_path, rate_limits="off", database_url=pg_database))
    pool, client = setup_pool(state)
    signed_in = password_sign_in(state, client)["AuthenticationResult"]
    before = _connections(pg_database)

    def rpc(http: TestClient, op: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = http.post("/", json=body, headers={"x-amz-target": f"AWSCognitoIdentityProviderService.{op}",
                                                    "content-type": "application/x-amz-json-1.1"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def refresh(http: TestClient) -> dict[str, Any]:
        body = {"ClientId": client, "RefreshToken": signed_in["RefreshToken"]}
        return rpc(http, "GetTokensFromRefreshToken", body)["AuthenticationResult"]

    for _ in range(2):
        app = build_app(state)
        with TestClient(app) as http:
            for _ in range(3):
                assert rpc(http, "GetUser", {"AccessToken": signed_in["AccessToken"]})["Username"] == "u"
                assert "RefreshToken" not in refresh(http)
            assert not app._api._threads._threads  # nothing went to a worker thread
            assert _connections(pg_database) > before  # the loop's own connection
        assert _connections(pg_database) == before  # closed at shutdown

    app = build_app(state)
    with TestClient(app) as http:
        assert "RefreshToken" not in refresh(http)  # the client and pool are known to this process now
        call(state, "UpdateUserPoolClient", {"UserPoolId": pool, "ClientId": client, "ExplicitAuthFlows": [
            "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "RefreshTokenRotation": {"Feature": "ENABLED"}})
        rotated = refresh(http)  # begun on the loop on what was known, finished on a thread
        assert rotated["RefreshToken"] != signed_in["RefreshToken"]
        assert app._api._threads._threads
