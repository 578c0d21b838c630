"""CSV user import jobs (Cognito's CreateUserImportJob ... flow) and `userpool users import/export`."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_DATABASE, RunningServer, create_pool, new_pg_database

ROLE = "arn:aws:iam::123456789012:role/CognitoImport"


def _csv(rows: list[dict[str, str]], header: list[str]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode()


def _user(username: str, **extra: str) -> dict[str, str]:
    return {"cognito:username": username, "email": f"{username}@example.com", "email_verified": "true", "cognito:mfa_enabled": "false", **extra}


def _wait(server: RunningServer, pool_id: str, job_id: str, until: tuple[str, ...] = ("Succeeded", "Failed", "Stopped")) -> dict[str, Any]:
    deadline = time.time() + 60
    while time.time() < deadline:
        job = server.admin.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"]
        if job["Status"] in until:
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job stuck in {job['Status']}")


def _own_server(tmp_path: Any, request: Any) -> RunningServer:
    """A server of this test's own, on the database the suite runs on (USERPOOL_TEST_DATABASE)."""
    args = ["--database", new_pg_database(request.getfixturevalue("postgres_url"))] if TEST_DATABASE == "postgres" else []
    return RunningServer(tmp_path / "data", *args)


def _import(server: RunningServer, pool_id: str, body: bytes) -> dict[str, Any]:
    job = server.admin.create_user_import_job(UserPoolId=pool_id, JobName="test", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    assert job["Status"] == "Created"
    r = httpx.put(job["PreSignedUrl"], content=body, headers={"x-amz-server-side-encryption": "aws:kms"})
    assert r.status_code == 200, r.text
    started = server.admin.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert started["Status"] in ("Pending", "InProgress", "Succeeded")
    return _wait(server, pool_id, job["JobId"])


def test_csv_header_lists_the_pool_attributes_then_cognito_columns(server, pool):
    header = server.admin.get_csv_header(UserPoolId=pool["pool_id"])
    assert header["UserPoolId"] == pool["pool_id"]
    columns = header["CSVHeader"]
    assert columns[:3] == ["name", "given_name", "family_name"]
    assert columns[-2:] == ["cognito:mfa_enabled", "cognito:username"]
    assert "email_verified" in columns and "sub" not in columns


def test_import_job_end_to_end_users_must_reset_their_password(server, pool):
    header = server.admin.get_csv_header(UserPoolId=pool["pool_id"])["CSVHeader"]
    rows = [_user(f"imp{i}", given_name=f"G{i}") for i in range(30)]
    job = _import(server, pool["pool_id"], _csv(rows, header))
    assert job["Status"] == "Succeeded", job
    assert (job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == (30, 0, 0)
    assert job["CompletionDate"] >= job["StartDate"] >= job["CreationDate"]

    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username="imp7")
    assert got["UserStatus"] == "RESET_REQUIRED"
    attrs = {a["Name"]: a["Value"] for a in got["UserAttributes"]}
    assert attrs["email"] == "imp7@example.com" and attrs["given_name"] == "G7" and len(attrs["sub"]) == 36
    listed = server.admin.list_users(UserPoolId=pool["pool_id"], Filter='email = "imp3@example.com"')["Users"]
    assert [u["Username"] for u in listed] == ["imp3"]

    pub = server.public
    with pytest.raises(pub.exceptions.PasswordResetRequiredException):
        pub.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "imp7", "PASSWORD": "Whatever1!"})
    pub.forgot_password(ClientId=pool["client_id"], Username="imp7")
    code = server.last_code("imp7")
    pub.confirm_forgot_password(ClientId=pool["client_id"], Username="imp7", ConfirmationCode=code, Password="N3w-passw0rd!")
    signed = pub.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "imp7", "PASSWORD": "N3w-passw0rd!"})
    assert "AccessToken" in signed["AuthenticationResult"]


def test_existing_users_are_skipped_and_bad_rows_fail(server, pool, make_user):
    make_user(pool, "already")
    header = ["cognito:username", "email", "email_verified", "phone_number", "cognito:mfa_enabled"]
    rows = [
        _user("fresh1"),
        _user("already"),                                   # skipped: exists
        _user("fresh1"),                                    # failed: twice in the file
        _user("bademail", email="not-an-email"),            # failed: format
        _user("unverified", email_verified="false"),        # failed: no auto-verified attribute verified
        _user("badphone", phone_number="12345"),            # failed: format
        _user("fresh2", phone_number="+15550001111"),
    ]
    job = _import(server, pool["pool_id"], _csv(rows, header))
    assert job["Status"] == "Succeeded"
    assert (job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == (2, 1, 4)


def test_a_bad_header_fails_the_job(server, pool):
    body = b"cognito:username,shoe_size,cognito:mfa_enabled\nx,42,false\n"
    job = _import(server, pool["pool_id"], body)
    assert job["Status"] == "Failed"
    assert "shoe_size" in job["CompletionMessage"]


def test_presigned_url_is_checked_and_job_states_are_enforced(server, pool):
    admin = server.admin
    job = admin.create_user_import_job(UserPoolId=pool["pool_id"], JobName="j", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    forged = job["PreSignedUrl"].rsplit("sig=", 1)[0] + "sig=" + "0" * 64
    assert httpx.put(forged, content=b"x").status_code == 403
    with pytest.raises(admin.exceptions.PreconditionNotMetException):  # nothing uploaded yet
        admin.start_user_import_job(UserPoolId=pool["pool_id"], JobId=job["JobId"])
    with pytest.raises(admin.exceptions.PreconditionNotMetException):  # not running
        admin.stop_user_import_job(UserPoolId=pool["pool_id"], JobId=job["JobId"])
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.describe_user_import_job(UserPoolId=pool["pool_id"], JobId="import-doesnotexist")
    listed = admin.list_user_import_jobs(UserPoolId=pool["pool_id"], MaxResults=10)["UserImportJobs"]
    assert job["JobId"] in [j["JobId"] for j in listed]
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.create_user_import_job(UserPoolId=pool["pool_id"], JobName="j", CloudWatchLogsRoleArn=ROLE, PasswordHashingAlgorithm="BCRYPT")


def _uploaded_pending_job(srv: RunningServer, tmp_path: Any, rows: int) -> tuple[dict[str, Any], Any, str]:
    """A job with ``rows`` users uploaded and marked Pending in the database, but no runner
    started: the test decides when (and whether) one runs. Returns (pool, database, job id)."""
    from userpool.server.db import Database, ImportJob, sqlite_url
    from userpool.server.import_jobs import jobs

    pool = create_pool(srv)
    header = ["cognito:username", "email", "email_verified", "cognito:mfa_enabled"]
    job = srv.admin.create_user_import_job(UserPoolId=pool["pool_id"], JobName="s", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    httpx.put(job["PreSignedUrl"], content=_csv([_user(f"st{i}") for i in range(rows)], header)).raise_for_status()
    database = Database(srv.database_url or sqlite_url(tmp_path / "data"))
    with database.transaction() as db:
        db.get(ImportJob, job["JobId"]).status = jobs.PENDING
    return pool, database, job["JobId"]


def test_stop_a_pending_job(tmp_path, request):
    """Pending, no runner holding it: StopUserImportJob stops it at once, nothing imported."""
    srv = _own_server(tmp_path, request)
    srv.start()
    try:
        pool, _database, job_id = _uploaded_pending_job(srv, tmp_path, 20)
        stopped = srv.admin.stop_user_import_job(UserPoolId=pool["pool_id"], JobId=job_id)["UserImportJob"]
        assert stopped["Status"] == "Stopped"
        final = _wait(srv, pool["pool_id"], job_id, ("Stopped",))
        assert (final["ImportedUsers"], final["CompletionMessage"]) == (0, "Import Job Stopped.")
        with pytest.raises(srv.admin.exceptions.PreconditionNotMetException):  # stopped is final
            srv.admin.stop_user_import_job(UserPoolId=pool["pool_id"], JobId=job_id)
    finally:
        srv.stop()


def test_stop_a_running_job_at_its_next_batch(tmp_path, request, monkeypatch):
    """A runner holding the job's lease: StopUserImportJob marks it Stopping, and the runner
    stops at its next batch with what it committed so far (stopped over the wire after the
    first batch, so the timing is the test's, not a race)."""
    from userpool.server.import_jobs import runner

    srv = _own_server(tmp_path, request)
    srv.start()
    try:
        pool, database, job_id = _uploaded_pending_job(srv, tmp_path, 120)
        monkeypatch.setattr(runner, "BATCH", 50)
        seen: list[str] = []

        def stop_after_first_batch(progress: runner.Progress) -> None:
            if not seen:
                job = srv.admin.stop_user_import_job(UserPoolId=pool["pool_id"], JobId=job_id)["UserImportJob"]
                seen.append(job["Status"])

        runner.run(database, job_id, runner="test-runner", progress=stop_after_first_batch)
        assert seen == ["Stopping"]
        final = _wait(srv, pool["pool_id"], job_id, ("Stopped",))
        assert (final["ImportedUsers"], final["CompletionMessage"]) == (50, "Import Job Stopped.")
    finally:
        srv.stop()


def test_cli_import_and_export_round_trip(tmp_path, request):
    srv = _own_server(tmp_path, request)
    srv.start()
    try:
        pool = create_pool(srv)
    finally:
        srv.stop()
    header = ["cognito:username", "email", "email_verified", "name", "cognito:mfa_enabled"]
    src = tmp_path / "in.csv"
    src.write_bytes(_csv([_user(f"cli{i}", name=f"Name, {i}") for i in range(50)] + [_user("bad", email="x")], header))
    cmd = [sys.executable, "-m", "userpool", "users"]
    where = ["--data-dir", str(tmp_path / "data"), *(["--database", srv.database_url] if srv.database_url else [])]
    r = subprocess.run([*cmd, "import", str(src), "--pool", pool["pool_id"], *where],
                       check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "imported 50" in r.stderr and "failed 1" in r.stderr
    out = tmp_path / "out.csv"
    r = subprocess.run([*cmd, "export", "--pool", pool["pool_id"], *where, "--out", str(out)],
                       check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    exported = list(csv.DictReader(out.open()))
    assert len(exported) == 50
    assert {e["cognito:username"] for e in exported} == {f"cli{i}" for i in range(50)}
    assert exported[0]["name"].startswith("Name, ")
    # re-importing the export skips every user
    r = subprocess.run([*cmd, "import", str(out), "--pool", pool["pool_id"], *where],
                       check=False, capture_output=True, text=True, timeout=120)
    assert "skipped 50" in r.stderr, r.stderr


def test_a_job_whose_runner_died_is_resumed_by_any_process(tmp_path, request):
    """Half a job committed by a runner that is gone: describing the job resumes it, without duplicates."""
    from userpool.server.db import Database, ImportJob, sqlite_url
    from userpool.server.import_jobs import jobs
    from userpool.server.import_jobs import runner as imports

    srv = _own_server(tmp_path, request)
    srv.start()
    pool = create_pool(srv)
    header = ["cognito:username", "email", "email_verified", "cognito:mfa_enabled"]
    rows = [_user(f"r{i}") for i in range(120)]
    job = srv.admin.create_user_import_job(UserPoolId=pool["pool_id"], JobName="r", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    httpx.put(job["PreSignedUrl"], content=_csv(rows, header)).raise_for_status()
    database = Database(srv.database_url or sqlite_url(tmp_path / "data"))
    # a runner in another process that did 50 rows and died: import them the way it would have
    part = tmp_path / "part.csv"
    part.write_bytes(_csv(rows[:50], header))
    with database.transaction() as db:
        db.get(ImportJob, job["JobId"]).status = jobs.PENDING
    old_batch = imports.BATCH
    imports.BATCH = 50
    try:
        calls = []

        def die(p: imports.Progress) -> None:
            calls.append(p)
            raise KeyboardInterrupt  # the process goes away mid-job

        with pytest.raises(KeyboardInterrupt):
            imports.run(database, job["JobId"], runner="dead-runner", progress=die)
    finally:
        imports.BATCH = old_batch
    with database.transaction() as db:
        row = db.get(ImportJob, job["JobId"])
        assert (row.status, row.rows_done, row.imported) == ("InProgress", 50, 50)
        row.lease_until = time.time() - 1  # its lease ran out
    final = _wait(srv, pool["pool_id"], job["JobId"])
    assert (final["Status"], final["ImportedUsers"], final["FailedUsers"], final["SkippedUsers"]) == ("Succeeded", 120, 0, 0)
    srv.stop()
