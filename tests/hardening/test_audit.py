"""The audit log: every security event as one JSON line (logger ``userpool.audit``), with ids
and reasons and never a secret; and no secret in any server log of the test session."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.audit_scan import scan
from tests.hardening.support import Wire, record


def audit_events(server: RunningServer) -> list[dict[str, Any]]:
    out = []
    for line in server.log_path.read_text(errors="replace").splitlines():
        if " userpool.audit: " in line:
            out.append(json.loads(line.split(" userpool.audit: ", 1)[1]))
    return out


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = RunningServer(tmp_path_factory.mktemp("audit"), "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()


def test_security_events_are_logged_with_ids_and_reasons(audited: RunningServer) -> None:
    w = Wire(audited)
    pool = w.ok("CreateUserPool", {"PoolName": "audit", "AutoVerifiedAttributes": ["email"]}, signed=True)["UserPool"]["Id"]
    client = w.ok("CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS,
                                           "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}},
                  signed=True)["UserPoolClient"]["ClientId"]
    name = f"audited-{uuid.uuid4().hex[:6]}"
    w.ok("AdminCreateUser", {"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS",
                             "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}]},
         signed=True)
    w.ok("AdminSetUserPassword", {"UserPoolId": pool, "Username": name, "Password": PASSWORD, "Permanent": True}, signed=True)

    def auth(password: str) -> Any:
        return w.call("InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": name, "PASSWORD": password}})

    tokens = auth(PASSWORD).json()["AuthenticationResult"]
    rotated = w.ok("GetTokensFromRefreshToken", {"ClientId": client, "RefreshToken": tokens["RefreshToken"]})
    time.sleep(0.05)
    assert w.call("GetTokensFromRefreshToken", {"ClientId": client, "RefreshToken": tokens["RefreshToken"]}).status_code == 400  # reuse
    tokens = auth(PASSWORD).json()["AuthenticationResult"]
    w.ok("ChangePassword", {"AccessToken": tokens["AccessToken"], "PreviousPassword": PASSWORD, "ProposedPassword": "N3w-Passw0rd!"})
    w.ok("ForgotPassword", {"ClientId": client, "Username": name})
    w.ok("ConfirmForgotPassword", {"ClientId": client, "Username": name, "ConfirmationCode": audited.last_code(name), "Password": PASSWORD})
    tokens = auth(PASSWORD).json()["AuthenticationResult"]
    w.ok("RevokeToken", {"ClientId": client, "Token": tokens["RefreshToken"]})
    tokens = auth(PASSWORD).json()["AuthenticationResult"]
    w.ok("GlobalSignOut", {"AccessToken": tokens["AccessToken"]})
    for _ in range(5):
        assert auth("Wrong-passw0rd!").status_code == 400
    w.ok("AdminDisableUser", {"UserPoolId": pool, "Username": name}, signed=True)
    w.ok("AdminEnableUser", {"UserPoolId": pool, "Username": name}, signed=True)
    w.ok("AdminResetUserPassword", {"UserPoolId": pool, "Username": name}, signed=True)
    w.ok("AdminUserGlobalSignOut", {"UserPoolId": pool, "Username": name}, signed=True)
    w.ok("AdminDeleteUser", {"UserPoolId": pool, "Username": name}, signed=True)
    assert rotated

    time.sleep(0.2)  # the log handler writes after the response
    events = audit_events(audited)
    names = {e["event"] for e in events}
    expected = {
        "admin_create_user", "admin_set_user_password", "sign_in_success", "sign_in_failure", "token_revocation", "password_change",
        "forgot_password", "password_reset", "revoke_token", "global_sign_out", "lockout", "admin_disable_user", "admin_enable_user",
        "admin_reset_user_password", "admin_user_global_sign_out", "admin_delete_user",
    }
    assert expected <= names, sorted(expected - names)
    failure = next(e for e in events if e["event"] == "sign_in_failure")
    assert failure["reason"] == "bad_password" and failure["pool"] == pool and failure["ip"] == "127.0.0.1"
    lockout = next(e for e in events if e["event"] == "lockout")
    assert lockout["failed_attempts"] == 5 and lockout["locked_seconds"] == 1 and lockout["pool"] == pool and lockout["user"]
    reuse = next(e for e in events if e["event"] == "token_revocation")
    assert reuse["reason"] == "refresh_token_reuse"
    for e in events:  # ids, never the username typed, a password or a token
        assert name not in json.dumps(e) and PASSWORD not in json.dumps(e)
    record("audit", {"event_kinds_seen": sorted(names)})


def test_no_secret_in_any_server_log_so_far(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every server.log written in this session until now (all suites that ran before)."""
    root = tmp_path_factory.getbasetemp()
    files, _lines, findings = scan(root)
    assert files > 0
    assert not findings, "\n".join(findings[:20])


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scanner itself: a log that leaks each kind of secret is caught. (Outside pytest's
    temp dir, which the end-of-session scan covers.)"""
    root = Path(tempfile.mkdtemp(prefix="leaky-"))
    d = root / "leaky"
    d.mkdir()
    (d / "outbox.jsonl").write_text(json.dumps({"code": "493817"}) + "\n")
    (d / "server.log").write_text(
        "x userpool.audit: {\"event\": \"a\", \"code\": \"493817\"}\n"
        f"y password was {PASSWORD}\n"
        "z token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4In0.c2ln\n"
        f"w refresh {'R' * 128}\n"
        "v uvicorn: Started server process [493817]\n"
    )
    try:
        _, _, findings = scan(root)
    finally:
        shutil.rmtree(root)
    assert len(findings) == 4, findings
