"""Rate limits: by default only the guessing surfaces (per address and per user); Cognito's
quota categories (per pool, per client address within a pool) with ``--rate-limits cognito``
or a file; both kept in the database so that every server process shares them."""

from __future__ import annotations

import json
import time
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
    default = ratelimit.parse("default")
    assert (default.per_pool, default.per_ip) == ({}, {})  # no quota caps capacity by default
    assert default.guessing == ratelimit.Guessing(window_seconds=60, per_ip=120, per_user=10)
    assert ratelimit.parse(None) == default
    assert ratelimit.parse("cognito").guessing == default.guessing
    assert ratelimit.parse("cognito").per_pool == {
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
    assert limits.guessing == default.guessing  # a file keeps the guessing limits unless it changes them
    f.write_text(json.dumps({"guessing": {"per_user": 3, "per_ip": None}}))
    assert ratelimit.parse(str(f)).guessing == ratelimit.Guessing(window_seconds=60, per_ip=None, per_user=3)
    f.write_text(json.dumps({"guessing": None}))
    assert ratelimit.parse(str(f)).guessing is None
    for bad in ({"per_pool": {"Nope": 1}}, {"per_pool": {"UserRead": 0}}, {"window_seconds": 0}, {"extra": 1}, [1],
                {"guessing": {"per_user": 0}}, {"guessing": {"window_seconds": 0}}, {"guessing": {"nope": 1}}, {"guessing": 5}):
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
    for _ in range(3):  # fixed 60 s windows: a run that straddles a boundary is measured again, on a new pool
        window = int(time.time()) // 60
        _, client_id = _pool(w)
        first = [_throttled(_from(limited, "127.0.0.1", client_id)) for _ in range(5)]
        other = _throttled(_from(limited, "127.0.0.2", client_id))  # another address, same pool
        if int(time.time()) // 60 == window:
            break
    assert first == [False, False, False, True, True]
    assert not other


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


# ------------------------------------------------------------------ the default: guessing limits


def _limiter(tmp_path: Path, spec: str) -> tuple[ratelimit.RateLimiter, Database]:
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    return ratelimit.RateLimiter(ratelimit.parse(spec), db, KeyRing(Sealer(b"k" * 32))), db


def _windows(db: Database) -> list[tuple[str, str, int]]:
    with db.transaction() as s:
        return [(r.category, r.ip, r.count) for r in s.execute(select(RateWindow)).scalars()]


def test_default_counts_only_guesses(tmp_path: Path) -> None:
    """GetUser, refresh, SRP's first step, the management API: no row written, nothing capped."""
    limiter, db = _limiter(tmp_path, "default")
    for i in range(500):
        limiter.check("GetUser", {"AccessToken": "a.b.c"}, "10.0.0.1", now=1000.0 + i / 1000)
        limiter.check("InitiateAuth", {"ClientId": "c", "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": "r"}},
                      "10.0.0.1", now=1000.0)
        limiter.check("InitiateAuth", {"ClientId": "c", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": f"u{i}", "SRP_A": "ab"}},
                      "10.0.0.1", now=1000.0)
        limiter.check("GetTokensFromRefreshToken", {"ClientId": "c", "RefreshToken": "r"}, "10.0.0.1", now=1000.0)
        limiter.check("AdminGetUser", {"UserPoolId": "us-east-1_A", "Username": "pat"}, "10.0.0.1", now=1000.0)
    assert _windows(db) == []


def _password(user: str) -> dict[str, Any]:
    return {"ClientId": "c", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": user, "PASSWORD": "guess"}}


def test_guesses_per_user_and_per_address(tmp_path: Path) -> None:
    limiter, _ = _limiter(tmp_path, "default")
    # 10 per user per 60 s, from any number of addresses; the name's case does not make a new user
    for i in range(10):
        limiter.check("InitiateAuth", _password("Pat" if i % 2 else "pat"), f"10.1.0.{i}", now=1000.0)
    with pytest.raises(Exception, match="Rate exceeded"):
        limiter.check("InitiateAuth", _password("pat"), "10.1.0.99", now=1001.0)
    with pytest.raises(Exception, match="Rate exceeded"):  # codes for the same user count too
        limiter.check("ConfirmForgotPassword", {"ClientId": "c", "Username": "pat", "ConfirmationCode": "1", "Password": "x"},
                      "10.1.0.98", now=1002.0)
    limiter.check("InitiateAuth", _password("pat"), "10.1.0.1", now=1060.0)  # the next window
    # 120 per address per 60 s, whichever users they aim at
    for i in range(120 - 10):
        limiter.check("RespondToAuthChallenge", {"ClientId": "c", "ChallengeName": "SMS_MFA", "Session": "s",
                                                 "ChallengeResponses": {"USERNAME": f"v{i}", "SMS_MFA_CODE": "1"}}, "10.2.0.1", now=2000.0)
    for i in range(10):
        limiter.check("InitiateAuth", _password(f"w{i}"), "10.2.0.1", now=2001.0)
    with pytest.raises(Exception, match="Rate exceeded"):
        limiter.check("InitiateAuth", _password("fresh"), "10.2.0.1", now=2002.0)
    limiter.check("InitiateAuth", _password("fresh"), "10.2.0.2", now=2003.0)  # another address
    # a back end signing in its users with AdminInitiateAuth is one address: only per user
    for i in range(200):
        limiter.check("AdminInitiateAuth", {**_password(f"b{i}"), "UserPoolId": "us-east-1_A", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH"},
                      "10.3.0.1", now=3000.0)


def test_guessing_windows_slide_across_a_boundary(tmp_path: Path) -> None:
    """Ten guesses at a user in the last second of a window use up the next seconds too: the
    previous window counts in proportion to how much of it is still within the last 60 s."""
    limiter, _ = _limiter(tmp_path, "default")
    for i in range(10):
        limiter.check("InitiateAuth", _password("pat"), f"10.1.0.{i}", now=1019.0)  # window 960, 59 s in
    with pytest.raises(Exception, match="Rate exceeded"):
        limiter.check("InitiateAuth", _password("pat"), "10.1.0.50", now=1019.5)
    with pytest.raises(Exception, match="Rate exceeded"):  # 1 s into window 1020: 1 + 11 * 59/60 > 10
        limiter.check("InitiateAuth", _password("pat"), "10.1.0.51", now=1021.0)
    limiter.check("InitiateAuth", _password("pat"), "10.1.0.52", now=1050.0)  # 2 + 11 * 30/60 <= 10
    limiter.check("InitiateAuth", _password("other"), "10.1.0.53", now=1021.0)  # another user: its own count
    # per address the same: 120 guesses late in a window, then one at the start of the next
    for i in range(120):
        limiter.check("InitiateAuth", _password(f"x{i}"), "10.4.0.1", now=1079.0)
    with pytest.raises(Exception, match="Rate exceeded"):
        limiter.check("InitiateAuth", _password("y"), "10.4.0.1", now=1080.0)  # 1 + 120 * 60/60 > 120


def test_sliding_count() -> None:
    assert ratelimit.sliding_count(3, 0, 10.0, 60) == 3
    assert ratelimit.sliding_count(1, 12, 0.0, 60) == 13  # at the boundary: all of the previous window
    assert ratelimit.sliding_count(1, 12, 45.0, 60) == 4  # a quarter of it
    assert ratelimit.sliding_count(1, 12, 60.0, 60) == 1
    assert ratelimit.sliding_count(1, 12, 75.0, 60) == 1  # never negative


def test_off_counts_nothing(tmp_path: Path) -> None:
    limiter, db = _limiter(tmp_path, "off")
    for _ in range(50):
        limiter.check("InitiateAuth", _password("pat"), "10.0.0.1", now=1000.0)
    assert _windows(db) == []


@pytest.fixture
def default_server(tmp_path: Path) -> Any:
    srv = RunningServer(tmp_path / "srv", "--rate-limits", "default")
    srv.start()
    yield srv
    srv.stop()


def _guess_from(server: RunningServer, address: str, client_id: str, username: str) -> httpx.Response:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60) as c:
        return c.post(server.url + "/", headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + "InitiateAuth"},
                      content=json.dumps({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                          "AuthParameters": {"USERNAME": username, "PASSWORD": "Wrong-guess-1"}}))


def test_parallel_password_guesses_for_one_user_are_limited(default_server: RunningServer) -> None:
    """20 guesses at once at one user, each from its own address, at the default settings:
    the per-user limit (10 per minute, counted in the database before any work) refuses the
    rest, whatever the lockout's counter saw; ordinary reads meanwhile are never refused."""
    from concurrent.futures import ThreadPoolExecutor

    w = Wire(default_server)
    pool_id, client_id = _pool(w)
    w.ok("AdminCreateUser", {"UserPoolId": pool_id, "Username": "pat", "TemporaryPassword": PASSWORD, "MessageAction": "SUPPRESS"}, signed=True)
    w.ok("AdminSetUserPassword", {"UserPoolId": pool_id, "Username": "pat", "Password": PASSWORD, "Permanent": True}, signed=True)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: _guess_from(default_server, f"127.0.3.{i + 1}", client_id, "pat"), range(20)))
    kinds = [r.json()["__type"] for r in answers]
    assert kinds.count("TooManyRequestsException") == 10, kinds
    assert set(kinds) == {"TooManyRequestsException", "NotAuthorizedException"}
    assert all(shape_problem(r) is None for r in answers)
    # the right password from a fresh address is refused too while the window lasts
    right = Wire(default_server).call("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                                       "AuthParameters": {"USERNAME": "pat", "PASSWORD": PASSWORD}})
    assert _throttled(right)
    # another user of the pool is not affected, and reads are not counted at all
    assert not _throttled(_guess_from(default_server, "127.0.3.1", client_id, "someone-else"))
    for _ in range(150):
        assert not _throttled(w.call("AdminGetUser", {"UserPoolId": pool_id, "Username": "pat"}, signed=True))
    assert default_server.query("SELECT count(*) FROM rate_windows WHERE category <> 'Guessing'") == [(0,)]


def test_hosted_sign_in_guesses_for_one_user_are_limited(default_server: RunningServer) -> None:
    """The hosted sign-in page's password form is a guessing surface as InitiateAuth is: wrong
    passwords at one user, each from its own address, meet the per-user limit (10 a minute) and
    are answered with the page's 429; the first ten reach the sign-in (and its lockout)."""
    from tests.server.oauth_helpers import Browser, oauth_pool

    pool = oauth_pool(default_server)
    admin = default_server.admin
    admin.admin_create_user(UserPoolId=pool["pool_id"], Username="pat", MessageAction="SUPPRESS")
    admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="pat", Password=PASSWORD, Permanent=True)
    statuses = []
    for i in range(12):
        browser = Browser(default_server, transport=httpx.HTTPTransport(local_address=f"127.0.4.{i + 1}"))
        try:
            login = browser.authorize(pool)
            assert not isinstance(login, httpx.Response) and login.status == 200, login
            statuses.append(browser.submit(login.form, username="pat", password="Wrong-guess-1").status_code)
        finally:
            browser.close()
    assert statuses[:10].count(429) == 0 and statuses[10:] == [429, 429], statuses
