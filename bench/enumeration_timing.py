"""Response times of known and unknown users, with PreventUserExistenceErrors on (docs/SECURITY.md).

    python bench/enumeration_timing.py                 # starts `userpool serve` on a temp dir
    python bench/enumeration_timing.py --samples 100   # the figures docs/SECURITY.md quotes
    python bench/enumeration_timing.py --json          # the figures as JSON

Interleaved pairs (known, unknown), one attempt per user so that lockout never shortens a path,
timed from the client over loopback; medians per request. A figure, not a verdict: on a shared
machine the noise is of the size of the differences, so nothing here passes or fails. The
identical *answers* (names, messages, delivery details, lockout) are asserted by
tests/hardening/test_enumeration.py.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from client_bench import start_server

from userpool import srp

PASSWORD = "Bench-Passw0rd!"
WRONG = "Wrong-passw0rd!"
TARGET = "AWSCognitoIdentityProviderService."


def admin_client(url: str, data_dir: Path) -> Any:
    import boto3

    parser = configparser.ConfigParser()
    parser.read(data_dir / "admin-credentials")
    creds = parser["default"]
    return boto3.client(
        "cognito-idp", region_name="us-east-1", endpoint_url=url,
        aws_access_key_id=creds["aws_access_key_id"], aws_secret_access_key=creds["aws_secret_access_key"],
    )


class Pool:
    """A pool whose app client hides unknown users, and its known users."""

    def __init__(self, url: str, admin: Any) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.admin = admin
        self.pool_id = admin.create_user_pool(PoolName="enum", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
        self.client_id = admin.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName="app", PreventUserExistenceErrors="ENABLED",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def user(self) -> str:
        name = f"timing-{uuid.uuid4().hex[:8]}"
        self.admin.admin_create_user(
            UserPoolId=self.pool_id, Username=name, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}],
        )
        self.admin.admin_set_user_password(UserPoolId=self.pool_id, Username=name, Password=PASSWORD, Permanent=True)
        return name

    def call(self, op: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op}
        return self.http.post("/", content=json.dumps({"ClientId": self.client_id, **body}), headers=headers)


def cases(p: Pool) -> dict[str, Callable[[str], httpx.Response]]:
    return {
        "USER_PASSWORD_AUTH, wrong password": lambda name: p.call(
            "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": name, "PASSWORD": WRONG}}),
        "USER_SRP_AUTH challenge": lambda name: p.call(
            "InitiateAuth", {"AuthFlow": "USER_SRP_AUTH",
                             "AuthParameters": {"USERNAME": name, "SRP_A": srp.client_ephemeral().srp_a}}),
        "ForgotPassword": lambda name: p.call("ForgotPassword", {"Username": name}),
        "ConfirmForgotPassword, wrong code": lambda name: p.call(
            "ConfirmForgotPassword", {"Username": name, "ConfirmationCode": "000000", "Password": PASSWORD}),
    }


def timed(call: Callable[[str], httpx.Response], who: str) -> float:
    start = time.perf_counter()
    r = call(who)
    elapsed = time.perf_counter() - start
    if r.status_code >= 500:
        raise SystemExit(f"the server answered {r.status_code}: {r.text}")
    return elapsed


def measure(p: Pool, samples: int) -> dict[str, dict[str, float]]:
    knowns = [p.user() for _ in range(samples)]
    figures: dict[str, dict[str, float]] = {}
    for case, call in cases(p).items():
        known_t: list[float] = []
        unknown_t: list[float] = []
        for i, name in enumerate(knowns):
            pair = [(known_t, name), (unknown_t, f"ghost-{i}-{uuid.uuid4().hex[:6]}")]
            for bucket, who in pair if i % 2 else reversed(pair):  # alternate who goes first
                bucket.append(timed(call, who))
        k, u = (round(statistics.median(t) * 1000, 2) for t in (known_t, unknown_t))
        figures[case] = {"known_median_ms": k, "unknown_median_ms": u, "difference_ms": round(k - u, 2),
                         "known_stdev_ms": round(statistics.pstdev(known_t) * 1000, 2), "samples": samples}
    return figures


def table(figures: dict[str, dict[str, float]]) -> str:
    lines = ["| Request | known | unknown | difference |", "| --- | --- | --- | --- |"]
    for case, f in figures.items():
        difference = f"{f['difference_ms']:+.2f}".replace("-", "\u2212")  # a minus sign, as docs/SECURITY.md
        lines.append(f"| {case} | {f['known_median_ms']:.2f} ms | {f['unknown_median_ms']:.2f} ms | {difference} ms |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15, help="known users (and as many unknown names) per request")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = start_server(stack, "--rate-limits", "off")  # every answer is an answer, not a refusal
        admin = admin_client(url, Path(os.environ["USERPOOL_BENCH_DATA"]))
        figures = measure(Pool(url, admin), args.samples)
    print(json.dumps(figures, indent=2) if args.json else table(figures))


if __name__ == "__main__":
    main()
