"""Client benchmark: cached ``fetch_auth_session()`` calls per second, and the cost of a refresh.

    python bench/client_bench.py                      # starts `userpool serve` on a temp dir
    python bench/client_bench.py --endpoint URL --user-pool-id ID --client-id ID \
        --username U --password P                     # against a running server (or Cognito)

Bounded in time: each measurement runs for ``--seconds`` (default 2) or ``--refreshes``
iterations (default 30), and a server it started is stopped at the end.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from userpool.auth import AuthClient, FileStore, MemoryStore, TokenStore

PASSWORD = "Bench-Passw0rd!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(stack: ExitStack, *serve_args: str) -> str:
    """A ``userpool serve`` for one benchmark; rate limits off unless ``serve_args`` say otherwise:
    the benchmark signs one user in again and again, and capacity, not a limit, is measured."""
    if "--rate-limits" not in serve_args:
        serve_args = ("--rate-limits", "off", *serve_args)
    data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="userpool-bench-")))
    port = _free_port()
    with open(data / "server.log", "wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "userpool", "serve", "--port", str(port), "--data-dir", str(data), *serve_args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

    stack.callback(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise SystemExit("userpool serve did not start")
    os.environ["USERPOOL_BENCH_DATA"] = str(data)
    return url


def provision(url: str) -> dict[str, str]:
    import boto3

    parser = configparser.ConfigParser()
    parser.read(Path(os.environ["USERPOOL_BENCH_DATA"]) / "admin-credentials")
    creds = parser["default"]
    admin = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=creds["aws_access_key_id"],
        aws_secret_access_key=creds["aws_secret_access_key"],
    )
    pool_id = admin.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client_id = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="bench",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    username = f"bench-{uuid.uuid4().hex[:6]}"
    admin.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    admin.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    return {"user_pool_id": pool_id, "client_id": client_id, "username": username, "password": PASSWORD}


def cached_calls_per_second(client: AuthClient, seconds: float) -> float:
    client.fetch_auth_session()
    calls, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(200):
            client.fetch_auth_session()
        calls += 200
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def timings_ms(fn: Any, n: int, budget: float) -> list[float]:
    out: list[float] = []
    stop = time.perf_counter() + budget
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > stop:
            break
    return out


def raw_refresh(url: str, client_id: str, refresh_token: str) -> Any:
    """The reference: one bare GetTokensFromRefreshToken round trip (httpx, no client machinery)."""
    http = httpx.Client(base_url=url)
    body = json.dumps({"ClientId": client_id, "RefreshToken": refresh_token})
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
    }

    def call() -> None:
        http.post("/", content=body, headers=headers).raise_for_status()

    return call


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint")
    ap.add_argument("--user-pool-id")
    ap.add_argument("--client-id")
    ap.add_argument("--username")
    ap.add_argument("--password")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--refreshes", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        if args.endpoint:
            url = args.endpoint
            target = {
                "user_pool_id": args.user_pool_id,
                "client_id": args.client_id,
                "username": args.username,
                "password": args.password,
            }
            if not all(target.values()):
                ap.error("--endpoint needs --user-pool-id, --client-id, --username and --password")
        else:
            url = start_server(stack)
            target = provision(url)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="userpool-bench-store-")))
        stores: dict[str, TokenStore] = {"memory": MemoryStore(), "file": FileStore(tmp / "tokens.json")}
        for name, store in stores.items():
            client = stack.enter_context(
                AuthClient(
                    user_pool_id=target["user_pool_id"],
                    client_id=target["client_id"],
                    endpoint=url,
                    storage=store,
                )
            )
            client.sign_in(target["username"], target["password"])
            results[f"cached_fetch_auth_session_per_s[{name}]"] = round(
                cached_calls_per_second(client, args.seconds)
            )
            results[f"refresh[{name}]"] = summary(
                timings_ms(
                    lambda c=client: c.fetch_auth_session(force_refresh=True),
                    args.refreshes,
                    args.seconds * 5,
                )
            )
            if name == "memory":
                stored = client.context.tokens.load()
                assert stored is not None and stored.refresh_token
                reference = summary(
                    timings_ms(raw_refresh(url, target["client_id"], stored.refresh_token), args.refreshes, args.seconds * 5)
                )
                results["reference: raw GetTokensFromRefreshToken round trip"] = reference
            client.sign_out()
        probe = stack.enter_context(
            AuthClient(user_pool_id=target["user_pool_id"], client_id=target["client_id"], endpoint=url)
        )

        def srp_sign_in() -> None:
            probe.sign_in(target["username"], target["password"])
            probe.context.tokens.clear()

        results["sign_in_srp"] = summary(timings_ms(srp_sign_in, 10, args.seconds * 5))
    reference_ms = results["reference: raw GetTokensFromRefreshToken round trip"]["median_ms"]
    results["ratio: client refresh / raw round trip [memory]"] = round(results["refresh[memory]"]["median_ms"] / reference_ms, 2)
    results["ratio: cached read / raw round trip (times cheaper) [memory]"] = round(
        results["cached_fetch_auth_session_per_s[memory]"] * reference_ms / 1000
    )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"endpoint: {'given' if args.endpoint else 'userpool serve (SQLite, temp dir), started by the script'}"
    )
    for key, value in results.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
