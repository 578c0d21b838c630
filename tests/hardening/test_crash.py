"""``kill -9`` in the middle of a burst of writes: nothing acknowledged is lost, nothing is
half-written.

Each cycle starts the server on the same data dir, runs a burst of SignUp, AdminCreateUser,
ChangePassword and sign-ins from several threads, and kills the server (SIGKILL) at a random
moment. Every write answered with HTTP 200 is recorded. After the restart each one must be
there: signed-up users exist unconfirmed with their attributes and their password, created
users have their temporary password, changed passwords work (the last acknowledged one, or
the one in flight when the server died), the refresh tokens of acknowledged sign-ins refresh.
The database must hold no half-written rows and pass ``PRAGMA integrity_check`` and
``PRAGMA foreign_key_check``.

Cycles: ``USERPOOL_CRASH_CYCLES`` (default 5; docs/SECURITY.md quotes 20 or more).
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.support import Stopwatch, Wire, env_int, integrity, record

CYCLES = env_int("USERPOOL_CRASH_CYCLES", 5)
THREADS = 4
OWNED_USERS = 3  # pre-made users per thread whose passwords that thread changes


@dataclass
class Ledger:
    """What the server acknowledged (HTTP 200), per kind, and what was in flight at the kill."""

    signups: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # username -> last acknowledged password
    maybe_passwords: dict[str, str] = field(default_factory=dict)  # username -> password of a change in flight
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, access token, refresh token)
    checked_sign_ins: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> Counter[str]:
        return Counter(
            {"SignUp": len(self.signups), "AdminCreateUser": len(self.created), "sign-in": len(self.sign_ins)}
        )


def burst(wire: Wire, client_id: str, pool_id: str, owned: list[str], ledger: Ledger, stop: threading.Event, changes: Counter[str]) -> None:
    """One thread's share of the burst; returns when the server dies (or ``stop`` is set)."""
    rng = random.Random()
    while not stop.is_set():
        kind = rng.choice(["signup", "create", "change", "signin"])
        try:
            if kind == "signup":
                name = f"s-{uuid.uuid4().hex[:10]}"
                r = wire.call("SignUp", {"ClientId": client_id, "Username": name, "Password": PASSWORD,
                                         "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "name", "Value": name}]})
                if r.status_code == 200:
                    with ledger.lock:
                        ledger.signups.append(name)
            elif kind == "create":
                name = f"c-{uuid.uuid4().hex[:10]}"
                r = wire.call("AdminCreateUser", {"UserPoolId": pool_id, "Username": name, "MessageAction": "SUPPRESS", "TemporaryPassword": PASSWORD,
                                                  "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "name", "Value": name}]},
                              signed=True)
                if r.status_code == 200:
                    with ledger.lock:
                        ledger.created.append(name)
            else:
                user = rng.choice(owned)
                current = ledger.passwords[user]
                r = wire.call("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                               "AuthParameters": {"USERNAME": user, "PASSWORD": current}})
                if r.status_code != 200:
                    with ledger.lock:
                        ledger.errors.append(f"sign-in of {user} with its acknowledged password failed: {r.text}")
                    return
                tokens = r.json()["AuthenticationResult"]
                with ledger.lock:
                    ledger.sign_ins.append((user, tokens["AccessToken"], tokens["RefreshToken"]))
                if kind == "change":
                    new = f"Pw-{uuid.uuid4().hex[:8]}!A"
                    ledger.maybe_passwords[user] = new
                    r = wire.call("ChangePassword", {"AccessToken": tokens["AccessToken"], "PreviousPassword": current, "ProposedPassword": new})
                    if r.status_code == 200:
                        ledger.passwords[user] = new
                        changes["acknowledged"] += 1
                    del ledger.maybe_passwords[user]
        except httpx.HTTPError:
            return  # the server is gone: whatever was in flight stays "maybe"


def verify(srv: RunningServer, wire: Wire, client_id: str, pool_id: str, ledger: Ledger) -> Counter[str]:
    """Every acknowledged write is there after the restart; returns what was lost (by kind)."""
    lost: Counter[str] = Counter()
    for name in ledger.signups:
        r = wire.call("AdminGetUser", {"UserPoolId": pool_id, "Username": name}, signed=True)
        attrs = {a["Name"]: a["Value"] for a in r.json().get("UserAttributes", [])} if r.status_code == 200 else {}
        if r.status_code != 200 or r.json()["UserStatus"] != "UNCONFIRMED" or attrs.get("email") != f"{name}@example.com":
            lost["SignUp"] += 1
    for name in ledger.created:
        r = wire.call("AdminGetUser", {"UserPoolId": pool_id, "Username": name}, signed=True)
        if r.status_code != 200 or r.json()["UserStatus"] != "FORCE_CHANGE_PASSWORD":
            lost["AdminCreateUser"] += 1
    # passwords: one sign-in per sign-up (sampled), per created user (sampled), per owned user
    for name in ledger.signups[-3:]:
        r = wire.call("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}})
        if r.headers.get("x-amzn-ErrorType") != "UserNotConfirmedException":  # the password matched, the state held
            lost["SignUp password"] += 1
    for name in ledger.created[-3:]:
        r = wire.call("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}})
        if r.status_code != 200 or r.json().get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            lost["AdminCreateUser password"] += 1
    for user, acknowledged in list(ledger.passwords.items()):
        candidates = [acknowledged] + ([ledger.maybe_passwords[user]] if user in ledger.maybe_passwords else [])
        for password in candidates:
            r = wire.call("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": user, "PASSWORD": password}})
            if r.status_code == 200:
                ledger.passwords[user] = password
                break
        else:
            lost["ChangePassword"] += 1
        ledger.maybe_passwords.pop(user, None)
    for _user, access, refresh in ledger.sign_ins[ledger.checked_sign_ins:]:
        # a password change does not end sessions; a lost sign-in (token family) would
        r = wire.call("GetTokensFromRefreshToken", {"ClientId": client_id, "RefreshToken": refresh})
        if r.status_code != 200 or wire.call("GetUser", {"AccessToken": access}).status_code != 200:
            lost["sign-in"] += 1
    ledger.checked_sign_ins = len(ledger.sign_ins)
    return lost


def half_written(srv: RunningServer) -> list[str]:
    """Rows a crash could have cut in half: users without a password, a sub, or their attributes."""
    conn = sqlite3.connect(f"file:{srv.data_dir / 'userpool.db'}?mode=ro", uri=True)
    try:
        problems = [f"user {r[0]} has no password hash" for r in conn.execute("SELECT username FROM users WHERE password_hash IS NULL")]
        problems += [f"user {r[0]} has no SRP verifier" for r in conn.execute("SELECT username FROM users WHERE srp_verifier_sealed IS NULL")]
        problems += [
            f"user {r[0]} lacks its sub/email attributes"
            for r in conn.execute(
                "SELECT u.username FROM users u WHERE (SELECT count(*) FROM user_attributes a WHERE a.user_id = u.id AND a.name IN ('sub', 'email')) < 2"
            )
        ]
        problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_during_a_burst_loses_no_acknowledged_write(tmp_path: Any) -> None:
    srv = RunningServer(tmp_path / "crash", "--rate-limits", "off")
    srv.start()
    wire = Wire(srv)
    pool_id = wire.ok("CreateUserPool", {"PoolName": "crash"}, signed=True)["UserPool"]["Id"]
    client_id = wire.ok("CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS},
                        signed=True)["UserPoolClient"]["ClientId"]
    ledger = Ledger()
    owned: list[list[str]] = []
    for t in range(THREADS):
        names = [f"owned-{t}-{i}" for i in range(OWNED_USERS)]
        for name in names:
            wire.ok("AdminCreateUser", {"UserPoolId": pool_id, "Username": name, "MessageAction": "SUPPRESS",
                                        "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}]}, signed=True)
            wire.ok("AdminSetUserPassword", {"UserPoolId": pool_id, "Username": name, "Password": PASSWORD, "Permanent": True}, signed=True)
            ledger.passwords[name] = PASSWORD
        owned.append(names)
    watch = Stopwatch()
    lost: Counter[str] = Counter()
    changes: Counter[str] = Counter()
    problems: list[str] = []
    checks: list[str] = []
    try:
        for _ in range(CYCLES):
            stop = threading.Event()
            cycle_wire = Wire(srv)  # fresh connections: the old ones died with the server
            threads = [threading.Thread(target=burst, args=(cycle_wire, client_id, pool_id, owned[t], ledger, stop, changes)) for t in range(THREADS)]
            for th in threads:
                th.start()
            time.sleep(random.uniform(0.4, 1.5))
            srv.kill()  # SIGKILL, mid-burst
            stop.set()
            for th in threads:
                th.join(60)
            srv.start()
            verify_wire = Wire(srv)
            lost += verify(srv, verify_wire, client_id, pool_id, ledger)
            problems += half_written(srv)
            checks.append(integrity(srv))
    finally:
        srv.stop()
    acknowledged = ledger.count()
    acknowledged["ChangePassword"] = changes["acknowledged"]
    record("crash", {
        "cycles": CYCLES, "seconds": watch.seconds, "acknowledged_writes": sum(acknowledged.values()), "acknowledged_by_kind": dict(acknowledged),
        "lost": sum(lost.values()), "lost_by_kind": dict(lost), "half_written": len(problems), "integrity_checks_ok": checks.count("ok"),
    })
    assert not ledger.errors, ledger.errors[:5]
    assert not lost, lost
    assert not problems, problems[:10]
    assert checks == ["ok"] * CYCLES
    assert acknowledged["SignUp"] and acknowledged["AdminCreateUser"] and acknowledged["sign-in"]
