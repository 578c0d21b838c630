"""Rate limits by Cognito's quota categories: per pool, per client address within a pool,
kept in the database so that every server process shares them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.support import CONTENT_TYPE, TARGET_PREFIX, Wire, shape_problem
from userpool.server import ratelimit
from userpool.server.db import Database, RateWindow, sqlite_url
from userpool.server.keys import KeyRing
from userpool.server.operations import HANDLERS
from userpool.server.sealing import Sealer


def test_every_implemented_operation_has_a_quota_category() -> None:
    assert set(HANDLERS) <= set(ratelimit.CATEGORY), sorted(set(HANDLERS) - set(ratelimit.CATEGORY))


def test_configuration_defaults_off_and_files(tmp_path: Path) -> None:
    assert ratelimit.parse("default").per_pool["UserAuthentication"] == 120
    assert ratelimit.parse("default").per_pool == {
        "UserAuthentication": 120, "UserCreation": 50, "UserAccountRecovery": 30, "UserRead": 120, "UserUpdate": 25,
        "UserList": 30, "UserToken": 120, "UserFederation": 25,
    }
    assert not ratelimit.parse("off").enabled
    f = tmp_path / "limits.json"
    f.write_text(json.dumps({"window_seconds": 10, "per_pool": {"UserRead": 7, "UserList": None}, "per_ip": {"UserAuthentication": 3}}))
    limits = ratelimit.parse(str(f))
    assert limits.window_seconds == 10
    assert limits.per_pool["UserRead"] == 7 and "UserList" not in limits.per_pool and limits.per_pool["UserToken"] == 120
    assert limits.per_ip["UserAuthentication"] == 3
    for bad in ({"per_pool": {"Nope": 1}}, {"per_pool": {"UserRead": 0}}, {"window_seconds": 0}, {"extra": 1}, [1]):
        f.write_text(json.dumps(bad))
        with pytest.raises(ValueError):
            ratelimit.parse(str(f))


def test_fixed_windows_in_the_database(tmp_path: Path) -> None:
    """The limiter alone, on a clock of its own: counts, refusals, the next window, the sweep."""
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    limiter = ratelimit.RateLimiter(ratelimit.from_dict({"window_seconds": 10, "per_pool": {"UserRead": 3}, "per_ip": {"UserRead": 2}}),
                                    db, KeyRing(Sealer(b"k" * 32)))
    req = {"UserPoolId": "us-east-1_A"}
    limiter.check("AdminGetUser", req, "10.0.0.1", now=1000.0)
    limiter.check("AdminGetUser", req, "10.0.0.1", now=1001.0)
    with pytest.raises(Exception, match="Rate exceeded"):
        limiter.check("AdminGetUser", req, "10.0.0.1", now=1002.0)  # the address's 2 per window
    limiter.check("AdminGetUser", req, "10.0.0.2", now=1003.0)  # the pool's third
    with pytest.raises(Exception, match="Rate exceeded"):
        limiter.check("AdminGetUser", req, "10.0.0.3", now=1004.0)  # the pool's 3 per window
    limiter.check("AdminGetUser", {"UserPoolId": "us-east-1_B"}, "10.0.0.1", now=1005.0)  # another pool: untouched
    limiter.check("AdminGetUser", req, "10.0.0.1", now=1010.0)  # the next window
    limiter.check("ListUsers", req, "10.0.0.1", now=1010.0)  # another category: not limited by this file's UserRead
    with db.transaction() as s:
        assert s.execute(select(RateWindow.window_start).distinct()).scalars().all() == [1000, 1010]
    limiter.check("AdminGetUser", req, "10.0.0.1", now=1100.0)  # sweeps the old windows
    with db.transaction() as s:
        assert s.execute(select(RateWindow.window_start).distinct()).scalars().all() == [1100]


@pytest.fixture
def limited(tmp_path: Path) -> Any:
    limits = tmp_path / "limits.json"
    limits.write_text(json.dumps({"window_seconds": 60, "per_pool": {"UserRead": 5, "UserCreation": 3}, "per_ip": {"UserAuthentication": 3}}))
    srv = RunningServer(tmp_path / "srv", "--rate-limits", str(limits))
    srv.start()
    yield srv
    srv.stop()


def _pool(w: Wire) -> tuple[str, str]:
    pool_id = w.ok("CreateUserPool", {"PoolName": "limited"}, signed=True)["UserPool"]["Id"]
    client_id = w.ok("CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS,
                                              "PreventUserExistenceErrors": "ENABLED"}, signed=True)["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _throttled(r: httpx.Response) -> bool:
    assert shape_problem(r) is None, shape_problem(r)
    if r.status_code == 400 and r.json()["__type"] == "TooManyRequestsException":
        assert r.json()["message"] == "Rate exceeded" and r.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
        return True
    return False


def test_a_pool_over_its_limit_is_refused_and_other_pools_are_not(limited: RunningServer) -> None:
    w = Wire(limited)
    (a, a_client), (b, _) = _pool(w), _pool(w)
    w.ok("AdminCreateUser", {"UserPoolId": a, "Username": "pat", "MessageAction": "SUPPRESS"}, signed=True)
    answers = [w.call("AdminGetUser", {"UserPoolId": a, "Username": "pat"}, signed=True) for _ in range(8)]
    assert [_throttled(r) for r in answers] == [False] * 5 + [True] * 3
    # pool B has its own windows; pool A's other categories too
    assert w.call("AdminGetUser", {"UserPoolId": b, "Username": "nobody"}, signed=True).json()["__type"] == "UserNotFoundException"
    assert w.call("ListUsers", {"UserPoolId": a}, signed=True).status_code == 200
    # a refused request does no work: SignUp over the limit creates nobody
    made = [w.call("SignUp", {"ClientId": a_client, "Username": f"n{i}", "Password": PASSWORD}) for i in range(2)]  # AdminCreateUser used 1
    assert [r.status_code for r in made] == [200, 200]
    refused = w.call("SignUp", {"ClientId": a_client, "Username": "n9", "Password": PASSWORD})
    assert _throttled(refused)
    assert limited.query("SELECT count(*) FROM users WHERE username = 'n9'") == [(0,)]


def _from(server: RunningServer, address: str, client_id: str) -> httpx.Response:
    """An InitiateAuth sent from another loopback address (Linux routes all of 127/8 to lo)."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30) as c:
        return c.post(server.url + "/", headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + "InitiateAuth"},
                      content=json.dumps({"ClientId": client_id, "AuthFlow": "USER_SRP_AUTH",
                                          "AuthParameters": {"USERNAME": "ghost", "SRP_A": "ab" * 32}}))


def test_one_address_cannot_use_up_a_pools_quota(limited: RunningServer) -> None:
    w = Wire(limited)
    _, client_id = _pool(w)
    first = [_throttled(_from(limited, "127.0.0.1", client_id)) for _ in range(5)]
    assert first == [False, False, False, True, True]
    assert not _throttled(_from(limited, "127.0.0.2", client_id))  # another address, same pool


@pytest.mark.postgres
def test_processes_share_their_windows(tmp_path: Path, pg_database: str) -> None:
    """Two server processes over one PostgreSQL count into the same windows (issue 7)."""
    limits = tmp_path / "limits.json"
    limits.write_text(json.dumps({"window_seconds": 60, "per_pool": {"UserRead": 4}}))
    env = {"USERPOOL_MASTER_KEY": "m" * 43, "USERPOOL_ADMIN_ACCESS_KEY_ID": "AKIAUSERPOOLTEST0001", "USERPOOL_ADMIN_SECRET_ACCESS_KEY": "s" * 40}
    servers = [RunningServer(tmp_path / n, "--database", pg_database, "--rate-limits", str(limits), env=env) for n in ("a", "b")]
    for s in servers:
        s.start()
        s.credentials = lambda: (env["USERPOOL_ADMIN_ACCESS_KEY_ID"], env["USERPOOL_ADMIN_SECRET_ACCESS_KEY"])  # type: ignore[method-assign]
    try:
        wires = [Wire(s) for s in servers]
        pool_id = wires[0].ok("CreateUserPool", {"PoolName": "shared"}, signed=True)["UserPool"]["Id"]
        answers = [wires[i % 2].call("AdminGetUser", {"UserPoolId": pool_id, "Username": "x"}, signed=True)
                   for i in range(6)]
        assert [_throttled(r) for r in answers] == [False] * 4 + [True] * 2
    finally:
        for s in servers:
            s.stop()
