"""Many connections at once, on SQLite and on PostgreSQL: one winner for one username,
refresh-token rotation that tolerates parallel refreshes inside the grace period and revokes
the family on reuse after it, and failed sign-ins counted exactly (lockout after 5)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.conftest import kind
from tests.hardening.support import Wire, record, shape_problem

PARALLEL = 12


def at_once(n: int, call: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``n`` calls released together from ``n`` threads (one connection each)."""
    barrier = threading.Barrier(n)

    def run(i: int) -> httpx.Response:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def outcome(r: httpx.Response) -> str:
    assert shape_problem(r) is None, shape_problem(r)
    return "ok" if r.status_code == 200 else f"{r.headers['x-amzn-ErrorType']}: {r.json()['message']}"


def make_pool(w: Wire, **client: Any) -> tuple[str, str]:
    pool_id = w.ok("CreateUserPool", {"PoolName": "concurrency"}, signed=True)["UserPool"]["Id"]
    client_id = w.ok(
        "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS, **client}, signed=True
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def make_user(w: Wire, pool_id: str, username: str) -> None:
    w.ok("AdminCreateUser", {"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS"}, signed=True)
    w.ok("AdminSetUserPassword", {"UserPoolId": pool_id, "Username": username, "Password": PASSWORD, "Permanent": True}, signed=True)


def password_auth(w: Wire, client_id: str, username: str, password: str) -> httpx.Response:
    return w.call(
        "InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": username, "PASSWORD": password}}
    )


def test_same_username_signed_up_at_once_has_one_winner(db_server: RunningServer) -> None:
    w = Wire(db_server)
    _, client_id = make_pool(w)
    answers = at_once(PARALLEL, lambda i: w.call("SignUp", {"ClientId": client_id, "Username": "dup", "Password": PASSWORD}))
    tally = Counter(outcome(r).split(":")[0] for r in answers)
    assert tally == {"ok": 1, "UsernameExistsException": PARALLEL - 1}, tally
    created = at_once(
        PARALLEL,
        lambda i: w.call("AdminCreateUser", {"UserPoolId": _pool_of(db_server, client_id), "Username": "dup2", "MessageAction": "SUPPRESS"},
                         signed=True),
    )
    tally2 = Counter(outcome(r).split(":")[0] for r in created)
    assert tally2 == {"ok": 1, "UsernameExistsException": PARALLEL - 1}, tally2
    assert db_server.query("SELECT count(*) FROM users WHERE username IN ('dup', 'dup2')") == [(2,)]
    record("concurrency", {f"same_username_{kind(db_server)}": {"parallel": PARALLEL, "winners": tally["ok"] + tally2["ok"], "calls": 2}})


def _pool_of(server: RunningServer, client_id: str) -> str:
    return str(server.query("SELECT pool_id FROM app_clients WHERE id = ?", client_id)[0][0])


def test_parallel_refreshes_inside_the_grace_period_all_succeed(db_server: RunningServer) -> None:
    w = Wire(db_server)
    pool_id, client_id = make_pool(w, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 30})
    make_user(w, pool_id, "rota")
    first = outcome_ok(password_auth(w, client_id, "rota", PASSWORD))["AuthenticationResult"]
    answers = at_once(6, lambda i: w.call("GetTokensFromRefreshToken", {"ClientId": client_id, "RefreshToken": first["RefreshToken"]}))
    assert [outcome(r) for r in answers] == ["ok"] * 6
    successors = {r.json()["AuthenticationResult"]["RefreshToken"] for r in answers}
    assert len(successors) == 6 and first["RefreshToken"] not in successors
    for token in successors:  # every successor is a live refresh token of the same family
        again = w.call("GetTokensFromRefreshToken", {"ClientId": client_id, "RefreshToken": token})
        assert outcome(again) == "ok"


def test_reuse_after_the_grace_period_revokes_the_whole_family(db_server: RunningServer) -> None:
    w = Wire(db_server)
    pool_id, client_id = make_pool(w, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 1})
    make_user(w, pool_id, "reuse")
    first = outcome_ok(password_auth(w, client_id, "reuse", PASSWORD))["AuthenticationResult"]
    second = outcome_ok(w.call("GetTokensFromRefreshToken", {"ClientId": client_id, "RefreshToken": first["RefreshToken"]}))
    successor = second["AuthenticationResult"]
    time.sleep(1.5)
    # the stolen copy, replayed from several places at once after the grace period
    replays = at_once(4, lambda i: w.call("GetTokensFromRefreshToken", {"ClientId": client_id, "RefreshToken": first["RefreshToken"]}))
    names = {outcome(r).split(":")[0] for r in replays}
    assert "ok" not in names and "RefreshTokenReuseException" in names, names
    assert names <= {"RefreshTokenReuseException", "NotAuthorizedException"}
    # the legitimate holder's tokens die with the family
    assert outcome(w.call("GetTokensFromRefreshToken", {"ClientId": client_id, "RefreshToken": successor["RefreshToken"]})).startswith(
        "NotAuthorizedException"
    )
    for token in (first["AccessToken"], successor["AccessToken"]):
        assert outcome(w.call("GetUser", {"AccessToken": token})).startswith("NotAuthorizedException")
    assert db_server.query("SELECT revoked_reason FROM token_families") == [("refresh_token_reuse",)]


def outcome_ok(r: httpx.Response) -> dict[str, Any]:
    assert outcome(r) == "ok", r.text
    body: dict[str, Any] = r.json()
    return body


def test_parallel_wrong_passwords_are_counted_exactly(db_server: RunningServer) -> None:
    w = Wire(db_server)
    pool_id, client_id = make_pool(w)
    make_user(w, pool_id, "target")
    answers = [outcome(r) for r in at_once(PARALLEL, lambda i: password_auth(w, client_id, "target", f"Wrong-{i}!"))]
    incorrect = answers.count("NotAuthorizedException: Incorrect username or password.")
    exceeded = answers.count("NotAuthorizedException: Password attempts exceeded")
    assert incorrect + exceeded == PARALLEL, answers
    failed, last, locked = db_server.query("SELECT failed_attempts, last_failed_at, locked_until FROM users WHERE username = 'target'")[0]
    assert failed == incorrect  # every counted failure was answered as one, and no answer went uncounted
    assert incorrect >= 5  # the lock starts only after the fifth failure
    assert locked == last + 2 ** (failed - 5)  # Cognito's 2^(n-5) s
    record("concurrency", {f"parallel_wrong_passwords_{kind(db_server)}": {"parallel": PARALLEL, "incorrect": incorrect,
                                                                           "exceeded": exceeded, "failed_attempts_in_db": failed}})
