"""The load generator: separate processes on loopback, each with its own httpx.Client, each
stopping by itself at a fixed deadline or after a maximum number of operations.

An *operation* is what a client does to complete one task (a complete SRP sign-in is two
requests: InitiateAuth and RespondToAuthChallenge, with the client's SRP maths in between).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from userpool import srp

TARGET = "AWSCognitoIdentityProviderService."
PASSWORD = "Bench-passw0rd!"


class CallFailed(Exception):
    pass


def call(client: httpx.Client, op: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/", content=json.dumps(body), headers={"X-Amz-Target": TARGET + op})
    if r.status_code != 200:
        raise CallFailed(f"{op}: {r.status_code} {r.text[:200]}")
    return r.json() if r.content else {}


# ------------------------------------------------------------------ operations


def op_srp(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    eph = srp.client_ephemeral()
    first = call(client, "InitiateAuth", {
        "ClientId": w["client_id"], "AuthFlow": "USER_SRP_AUTH",
        "AuthParameters": {"USERNAME": w["username"], "SRP_A": eph.srp_a},
    })
    p = first["ChallengeParameters"]
    signature, timestamp = srp.password_claim(
        eph, w["pool_id"], p["USER_ID_FOR_SRP"], w["password"], p["SALT"], p["SRP_B"], p["SECRET_BLOCK"]
    )
    body: dict[str, Any] = {
        "ClientId": w["client_id"], "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": p.get("USERNAME", p["USER_ID_FOR_SRP"]), "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp,
        },
    }
    if first.get("Session"):
        body["Session"] = first["Session"]
    out = call(client, "RespondToAuthChallenge", body)
    if "AuthenticationResult" not in out:
        raise CallFailed(f"no tokens: {str(out)[:200]}")


def op_password(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    out = call(client, "InitiateAuth", {
        "ClientId": w["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": w["username"], "PASSWORD": w["password"]},
    })
    if "AuthenticationResult" not in out:
        raise CallFailed(f"no tokens: {str(out)[:200]}")


def op_refresh(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    if w.get("refresh_api") == "GetTokensFromRefreshToken":
        call(client, "GetTokensFromRefreshToken", {"ClientId": w["client_id"], "RefreshToken": w["refresh_token"]})
    else:
        call(client, "InitiateAuth", {
            "ClientId": w["client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": w["refresh_token"]},
        })


def op_get_user(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    call(client, "GetUser", {"AccessToken": w["access_token"]})


def op_sign_up(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    name = f"su{w['index']}x{n}x{uuid.uuid4().hex[:8]}"
    call(client, "SignUp", {
        "ClientId": w["client_id"], "Username": name, "Password": PASSWORD,
        "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}],
    })


def op_list_users(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    """ListUsers with an indexed filter (admin: the request is signed with botocore's signer)."""
    body = json.dumps({"UserPoolId": w["pool_id"], "Filter": w["filters"][n % len(w["filters"])], "Limit": 60}).encode()
    headers = w["sign"](body)
    r = client.post("/", content=body, headers=headers)
    if r.status_code != 200:
        raise CallFailed(f"ListUsers: {r.status_code} {r.text[:200]}")


OPERATIONS = {
    "srp": op_srp,
    "password": op_password,
    "refresh": op_refresh,
    "get_user": op_get_user,
    "sign_up": op_sign_up,
    "list_users": op_list_users,
}


# ------------------------------------------------------------------ running


@dataclass
class LoadResult:
    operations: int
    errors: int
    elapsed: float
    latencies: list[float]
    first_error: str | None

    @property
    def throughput(self) -> float:
        return self.operations / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _worker(url: str, name: str, w: dict[str, Any], start_at: float, duration: float, max_ops: int, out: Any) -> None:
    fn = OPERATIONS[name]
    latencies: list[float] = []
    errors = 0
    first_error = None
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        try:
            fn(client, w, -1)  # warm the connection (not counted)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            first_error = f"{type(exc).__name__}: {exc}"
        while time.time() < start_at:
            time.sleep(0.002)
        deadline = start_at + duration
        n = 0
        while n < max_ops and time.time() < deadline:
            t0 = time.perf_counter()
            try:
                fn(client, w, n)
            except Exception as exc:  # noqa: BLE001
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
            else:
                latencies.append(time.perf_counter() - t0)
            n += 1
    out.put((latencies, errors, first_error, time.time()))


def run(url: str, name: str, per_worker: list[dict[str, Any]], duration: float, max_ops: int,
        on_start: Any = None) -> LoadResult:
    """Run ``name`` from one process per entry of ``per_worker`` for ``duration`` seconds
    (each stops after ``max_ops`` as well); ``on_start()`` is called right before the start."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    start_at = time.time() + 0.6 + 0.05 * len(per_worker)
    procs = [ctx.Process(target=_worker, args=(url, name, w, start_at, duration, max_ops, queue), daemon=True) for w in per_worker]
    for p in procs:
        p.start()
    while time.time() < start_at - 0.02:
        time.sleep(0.005)
    if on_start:
        on_start()
    results = [queue.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join(10)
    ended = max(r[3] for r in results)
    latencies = [x for r in results for x in r[0]]
    return LoadResult(
        operations=len(latencies), errors=sum(r[1] for r in results), elapsed=max(1e-9, ended - start_at),
        latencies=latencies, first_error=next((r[2] for r in results if r[2]), None),
    )
