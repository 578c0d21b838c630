"""GET /metrics (Prometheus' text format, read back by prometheus-client's own parser),
/healthz and /readyz, on real servers."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PASSWORD, ROOT, RunningServer, create_pool, free_port, new_pg_database
from userpool.server import metrics


def scrape(server: RunningServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the server's /metrics, parsed: (name, sorted labels) -> value."""
    r = httpx.get(server.url + "/metrics", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def own_server(tmp_path: Path) -> Any:
    srv = RunningServer(tmp_path / "srv", "--rate-limits", "default")
    srv.start()
    yield srv
    srv.stop()


def _password_auth(srv: RunningServer, pool: dict[str, Any], username: str, password: str) -> Any:
    return srv.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": username, "PASSWORD": password})


def test_metrics_count_requests_sign_ins_refreshes_lockouts_and_limits(own_server: RunningServer) -> None:
    srv = own_server
    pool = create_pool(srv)
    admin = srv.admin
    for name in ("pat", "sam"):
        admin.admin_create_user(UserPoolId=pool["pool_id"], Username=name, MessageAction="SUPPRESS")
        admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=name, Password=PASSWORD, Permanent=True)
    tokens = _password_auth(srv, pool, "pat", PASSWORD)["AuthenticationResult"]
    srv.public.get_user(AccessToken=tokens["AccessToken"])
    srv.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH",
                             AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    with pytest.raises(srv.public.exceptions.NotAuthorizedException):
        srv.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": "nope"})
    refused = 0
    for _ in range(11):  # 5 wrong passwords lock sam out; the 11th guess meets the per-user limit
        try:
            _password_auth(srv, pool, "sam", "Wrong-1")
        except srv.public.exceptions.TooManyRequestsException:
            refused += 1
        except srv.public.exceptions.NotAuthorizedException:
            pass
    assert refused == 1
    m = scrape(srv)
    assert value(m, "userpool_requests_total", operation="InitiateAuth", outcome="ok") == 2
    assert value(m, "userpool_requests_total", operation="InitiateAuth", outcome="NotAuthorizedException") == 11
    throttled = value(m, "userpool_requests_total", operation="InitiateAuth", outcome="TooManyRequestsException")
    assert throttled >= 1  # boto3 retries a throttled request itself: each try is counted
    assert value(m, "userpool_requests_total", operation="GetUser", outcome="ok") == 1
    assert value(m, "userpool_request_duration_seconds_count", operation="GetUser") == 1
    assert value(m, "userpool_request_duration_seconds_bucket", operation="GetUser", le="+Inf") == 1
    assert value(m, "userpool_sign_ins_total", outcome="success") == 1
    assert value(m, "userpool_sign_ins_total", outcome="failure") >= 5
    assert value(m, "userpool_lockouts_total") >= 1
    assert value(m, "userpool_token_refreshes_total", outcome="success") == 1
    assert value(m, "userpool_token_refreshes_total", outcome="failure") == 1
    assert value(m, "userpool_rate_limited_requests_total", rule="guess_per_user") == throttled
    assert value(m, "userpool_db_pool_capacity") > 0
    assert ("userpool_db_connections_in_use", ()) in m


def test_metrics_count_import_rows(server: RunningServer) -> None:
    pool = create_pool(server)
    before = value(scrape(server), "userpool_import_rows_total", result="imported")
    job = server.admin.create_user_import_job(UserPoolId=pool["pool_id"], JobName="m", CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/x")
    header = ["cognito:username", "email", "email_verified", "cognito:mfa_enabled"]
    rows = "\n".join([",".join(header)] + [f"m{i},m{i}@example.com,true,false" for i in range(7)]) + "\n"
    httpx.put(job["UserImportJob"]["PreSignedUrl"], content=rows.encode()).raise_for_status()
    server.admin.start_user_import_job(UserPoolId=pool["pool_id"], JobId=job["UserImportJob"]["JobId"])
    deadline = time.time() + 30
    while time.time() < deadline:
        d = server.admin.describe_user_import_job(UserPoolId=pool["pool_id"], JobId=job["UserImportJob"]["JobId"])["UserImportJob"]
        if d["Status"] == "Succeeded":
            break
        time.sleep(0.2)
    assert value(scrape(server), "userpool_import_rows_total", result="imported") == before + 7


def test_metrics_off_and_who_may_read(tmp_path: Path) -> None:
    srv = RunningServer(tmp_path / "srv", "--metrics", "off")
    srv.start()
    try:
        assert httpx.get(srv.url + "/metrics").status_code == 404
    finally:
        srv.stop()
    assert metrics.may_read("loopback", "127.0.0.1") and metrics.may_read("loopback", "::1")
    assert not metrics.may_read("loopback", "10.1.2.3") and not metrics.may_read("loopback", None)
    assert not metrics.may_read("loopback", "testclient")
    assert metrics.may_read("open", "10.1.2.3") and not metrics.may_read("off", "127.0.0.1")
    r = subprocess.run([sys.executable, "-m", "userpool", "serve", "--metrics", "public"], capture_output=True, text=True,
                       check=False, cwd=tmp_path)
    assert r.returncode == 2 and "--metrics must be" in r.stderr


@pytest.mark.postgres
def test_two_workers_add_up_in_one_scrape(tmp_path: Path, postgres_url: str) -> None:
    """--workers 2: each scrape lands on one worker, and each shows both workers' counts."""
    srv = RunningServer(tmp_path / "srv", "--database", new_pg_database(postgres_url), "--workers", "2")
    srv.start()
    try:
        for _ in range(12):
            httpx.post(srv.url + "/", headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser",
                                               "Content-Type": "application/x-amz-json-1.1"}, content=b'{"AccessToken": "a.b.c"}')
        seen = {value(scrape(srv), "userpool_requests_total", operation="GetUser", outcome="NotAuthorizedException") for _ in range(6)}
        assert seen == {12.0}
        assert (tmp_path / "srv" / "metrics").is_dir()
    finally:
        srv.stop()


def test_healthz_and_readyz_follow_the_schema(tmp_path: Path) -> None:
    srv = RunningServer(tmp_path / "srv")
    srv.start()
    try:
        assert httpx.get(srv.url + "/healthz").json() == {"service": "userpool", "status": "ok"}
        r = httpx.get(srv.url + "/readyz")
        assert (r.status_code, r.json()) == (200, {"status": "ready", "database": "ok", "migrations": "ok"})
        import sqlite3

        with sqlite3.connect(tmp_path / "srv" / "userpool.db") as conn:
            (head,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            conn.execute("UPDATE alembic_version SET version_num = '0001'")  # as if a migration were still due
        r = httpx.get(srv.url + "/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "not ready", "database": "ok", "migrations": f"database at 0001, code at {head}"}
        assert httpx.get(srv.url + "/healthz").status_code == 200
    finally:
        srv.stop()


@pytest.mark.postgres
def test_readyz_is_false_while_the_database_is_down(tmp_path: Path) -> None:
    """A PostgreSQL server of its own, stopped under a running userpool server and started again."""
    script = str(ROOT / "scripts" / "postgres")
    cluster = tempfile.mkdtemp(prefix="userpool-pg-ready-")
    port = str(free_port())
    url = subprocess.run([script, "start", cluster, port], check=True, capture_output=True, text=True).stdout.strip()
    srv = RunningServer(tmp_path / "srv", "--database", url)
    try:
        srv.start()
        assert httpx.get(srv.url + "/readyz").status_code == 200
        subprocess.run([script, "stop", cluster], check=True, capture_output=True)
        r = httpx.get(srv.url + "/readyz", timeout=30)
        assert (r.status_code, r.json()["database"]) == (503, "unreachable")
        assert httpx.get(srv.url + "/healthz").status_code == 200  # the process itself is fine
        subprocess.run([script, "start", cluster, port], check=True, capture_output=True)
        assert httpx.get(srv.url + "/readyz", timeout=30).status_code == 200
    finally:
        srv.stop()
        subprocess.run([script, "stop", cluster], check=False, capture_output=True)
