"""A/B of two source trees: server CPU per operation, measured alternately on one machine.

    .venv/bin/python bench/ab.py get_user /path/to/old/src /path/to/new/src
    .venv/bin/python bench/ab.py refresh  src@1 src@2        # the same tree, 1 and 2 workers
    .venv/bin/python bench/ab.py srp OLD/src NEW/src           # whole SRP sign-ins (2 calls each)
    .venv/bin/python bench/ab.py get_user OLD/src NEW/src --postgres   # each on its own database

Each tree runs its own ``userpool serve`` (SQLite, rate limits off; ``@N`` after a path sets
``--workers``; ``--postgres``: a database of its own in one throwaway cluster, whose processes'
CPU counts as the server's, as in ``bench/run``). One client calls the operation in turns of a
few seconds per server, several rounds, so a shared machine's drift falls on both alike; the
figure is operations per server CPU-second (user + system time of the server and its workers,
from psutil). The last line is the ratio of each tree to the first, the reference measured in
the same run. One client on one connection measures the cost of an operation, not the server's
capacity (``bench/run`` does that).
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import psutil

TARGET = "AWSCognitoIdentityProviderService."
PASSWORD = "Bench-passw0rd!"
OPS = {"get_user": "GetUser", "refresh": "GetTokensFromRefreshToken", "password": "InitiateAuth", "srp": "InitiateAuth"}


@dataclass
class Server:
    label: str
    proc: subprocess.Popen[bytes]
    url: str
    body: str
    ops: int = 0
    cpu: float = 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu(pid: int, *more: int) -> float:
    procs = [psutil.Process(p) for p in (pid, *more)]
    total = 0.0
    for p in [*procs, *(c for proc in procs for c in proc.children(recursive=True))]:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def start(spec: str, op: str, database: str | None = None) -> Server:
    src, _, workers = spec.partition("@")
    data = tempfile.mkdtemp(prefix="userpool-ab-")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve()), "USERPOOL_WORKERS": workers or "1"}
    on = ["--database", database] if database else []
    proc = subprocess.Popen([sys.executable, "-m", "userpool", "serve", "--port", str(port), "--data-dir", data,
                             "--rate-limits", "off", *on], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            break
        except httpx.HTTPError:
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit(f"{spec}: userpool serve did not come up") from None
            time.sleep(0.1)
    time.sleep(2)  # every worker up
    cp = configparser.ConfigParser()
    cp.read(Path(data) / "admin-credentials")
    admin = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=url,
                         aws_access_key_id=cp["default"]["aws_access_key_id"],
                         aws_secret_access_key=cp["default"]["aws_secret_access_key"])
    pool = admin.create_user_pool(PoolName="ab")["UserPool"]["Id"]
    client = admin.create_user_pool_client(UserPoolId=pool, ClientName="ab", ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    admin.admin_create_user(UserPoolId=pool, Username="ab", MessageAction="SUPPRESS")
    admin.admin_set_user_password(UserPoolId=pool, Username="ab", Password=PASSWORD, Permanent=True)
    tokens = admin.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "ab", "PASSWORD": PASSWORD})["AuthenticationResult"]
    bodies = {
        "get_user": {"AccessToken": tokens["AccessToken"]},
        "refresh": {"ClientId": client, "RefreshToken": tokens["RefreshToken"]},
        "password": {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "ab", "PASSWORD": PASSWORD}},
        "srp": {"ClientId": client, "PoolId": pool},  # turn() computes each sign-in's values
    }
    return Server(spec, proc, url, json.dumps(bodies[op]))


def _srp_sign_in(http: httpx.Client, given: dict[str, str]) -> httpx.Response:
    """InitiateAuth USER_SRP_AUTH and its PASSWORD_VERIFIER answer; the client's maths is this
    process's (userpool.srp), so only the server's side is in the server's CPU."""
    from userpool import srp

    eph = srp.client_ephemeral()
    first = http.post("/", json={"ClientId": given["ClientId"], "AuthFlow": "USER_SRP_AUTH",
                                 "AuthParameters": {"USERNAME": "ab", "SRP_A": eph.srp_a}},
                      headers={"X-Amz-Target": TARGET + "InitiateAuth", "Content-Type": "application/x-amz-json-1.1"})
    if first.status_code != 200:
        return first
    p = first.json()["ChallengeParameters"]
    signature, timestamp = srp.password_claim(eph, given["PoolId"], p["USER_ID_FOR_SRP"], PASSWORD, p["SALT"],
                                              p["SRP_B"], p["SECRET_BLOCK"])
    answers = {"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
               "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp}
    return http.post("/", json={"ClientId": given["ClientId"], "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": answers},
                     headers={"X-Amz-Target": TARGET + "RespondToAuthChallenge", "Content-Type": "application/x-amz-json-1.1"})


def turn(server: Server, op: str, seconds: float, database_pids: tuple[int, ...] = ()) -> None:
    headers = {"X-Amz-Target": TARGET + OPS[op], "Content-Type": "application/x-amz-json-1.1"}
    before = _cpu(server.proc.pid, *database_pids)
    end = time.time() + seconds
    with httpx.Client(base_url=server.url) as http:
        while time.time() < end:
            if op == "srp":
                r = _srp_sign_in(http, json.loads(server.body))
            else:
                r = http.post("/", content=server.body, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"{server.label}: {r.status_code} {r.text[:200]}")
            server.ops += 1
    server.cpu += _cpu(server.proc.pid, *database_pids) - before


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("op", choices=sorted(OPS))
    ap.add_argument("trees", nargs="+", help="source directories (src), each optionally @WORKERS")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per server per round")
    ap.add_argument("--postgres", action="store_true", help="each tree on a PostgreSQL database (scripts/postgres)")
    args = ap.parse_args()
    pg = None
    if args.postgres:
        from bench import Postgres  # bench/bench.py: this script's directory is on sys.path

        pg = Postgres(Path(tempfile.gettempdir()))  # it makes (and removes) its own cluster directory
    try:
        servers = [start(t, args.op, pg.database(f"ab_{i}") if pg else None) for i, t in enumerate(args.trees)]
        try:
            for _ in range(args.rounds):
                for s in servers:
                    turn(s, args.op, args.seconds, tuple(pg.pids()) if pg else ())
        finally:
            for s in servers:
                s.proc.terminate()
                s.proc.wait(20)
    finally:
        if pg is not None:
            pg.stop()
    rates = [s.ops / s.cpu for s in servers]
    for s, rate in zip(servers, rates, strict=True):
        print(f"{args.op}  {s.label}  {rate:,.0f} per server CPU-s  ({s.ops} calls)")
    print("ratio to the first: " + ", ".join(f"{rate / rates[0]:.2f}x" for rate in rates))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
