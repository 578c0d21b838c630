"""``userpool login / token / whoami / logout`` through typer's CliRunner (stdin as the user)."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Callable

import pytest
from client_helpers import ScriptedTransport, err, make_tokens
from typer.testing import CliRunner

from userpool import cli_client
from userpool.auth import AuthClient, FileStore, decode_jwt
from userpool.cli import app

PASSWORD = "Passw0rd!"


class LazyLines(io.RawIOBase):
    """stdin whose lines may be computed when read (e.g. a code that is only sent mid-login)."""

    def __init__(self, *lines: str | Callable[[], str]) -> None:
        self.lines = list(lines)
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if not self.pending:
            if not self.lines:
                return 0
            item = self.lines.pop(0)
            self.pending = ((item() if callable(item) else item) + "\n").encode()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


@pytest.fixture(autouse=True)
def lazy_stdin(monkeypatch):
    """Let CliRunner take a LazyLines as input (typer's runner only takes str/bytes)."""
    import typer.testing

    original = typer.testing.make_input_stream

    def make(input, charset):
        return io.BufferedReader(input) if isinstance(input, LazyLines) else original(input, charset)

    monkeypatch.setattr(typer.testing, "make_input_stream", make)


@pytest.fixture
def cli(tmp_path, server, pool):
    runner = CliRunner()
    env = {"USERPOOL_CONFIG_DIR": str(tmp_path / "cfg"), "USERPOOL_ENDPOINT": None, "USERPOOL_USER_POOL_ID": None,
           "USERPOOL_CLIENT_ID": None, "USERPOOL_PASSWORD": None}
    target = ["--endpoint", server.url, "--user-pool-id", pool["pool_id"], "--client-id", pool["client_id"]]

    def run(*args: str, input=None, with_target: bool = False):
        argv = list(args) + (target if with_target else [])
        return runner.invoke(app, argv, input=input, env=env, catch_exceptions=False)

    run.dir = tmp_path / "cfg"  # type: ignore[attr-defined]
    return run


def test_login_token_whoami_logout(cli, pool, make_user):
    username = make_user(pool, groups=["staff"])
    result = cli("login", input=f"{username}\n{PASSWORD}\n", with_target=True)
    assert result.exit_code == 0, result.output
    assert f"Signed in as {username}" in result.output
    tokens_file = cli.dir / "tokens.json"
    assert stat.S_IMODE(os.stat(tokens_file).st_mode) == 0o600
    saved = json.loads((cli.dir / "config.json").read_text())
    assert saved["user_pool_id"] == pool["pool_id"] and saved["client_id"] == pool["client_id"]

    token = cli("token")  # no options: the saved configuration
    assert token.exit_code == 0
    access = decode_jwt(token.stdout.strip())
    assert access.payload["token_use"] == "access" and access.payload["username"] == username
    id_token = decode_jwt(cli("token", "--id").stdout.strip())
    assert id_token.payload["token_use"] == "id"

    who = cli("whoami")
    assert f"username: {username}" in who.output and "groups: staff" in who.output
    data = json.loads(cli("whoami", "--json").stdout)
    assert data["username"] == username and data["email"] == f"{username}@example.com"

    out = cli("logout")
    assert out.exit_code == 0 and f"Signed out {username}" in out.output
    after = cli("token")
    assert after.exit_code == 1 and "not signed in" in after.output


def test_token_refreshes_through_the_file_store(cli, server, pool, make_user):
    username = make_user(pool)
    assert cli("login", "-u", username, "--password", PASSWORD, with_target=True).exit_code == 0
    store = FileStore(cli.dir / "tokens.json")
    client = AuthClient(user_pool_id=pool["pool_id"], client_id=pool["client_id"], endpoint=server.url, storage=store)
    before = cli("token").stdout.strip()
    # the session on disk expires: rewrite its drift so the CLI's clock says "past exp"
    tokens = client.context.tokens.load()
    from dataclasses import replace

    client.context.tokens.save(replace(tokens, clock_drift=tokens.clock_drift + 7200))
    after = cli("token").stdout.strip()
    assert after != before and decode_jwt(after).payload["username"] == username
    assert client.context.tokens.load().clock_drift < 100  # re-measured at refresh


def test_logout_global(cli, server, pool, make_user):
    username = make_user(pool)
    cli("login", "-u", username, "--password", PASSWORD, with_target=True)
    access = cli("token").stdout.strip()
    assert cli("logout", "--global").exit_code == 0
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.get_user(AccessToken=access)


def test_login_wrong_password(cli, pool, make_user):
    username = make_user(pool)
    result = cli("login", "-u", username, input="wrong-Passw0rd!\n", with_target=True)
    assert result.exit_code == 1 and "NotAuthorizedException" in result.output


def test_not_configured(cli):
    result = cli("token")
    assert result.exit_code == 1 and "not configured" in result.output


def test_login_new_password_required(cli, server, pool, unique):
    username = unique("clitemp")
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp0rary!pw",
                                   MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
    # a too-short password first: the CLI says why and asks again
    result = cli("login", "-u", username, input="Temp0rary!pw\nshort\nshort\nBr4nd-new-pass!\nBr4nd-new-pass!\n", with_target=True)
    assert result.exit_code == 0, result.output
    assert "A new password is required" in result.output and "InvalidPasswordException" in result.output
    assert f"Signed in as {username}" in result.output


def test_login_confirms_sign_up(cli, server, pool, unique):
    username = unique("cliconf")
    AuthClient(user_pool_id=pool["pool_id"], client_id=pool["client_id"], endpoint=server.url).sign_up(
        username, PASSWORD, {"user_attributes": {"email": f"{username}@example.com"}})
    stdin = LazyLines(username, PASSWORD, lambda: server.last_code(username))
    result = cli("login", input=stdin, with_target=True)
    assert result.exit_code == 0, result.output
    assert "not confirmed" in result.output and f"Signed in as {username}" in result.output


def test_login_resets_password(cli, server, pool, make_user):
    username = make_user(pool)
    server.admin.admin_reset_user_password(UserPoolId=pool["pool_id"], Username=username)
    stdin = LazyLines(PASSWORD, lambda: server.last_code(username), "Reset-Passw0rd!", "Reset-Passw0rd!")
    result = cli("login", "-u", username, input=stdin, with_target=True)
    assert result.exit_code == 0, result.output
    assert "password reset is required" in result.output and f"Signed in as {username}" in result.output


def _scripted_cli(monkeypatch, tmp_path, wire: ScriptedTransport):
    """The CLI with a scripted wire (for the steps the server does not support yet)."""
    def make(config):
        client = AuthClient(config, storage=FileStore(tmp_path / "cfg" / "tokens.json"))
        client._transport = wire  # type: ignore[assignment]
        return client

    monkeypatch.setattr(cli_client, "_client", make)
    runner = CliRunner()
    env = {"USERPOOL_CONFIG_DIR": str(tmp_path / "cfg")}
    target = ["--endpoint", "http://scripted.invalid/", "--user-pool-id", "us-east-1_Script", "--client-id", "c"]
    return lambda *args, input=None: runner.invoke(app, [*args, *target], input=input, env=env, catch_exceptions=False)


def test_login_walks_mfa_setup_selection_and_totp_setup_with_qr(monkeypatch, tmp_path):
    wire = ScriptedTransport()
    wire.add("InitiateAuth", {"ChallengeName": "MFA_SETUP", "Session": "s1",
                              "ChallengeParameters": {"USERNAME": "alice", "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'}})
    wire.add("AssociateSoftwareToken", {"SecretCode": "JBSWY3DPEHPK3PXP", "Session": "s2"})
    wire.add("VerifySoftwareToken", err("EnableSoftwareTokenMFAException", "bad code"))
    wire.add("VerifySoftwareToken", {"Status": "SUCCESS", "Session": "s3"})
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    run = _scripted_cli(monkeypatch, tmp_path, wire)
    result = run("login", "-u", "alice", "--auth-flow", "USER_PASSWORD_AUTH", "--app-name", "Acme",
                 input="pw\ntotp\n000000\n123456\n")
    assert result.exit_code == 0, result.output
    assert "Which MFA method do you want to set up?" in result.output
    assert "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme" in result.output
    assert "bad code -- try again" in result.output
    assert "█" in result.output or "▀" in result.output  # the QR code


def test_login_walks_mfa_choice_codes_and_custom_challenge(monkeypatch, tmp_path):
    wire = ScriptedTransport()
    wire.add("InitiateAuth", {"ChallengeName": "SELECT_MFA_TYPE", "Session": "s1",
                              "ChallengeParameters": {"USERNAME": "alice", "MFAS_CAN_CHOOSE": '["SMS_MFA","EMAIL_OTP"]'}})
    wire.add("RespondToAuthChallenge", {"ChallengeName": "EMAIL_OTP", "Session": "s2", "ChallengeParameters": {
        "USERNAME": "alice", "CODE_DELIVERY_DESTINATION": "a***@e***", "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL"}})
    wire.add("RespondToAuthChallenge", {"ChallengeName": "CUSTOM_CHALLENGE", "Session": "s3",
                                        "ChallengeParameters": {"USERNAME": "alice", "question": "2+2?"}})
    wire.add("RespondToAuthChallenge", {"AuthenticationResult": make_tokens()})
    run = _scripted_cli(monkeypatch, tmp_path, wire)
    result = run("login", "-u", "alice", "--auth-flow", "USER_PASSWORD_AUTH", input="pw\nemail\n12345678\n4\n")
    assert result.exit_code == 0, result.output
    assert "Code sent to a***@e***" in result.output and "question: 2+2?" in result.output
    answers = [c.payload["ChallengeResponses"] for c in wire.calls[1:]]
    assert answers == [{"USERNAME": "alice", "ANSWER": "EMAIL_OTP"}, {"USERNAME": "alice", "EMAIL_OTP_CODE": "12345678"},
                       {"USERNAME": "alice", "ANSWER": "4"}]
    assert "Signed in as alice" in result.output


def test_show_qr_without_segno(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_segno(name, *args, **kwargs):
        if name == "segno":
            raise ImportError("no segno")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_segno)
    cli_client.show_qr("otpauth://totp/x")
    assert "pip install 'userpool[qr]'" in capsys.readouterr().out


def test_login_walks_required_totp_setup_over_http(tmp_path, server, make_user, monkeypatch):
    """MFA required: login shows the QR/URI, takes a code, and a second login asks for TOTP."""
    import time as _time

    import pyotp
    from client_helpers import make_pool

    pool = make_pool(server)
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    username = make_user(pool)
    shown: list[str] = []
    real_show_qr = cli_client.show_qr
    monkeypatch.setattr(cli_client, "show_qr", lambda uri: (shown.append(uri), real_show_qr(uri)))

    def code(offset: int) -> Callable[[], str]:
        def make() -> str:
            secret = shown[-1].split("secret=")[1].split("&")[0]
            return pyotp.TOTP(secret).at(_time.time(), counter_offset=offset)
        return make

    runner = CliRunner()
    env = {"USERPOOL_CONFIG_DIR": str(tmp_path / "cfg")}
    target = ["--endpoint", server.url, "--user-pool-id", pool["pool_id"], "--client-id", pool["client_id"]]
    first = runner.invoke(app, ["login", "-u", username, *target], input=LazyLines(PASSWORD, code(0)), env=env)
    assert first.exit_code == 0, first.output
    assert f"otpauth://totp/userpool:{username}?secret=" in first.output and f"Signed in as {username}" in first.output
    second = runner.invoke(app, ["login", "-u", username], input=LazyLines(PASSWORD, code(1)), env=env)
    assert second.exit_code == 0, second.output
    assert "Signed out the previous session" in second.output and "authenticator app" in second.output
