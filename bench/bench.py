"""userpool's benchmark: throughput, latency and server CPU per operation, against moto's server
and cognito-local, against the physical limits of this machine, on SQLite and PostgreSQL, with
one and two workers, and at 10,000 versus 1,000,000 users. ``bench/run`` runs this.

Everything happens on loopback; every load loop stops by itself (deadline and count).
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import limits  # noqa: E402 - bench/'s own modules, found through the path set just above
import loadgen  # noqa: E402
from gencsv import write as write_csv  # noqa: E402

# Managed login's token endpoint and sign-in, and USER_AUTH: userpool's own (moto's server and
# cognito-local have no hosted endpoints and no USER_AUTH)
HOSTED_OPS = ["client_credentials", "code_exchange", "email_otp"]
OPS = ["srp", "password", "refresh", "get_user", "sign_up", *HOSTED_OPS]
OP_TITLES = {
    "srp": "SRP sign-in (2 calls)",
    "password": "USER_PASSWORD_AUTH",
    "refresh": "refresh",
    "get_user": "GetUser",
    "sign_up": "SignUp",
    "client_credentials": "client_credentials (/oauth2/token)",
    "code_exchange": "managed login sign-in + code exchange (4 requests)",
    "email_otp": "USER_AUTH EMAIL_OTP sign-in (2 calls)",
}
HOSTED_NOTES = {
    "code_exchange": ("GET /oauth2/authorize, GET /login, POST /login (username, password, CSRF field and cookie), "
                      "POST /oauth2/token with the PKCE verifier: the one argon2id verification dominates, as for USER_PASSWORD_AUTH"),
    "email_otp": "InitiateAuth USER_AUTH + RespondToAuthChallenge with the code read from the outbox by the load generator",
}
# Goals of issue 7, per server CPU-second
GOALS = {"srp": 250, "refresh": 800, "get_user": 2000}
ALL_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
REGION = "us-east-1"

#: Throughput against a peer measured in the same run: ahead of each (≥ 1x) unless issue 14 asks more.
PEER_GOALS: dict[tuple[str, str], float] = {("refresh", "moto_server"): 2.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"{what} did not come up")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and all their descendants."""
    import psutil

    total = 0.0
    seen: set[int] = set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            if p.pid in seen:
                continue
            seen.add(p.pid)
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return total


# ------------------------------------------------------------------ targets


@dataclass
class Target:
    """One server under test: how to reach it, its processes, and what it supports."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    supports: set[str]
    notes: dict[str, str] = field(default_factory=dict)
    db_pids: list[int] = field(default_factory=list)
    refresh_api: str = "InitiateAuth"
    admin: Any = None
    pool_id: str = ""
    client_id: str = ""
    data_dir: Path | None = None

    def server_cpu(self) -> float:
        return cpu_seconds([self.proc.pid])

    def db_cpu(self) -> float:
        return cpu_seconds(self.db_pids) if self.db_pids else 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def boto_admin(url: str, key: str = "bench", secret: str = "bench-secret") -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=url, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 2}))


def start_userpool(work: Path, label: str, database: str | None = None, workers: int = 1, extra_env: dict[str, str] | None = None,
                   rate_limits: str = "off") -> Target:
    data = work / f"userpool-{label}"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [sys.executable, "-m", "userpool", "serve", "--port", str(port), "--data-dir", str(data), "--workers", str(workers),
           "--rate-limits", rate_limits]  # capacity, not a rate limit, is what is measured (bench/rate_limits.py compares)
    if database:
        cmd += ["--database", database]
    env = {**os.environ, "USERPOOL_RATE_LIMITS": rate_limits, **(extra_env or {})}
    log = open(data / "server.log", "ab")  # noqa: SIM115 - held by the server process
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/", proc, f"userpool ({label})")
    if workers > 1:
        time.sleep(1.5)  # let every worker come up
    cp = configparser.ConfigParser()
    cp.read(data / "admin-credentials")
    admin = boto_admin(url, cp["default"]["aws_access_key_id"], cp["default"]["aws_secret_access_key"])
    return Target(name=f"userpool {label}", url=url, proc=proc, supports=set(OPS), admin=admin,
                  refresh_api="GetTokensFromRefreshToken", data_dir=data, notes=dict(HOSTED_NOTES))


def start_moto(work: Path) -> Target | None:
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        return None
    port = free_port()
    log = open(work / "moto.log", "ab")  # noqa: SIM115 - held by the server process
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/moto-api/", proc, "moto_server")
    return Target(name="moto_server", url=url, proc=proc, supports=set(OPS) - set(HOSTED_OPS), admin=boto_admin(url),
                  notes={"srp": "moto does not check the SRP proof (random SALT/SRP_B, any signature passes)",
                         "refresh": "moto: InitiateAuth REFRESH_TOKEN_AUTH (no GetTokensFromRefreshToken)",
                         **unsupported("moto_server")})


def start_cognito_local(work: Path) -> Target | None:
    exe = HERE / "node" / "node_modules" / ".bin" / "cognito-local"
    if not exe.exists() or shutil.which("node") is None:
        return None
    home = work / "cognito-local"
    (home / ".cognito").mkdir(parents=True, exist_ok=True)
    (home / ".cognito" / "config.json").write_text(json.dumps({"TriggerFunctions": {}, "UserPoolDefaults": {"UsernameAttributes": []}}))
    port = free_port()
    log = open(work / "cognito-local.log", "ab")  # noqa: SIM115 - held by the server process
    proc = subprocess.Popen([str(exe)], cwd=home, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1"})
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/", proc, "cognito-local")
    return Target(name="cognito-local", url=url, proc=proc, supports={"password", "refresh", "get_user", "sign_up"},
                  admin=boto_admin(url),
                  notes={"srp": "cognito-local has no USER_SRP_AUTH",
                         "refresh": "cognito-local: InitiateAuth REFRESH_TOKEN_AUTH (no GetTokensFromRefreshToken)",
                         "password": "cognito-local stores and compares passwords in plain text",
                         **unsupported("cognito-local")})


def unsupported(peer: str) -> dict[str, str]:
    """The note on the rows of the operations a peer does not implement."""
    return dict.fromkeys(HOSTED_OPS, f"not supported by {peer}")


def setup_pool(t: Target, users: int) -> list[dict[str, Any]]:
    """A pool, an app client with every flow, and ``users`` confirmed users, each signed in once
    (on userpool, with managed login and USER_AUTH's e-mailed codes too: ``setup_hosted``)."""
    admin = t.admin
    hosted = bool(t.supports & set(HOSTED_OPS))
    # PASSWORD stays a first factor: the password flows above are measured on the same pool
    policies = {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}} if hosted else {}
    pool = admin.create_user_pool(PoolName="bench", AutoVerifiedAttributes=["email"], **policies)["UserPool"]
    t.pool_id = pool["Id"]
    flows = [*ALL_FLOWS, "ALLOW_USER_AUTH"] if hosted else ALL_FLOWS
    client = admin.create_user_pool_client(UserPoolId=t.pool_id, ClientName="bench", ExplicitAuthFlows=flows)["UserPoolClient"]
    t.client_id = client["ClientId"]
    extra = setup_hosted(t) if hosted else {}
    per_worker = []
    with httpx.Client(base_url=t.url, headers={"Content-Type": "application/x-amz-json-1.1"}, timeout=60) as http:
        for i in range(users):
            name = f"bench{i}"
            admin.admin_create_user(UserPoolId=t.pool_id, Username=name, MessageAction="SUPPRESS",
                                    UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                                    {"Name": "email_verified", "Value": "true"}])
            admin.admin_set_user_password(UserPoolId=t.pool_id, Username=name, Password=loadgen.PASSWORD, Permanent=True)
            signed = loadgen.call(http, "InitiateAuth", {
                "ClientId": t.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": name, "PASSWORD": loadgen.PASSWORD}})["AuthenticationResult"]
            per_worker.append({
                "index": i, "url": t.url, "pool_id": t.pool_id, "client_id": t.client_id, "username": name,
                "password": loadgen.PASSWORD, "refresh_token": signed["RefreshToken"], "access_token": signed["AccessToken"],
                "refresh_api": t.refresh_api, **extra,
            })
    return per_worker


def setup_hosted(t: Target) -> dict[str, Any]:
    """Managed login on the bench pool: a domain, a resource server with a scope, a confidential
    machine-to-machine client (client_credentials) and a public web client (code with PKCE). The
    hosted endpoints find the pool from the client_id, so the bare address serves them."""
    admin = t.admin
    admin.create_user_pool_domain(UserPoolId=t.pool_id, Domain=f"bench-{t.pool_id.split('_')[1].lower()}")
    api = "https://api.bench.example.com"
    admin.create_resource_server(UserPoolId=t.pool_id, Identifier=api, Name="bench api",
                                 Scopes=[{"ScopeName": "jobs.run", "ScopeDescription": "run jobs"}])
    scope = f"{api}/jobs.run"
    m2m = admin.create_user_pool_client(UserPoolId=t.pool_id, ClientName="bench m2m", GenerateSecret=True,
                                        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
                                        AllowedOAuthScopes=[scope])["UserPoolClient"]
    web = admin.create_user_pool_client(UserPoolId=t.pool_id, ClientName="bench web", ExplicitAuthFlows=ALL_FLOWS,
                                        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
                                        AllowedOAuthScopes=["openid", "email"], CallbackURLs=[loadgen.CALLBACK],
                                        SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]
    return {"m2m_client_id": m2m["ClientId"], "m2m_client_secret": m2m["ClientSecret"], "m2m_scope": scope,
            "web_client_id": web["ClientId"], "outbox": str(t.data_dir / "outbox.jsonl")}  # type: ignore[operator]


# ------------------------------------------------------------------ measuring


@dataclass
class Row:
    target: str
    op: str
    throughput: float | None = None
    p50: float | None = None
    p99: float | None = None
    server_cpu: float | None = None
    db_cpu: float | None = None
    per_cpu: float | None = None
    operations: int = 0
    errors: int = 0
    note: str = ""


def measure(t: Target, op: str, workers: list[dict[str, Any]], duration: float, max_ops: int) -> Row:
    if op not in t.supports:
        return Row(t.name, op, note=t.notes.get(op, "not implemented"))
    marks: dict[str, float] = {}

    def on_start() -> None:
        marks["cpu"], marks["db"] = t.server_cpu(), t.db_cpu()

    result = loadgen.run(t.url, op, workers, duration, max_ops, on_start=on_start)
    server_cpu = t.server_cpu() - marks["cpu"]
    db_cpu = t.db_cpu() - marks["db"]
    row = Row(t.name, op, throughput=result.throughput, p50=result.percentile(50), p99=result.percentile(99),
              server_cpu=server_cpu, db_cpu=db_cpu if t.db_pids else None,
              per_cpu=result.operations / server_cpu if server_cpu > 0 else None,
              operations=result.operations, errors=result.errors, note=t.notes.get(op, ""))
    if result.errors:
        row.note = (row.note + "; " if row.note else "") + f"{result.errors} errors, first: {result.first_error}"[:300]
    elif result.operations == 0 and result.first_error:
        row.note = f"failed: {result.first_error}"[:300]
    print(f"  {t.name:28} {op:10} {row.throughput or 0:8.1f}/s  p50 {fmt_ms(row.p50)}  p99 {fmt_ms(row.p99)}  "
          f"server cpu {server_cpu:6.2f}s  per cpu-s {row.per_cpu or 0:8.1f}  errors {result.errors}", flush=True)
    return row


def fmt_ms(v: float | None) -> str:
    return f"{v * 1000:7.1f} ms" if v is not None else "    n/a   "


def start_targets(work: Path, targets: set[str], pg: Postgres | None, ops: list[str]) -> tuple[list[Target], list[Row]]:
    """Every server under test, started together (idle until its turn), and the rows of peers
    that are not installed."""
    up: list[Target] = []
    missing: list[Row] = []
    if "userpool" in targets:
        for workers in (1, 2):  # 2: the default on this machine's cores (one per core)
            up.append(start_userpool(work, f"SQLite, {workers} worker{'s' if workers > 1 else ''}", workers=workers))
    if pg is not None:
        for workers in (1, 2):
            t = start_userpool(work, f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}",
                               database=pg.database(f"bench_w{workers}"), workers=workers)
            t.db_pids = pg.pids()
            up.append(t)
    for name, starter in (("moto", start_moto), ("cognito-local", start_cognito_local)):
        if name in targets:
            other = starter(work)
            if other is None:
                missing += [Row(name if name != "moto" else "moto_server", op, note="not installed (bench/run installs it)") for op in ops]
            else:
                up.append(other)
    return up, missing


def run_interleaved(up: list[Target], args: argparse.Namespace, ops: list[str]) -> list[Row]:
    """Each operation on every target back to back, then the next operation: a shared machine's
    speed drifts over a run (seen here: 1.6x within ten minutes), so the ratios in one row's
    goal column compare measurements minutes apart at most, not a whole run apart."""
    setups = {t.name: setup_pool(t, args.clients) for t in up}
    rows: list[Row] = []
    for op in ops:
        for t in up:
            if args.profile and t.name.startswith("userpool") and op in t.supports:
                rows.append(profile(t, op, setups[t.name], args))
            else:
                rows.append(measure(t, op, setups[t.name], op_duration(op, args), args.max_ops))
    order = {t.name: i for i, t in enumerate(up)}
    return sorted(rows, key=lambda r: (order.get(r.target, len(order)), ops.index(r.op)))


def op_duration(op: str, args: argparse.Namespace) -> float:
    """Seconds to measure ``op``: the hosted ops are shorter by default, to keep a full run near 12 minutes."""
    return float(args.hosted_duration) if op in HOSTED_OPS else float(args.duration)


def profile(t: Target, op: str, workers: list[dict[str, Any]], args: argparse.Namespace) -> Row:
    """The same measurement with py-spy recording the server (--profile): flame graphs in the results dir."""
    spy = Path(sys.executable).parent / "py-spy"
    out = args.out / f"profile-{t.name.replace(' ', '_')}-{op}.txt"
    rec = subprocess.Popen([str(spy), "record", "--pid", str(t.proc.pid), "--subprocesses", "--format", "raw", "-o", str(out),
                            "--duration", str(int(op_duration(op, args)) + 2), "--rate", "200", "--nonblocking", *([] if os.environ.get("BENCH_PROFILE_ALL") else ["--gil"])],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    row = measure(t, op, workers, op_duration(op, args), args.max_ops)
    rec.wait(60)
    row.note = (row.note + "; " if row.note else "") + f"profiled: {out.name}"
    return row


# ------------------------------------------------------------------ growth


@dataclass
class Growth:
    users: int
    import_seconds: float | None = None
    upload_seconds: float | None = None
    sign_in_p50: float | None = None
    sign_in_p99: float | None = None
    list_p50: float | None = None
    list_p99: float | None = None
    bytes_per_user: float | None = None
    imported: int = 0
    note: str = ""


def import_over_http(t: Target, csv_path: Path) -> tuple[float, float, dict[str, Any]]:
    admin = t.admin
    job = admin.create_user_import_job(UserPoolId=t.pool_id, JobName="bench",
                                       CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/bench")["UserImportJob"]
    t0 = time.time()
    with csv_path.open("rb") as f:
        httpx.put(job["PreSignedUrl"], content=f, timeout=600).raise_for_status()
    upload = time.time() - t0
    t1 = time.time()
    admin.start_user_import_job(UserPoolId=t.pool_id, JobId=job["JobId"])
    deadline = time.time() + 1800
    while time.time() < deadline:
        got = admin.describe_user_import_job(UserPoolId=t.pool_id, JobId=job["JobId"])["UserImportJob"]
        if got["Status"] in ("Succeeded", "Failed", "Stopped"):
            return upload, time.time() - t1, got
        time.sleep(0.25)
    raise RuntimeError("import did not finish in 30 minutes")


def db_bytes(data_dir: Path) -> int:
    return sum((data_dir / n).stat().st_size for n in ("userpool.db", "userpool.db-wal") if (data_dir / n).exists())


def growth(work: Path, users: int, args: argparse.Namespace) -> Growth:
    """A fresh SQLite server; ``users`` imported over the import-job API plus one user with a
    password among them; then sign-in and ListUsers (indexed filters) latencies."""
    t = start_userpool(work, f"growth-{users}")
    g = Growth(users)
    try:
        workers = setup_pool(t, 1)
        before = db_bytes(t.data_dir)  # type: ignore[arg-type]
        csv_path = work / f"users-{users}.csv"
        write_csv(str(csv_path), users)
        g.upload_seconds, g.import_seconds, job = import_over_http(t, csv_path)
        g.imported = int(job.get("ImportedUsers", 0))
        if job["Status"] != "Succeeded":
            g.note = f"import {job['Status']}: {job.get('CompletionMessage')}"
        subprocess.run([sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)')",
                        str(t.data_dir / "userpool.db")], check=False, timeout=600)  # type: ignore[operator]
        g.bytes_per_user = (db_bytes(t.data_dir) - before) / max(1, g.imported)  # type: ignore[arg-type]
        n = args.growth_samples
        sign_in = loadgen.run(t.url, "srp", workers, args.duration * 2, n)
        g.sign_in_p50, g.sign_in_p99 = sign_in.percentile(50), sign_in.percentile(99)
        lw = dict(workers[0])
        mid = users // 2
        lw["filters"] = [f'email = "user{(mid + 7919 * k) % users:07d}@example.com"' for k in range(50)] + \
                        [f'username ^= "user{(mid + 7919 * k) % users:07d}"' for k in range(50)]
        lw["sign"] = _signer(t)
        listed = loadgen.run(t.url, "list_users", [lw], args.duration * 2, n)
        g.list_p50, g.list_p99 = listed.percentile(50), listed.percentile(99)
        if listed.errors or sign_in.errors:
            g.note += f" errors: sign-in {sign_in.errors} ({sign_in.first_error}), list {listed.errors} ({listed.first_error})"
        print(f"  growth {users:>9,} users: import {g.import_seconds:.1f}s, sign-in p99 {fmt_ms(g.sign_in_p99)}, "
              f"ListUsers p99 {fmt_ms(g.list_p99)}, {g.bytes_per_user:.0f} B/user", flush=True)
    finally:
        t.stop()
    return g


def _signer(t: Target) -> Any:
    """A function that SigV4-signs a ListUsers body with the server's admin key (for the load workers)."""
    creds = t.admin._request_signer._credentials
    key, secret = creds.access_key, creds.secret_key
    url = t.url

    def sign(body: bytes) -> dict[str, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        req = AWSRequest("POST", url + "/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": loadgen.TARGET + "ListUsers"})
        SigV4Auth(Credentials(key, secret), "cognito-idp", REGION).add_auth(req)
        return dict(req.headers.items())

    return sign


# ------------------------------------------------------------------ PostgreSQL


class Postgres:
    def __init__(self, work: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="userpool-bench-pg-"))
        self.url = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", str(self.dir), str(free_port())],
                                  check=True, capture_output=True, text=True).stdout.strip()

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + "/" + name

    def pids(self) -> list[int]:
        pidfile = self.dir / "data" / "postmaster.pid"
        return [int(pidfile.read_text().split()[0])] if pidfile.exists() else []

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(self.dir)], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------ the table


def limits_per_op(lim: dict[str, float]) -> dict[str, tuple[float, str]]:
    """Per CPU-second, the most an operation could do if its crypto were all it did."""
    rsa, modexp, argon = lim["rsa2048_sign"], lim["srp_modexp"], lim["argon2id_verify"]
    return {
        "srp": (1 / (3 / modexp + 2 / rsa), "3 modexp + 2 RSA signatures"),
        "password": (argon, "1 argon2id verification (goal: 80%)"),
        "refresh": (rsa / 2, "2 RSA signatures"),
        "get_user": (lim["rsa2048_verify"], "1 RSA verification"),
        "sign_up": (1 / (1 / argon + 1 / modexp), "1 argon2id hash + 1 modexp (SRP verifier)"),
        "client_credentials": (rsa, "1 RSA signature (access token)"),
        "code_exchange": (1 / (1 / argon + 2 / rsa), "1 argon2id verification + 2 RSA signatures"),
        "email_otp": (rsa / 2, "2 RSA signatures"),
    }


def render(rows: list[Row], lim: dict[str, float], growth_rows: list[Growth], meta: dict[str, Any]) -> str:
    per_op = limits_per_op(lim)
    out = []
    out.append(f"userpool benchmark — {meta['date']} — {meta['machine']}")
    hosted = f" ({meta['hosted_duration']} s for {', '.join(HOSTED_OPS)})" if meta["hosted_duration"] != meta["duration"] else ""
    out.append(f"load: {meta['clients']} client processes x {meta['duration']} s per measurement{hosted}; "
               f"load average before: {meta['load_before']}, after: {meta['load_after']}")
    out.append("")
    out.append("Physical limits (per CPU-second, measured in this run):")
    out.append(f"  RSA-2048 signatures/s {lim['rsa2048_sign']:,.0f}; RSA-2048 verifications/s {lim['rsa2048_verify']:,.0f}; "
               f"SRP 3072-bit modexp/s {lim['srp_modexp']:,.0f} (CPython pow: {lim['srp_modexp_cpython']:,.0f}); "
               f"argon2id verifications/s {lim['argon2id_verify']:,.1f}")
    out.append("")
    head = "| target | operation | ops/s | p50 ms | p99 ms | ops per server CPU-s | of limit | goal | notes |"
    out.append(head)
    out.append("|" + "---|" * 9)
    baseline: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.target in ("moto_server", "cognito-local") and r.throughput:
            baseline.setdefault(r.op, {})[r.target] = r.throughput
    for r in rows:
        if r.throughput is None:
            out.append(f"| {r.target} | {OP_TITLES[r.op]} | n/a | | | | | | {r.note} |")
            continue
        limit = per_op[r.op][0]
        frac = f"{r.per_cpu / limit:.0%}" if r.per_cpu and r.target.startswith("userpool") else ""
        goal = ""
        if r.target.startswith("userpool"):
            bits = []
            if r.op in GOALS:
                bits.append(f"≥{GOALS[r.op]}/CPU-s {'✔' if (r.per_cpu or 0) >= GOALS[r.op] else '✘'}")
            if r.op == "password" and r.per_cpu:
                ratio = r.per_cpu / lim["argon2id_verify"]
                bits.append(f"{ratio:.0%} of argon2id {'✔' if ratio >= 0.8 else '✘'}")
            for other, tp in baseline.get(r.op, {}).items():
                want = PEER_GOALS.get((r.op, other), 1.0)
                bits.append(f"{r.throughput / tp:.1f}x {other.split('_')[0]} (≥{want:g}x) {'✔' if r.throughput >= want * tp else '✘'}")
            goal = "; ".join(bits)
        db = f" (+ PostgreSQL {r.db_cpu:.2f} CPU-s)" if r.db_cpu else ""
        per_cpu = f"{r.per_cpu:,.0f}{db}" if r.per_cpu else "n/a"
        out.append(f"| {r.target} | {OP_TITLES[r.op]} | {r.throughput:,.1f} | {ms(r.p50)} | {ms(r.p99)} | {per_cpu} | {frac} | {goal} | {r.note} |")
    if growth_rows:
        out.append("")
        out.append("| users (SQLite) | import (upload) | SRP sign-in p50 / p99 ms | ListUsers filter p50 / p99 ms | DB bytes per user | notes |")
        out.append("|---|---|---|---|---|---|")
        for g in growth_rows:
            imp = f"{g.import_seconds:.1f} s ({g.upload_seconds:.1f} s), {g.imported / g.import_seconds:,.0f} users/s" if g.import_seconds else "n/a"
            out.append(f"| {g.users:,} | {imp} | {ms(g.sign_in_p50)} / {ms(g.sign_in_p99)} | {ms(g.list_p50)} / {ms(g.list_p99)} | "
                       f"{g.bytes_per_user or 0:,.0f} | {g.note} |")
        if len(growth_rows) == 2 and growth_rows[0].sign_in_p99 and growth_rows[1].sign_in_p99:
            ratio = growth_rows[1].sign_in_p99 / growth_rows[0].sign_in_p99
            out.append("")
            out.append(f"sign-in p99 at {growth_rows[1].users:,} vs {growth_rows[0].users:,} users: {ratio:.2f}x "
                       f"(goal ≤ 1.5x {'✔' if ratio <= 1.5 else '✘'}); import of {growth_rows[1].users:,} users: "
                       f"{growth_rows[1].import_seconds or 0:.0f} s (goal for 1,000,000: < 300 s)")
    return "\n".join(out)


def ms(v: float | None) -> str:
    return f"{v * 1000:.1f}" if v is not None else "n/a"


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes and short durations (CI)")
    ap.add_argument("--duration", type=float, default=None, help="seconds per measurement (default 10; quick 1)")
    ap.add_argument("--hosted-duration", type=float, default=None,
                    help=f"seconds per measurement of {', '.join(HOSTED_OPS)} (default: --duration, at most 5)")
    ap.add_argument("--clients", type=int, default=None, help="load-generator processes (default 4; quick 2)")
    ap.add_argument("--max-ops", type=int, default=None, help="operations per client process at most")
    ap.add_argument("--targets", default="userpool,postgres,moto,cognito-local",
                    help="comma-separated: userpool (SQLite, 1 and 2 workers), postgres (1 and 2 workers), moto, cognito-local")
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--growth", default=None, help="user counts for the growth runs (default 10000,1000000; quick 300,3000; 'none' to skip)")
    ap.add_argument("--growth-samples", type=int, default=None, help="sign-ins and ListUsers calls per growth point")
    ap.add_argument("--profile", action="store_true", help="record each userpool measurement with py-spy")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    args.duration = args.duration or (1.0 if args.quick else 10.0)
    args.hosted_duration = args.hosted_duration or min(args.duration, 5.0)
    args.clients = args.clients or (2 if args.quick else 4)
    args.max_ops = args.max_ops or (500 if args.quick else 1_000_000)
    args.growth_samples = args.growth_samples or (40 if args.quick else 400)
    growth_sizes = [] if args.growth == "none" else [int(x) for x in (args.growth or ("300,3000" if args.quick else "10000,1000000")).split(",")]
    targets = set(args.targets.split(","))
    ops = [o for o in args.ops.split(",") if o]
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="userpool-bench-"))
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "clients": args.clients, "duration": args.duration, "hosted_duration": args.hosted_duration, "load_before": _load(),
    }
    print(f"userpool bench: {meta['machine']}; load average {meta['load_before']}; work dir {work}", flush=True)
    lim_seconds = 0.3 if args.quick else 2.0
    lim = limits.measure(lim_seconds)
    lim["rsa2048_verify"] = limits.rsa_verifications_per_second(lim_seconds)
    lim["srp_modexp_cpython"] = limits.srp_modexps_per_second(lim_seconds, cpython=True)
    print("  limits: " + ", ".join(f"{k} {v:,.1f}/s" for k, v in lim.items()), flush=True)
    rows: list[Row] = []
    pg: Postgres | None = None
    up: list[Target] = []
    try:
        if "postgres" in targets:
            try:
                pg = Postgres(work)
            except (subprocess.CalledProcessError, OSError) as exc:
                print(f"  PostgreSQL unavailable: {exc}", flush=True)
        up, rows = start_targets(work, targets, pg, ops)
        rows += run_interleaved(up, args, ops)
        for t in up:
            t.stop()
        growth_rows = [growth(work, n, args) for n in growth_sizes]
    finally:
        for t in up:
            t.stop()
        if pg is not None:
            pg.stop()
    meta["load_after"] = _load()
    table = render(rows, lim, growth_rows, meta)
    print()
    print(table)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"bench-{stamp}.md").write_text(table + "\n")
    (args.out / f"bench-{stamp}.json").write_text(json.dumps({
        "meta": meta, "limits": lim, "rows": [r.__dict__ for r in rows], "growth": [g.__dict__ for g in growth_rows]}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    raise SystemExit(main())
