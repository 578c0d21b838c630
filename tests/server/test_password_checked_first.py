"""On SQLite a password sign-in checks the password, and a SignUp hashes it, before taking the
writer lock: one argon2id verification or hash per request, never while the lock that every
worker's writes queue for is held, so that they use all the cores (app.Api._checks_first,
Context.carry). What they write (a failure counted, the tokens' family, the new user) is written
once, in the transaction that follows. In this process, through the server's own
``Api._execute``, on a data directory of its own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.server.helpers import run_op as call
from tests.server.oauth_helpers import CALLBACK, Browser
from userpool.server import errors, passwords
from userpool.server.app import Api, build_app
from userpool.server.context import ServerState
from userpool.server.operations import HANDLERS

PASSWORD = "Correct-horse-1"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


class _Recorder:
    """passwords.HASHER, noting for each verification whether the writer lock was held."""

    def __init__(self, state: ServerState) -> None:
        self._hasher = passwords.HASHER
        self._writer = state.database._writer
        self.locked: list[bool] = []

    def verify(self, stored: str, password: str) -> Any:
        self.locked.append(self._writer._depth > 0)  # type: ignore[attr-defined]  # one thread here
        return self._hasher.verify(stored, password)

    def hash(self, password: str) -> str:
        self.locked.append(self._writer._depth > 0)  # type: ignore[attr-defined]
        return self._hasher.hash(password)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hasher, name)


@pytest.fixture
def pool(local_state: ServerState) -> tuple[str, str]:
    pool_id = call(local_state, "CreateUserPool", {"PoolName": "p"})["UserPool"]["Id"]
    client = call(local_state, "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "c", "ExplicitAuthFlows": FLOWS,
                                                         "PreventUserExistenceErrors": "ENABLED"})["UserPoolClient"]["ClientId"]
    call(local_state, "AdminCreateUser", {"UserPoolId": pool_id, "Username": "u", "MessageAction": "SUPPRESS"})
    call(local_state, "AdminSetUserPassword", {"UserPoolId": pool_id, "Username": "u", "Password": PASSWORD, "Permanent": True})
    return pool_id, client


def _sign_in(state: ServerState, pool: tuple[str, str], username: str, password: str, *, admin: bool = False) -> dict[str, Any]:
    pool_id, client = pool
    name = "AdminInitiateAuth" if admin else "InitiateAuth"
    req: dict[str, Any] = {"ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH" if admin else "USER_PASSWORD_AUTH",
                           "AuthParameters": {"USERNAME": username, "PASSWORD": password}}
    if admin:
        req["UserPoolId"] = pool_id
    return Api(state)._execute(name, HANDLERS[name], req, "127.0.0.1", "us-east-1", admin)


def _api(state: ServerState, name: str, req: dict[str, Any]) -> dict[str, Any]:
    return Api(state)._execute(name, HANDLERS[name], req, "127.0.0.1", "us-east-1", False)


def _failed_attempts(state: ServerState) -> int:
    with state.database.engine.connect() as conn:
        return int(conn.execute(text("SELECT failed_attempts FROM users WHERE username = 'u'")).scalar() or 0)


def _families(state: ServerState) -> int:
    with state.database.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM token_families")).scalar() or 0)


@pytest.mark.parametrize("admin", [False, True], ids=["InitiateAuth", "AdminInitiateAuth"])
def test_the_password_is_checked_once_and_outside_the_writer_lock(
    local_state: ServerState, pool: tuple[str, str], monkeypatch: pytest.MonkeyPatch, admin: bool
) -> None:
    recorder = _Recorder(local_state)
    monkeypatch.setattr(passwords, "HASHER", recorder)
    families = _families(local_state)

    assert "AccessToken" in _sign_in(local_state, pool, "u", PASSWORD, admin=admin)["AuthenticationResult"]
    assert recorder.locked == [False]
    assert _families(local_state) == families + 1  # the sign-in's writes happened, once

    with pytest.raises(errors.NotAuthorized):
        _sign_in(local_state, pool, "u", "Wrong-horse-1", admin=admin)
    assert recorder.locked == [False, False]
    assert _failed_attempts(local_state) == 1  # counted once, though the sign-in ran twice

    with pytest.raises(errors.NotAuthorized):  # an unknown name: the same one verification (a dummy hash)
        _sign_in(local_state, pool, "nobody", PASSWORD, admin=admin)
    assert recorder.locked == [False, False, False]


def test_on_a_changed_hash_the_transaction_verifies_again(local_state: ServerState, pool: tuple[str, str]) -> None:
    """Context.carry's verdict is keyed by the hash read: a password changed between the read and
    the transaction is verified against the new hash, not answered from the old one."""
    user = type("U", (), {"password_hash": passwords.HASHER.hash(PASSWORD)})()
    carry: dict[Any, Any] = {}
    assert passwords.verify_password(user, PASSWORD, carry) is True  # type: ignore[arg-type]
    user.password_hash = passwords.HASHER.hash("Another-horse-2")
    assert passwords.verify_password(user, PASSWORD, carry) is False  # type: ignore[arg-type]
    assert len(carry) == 2


def test_sign_up_hashes_once_outside_the_writer_lock(
    local_state: ServerState, pool: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = _Recorder(local_state)
    monkeypatch.setattr(passwords, "HASHER", recorder)
    _, client = pool
    answer = _api(local_state, "SignUp", {"ClientId": client, "Username": "new", "Password": PASSWORD})
    assert answer["UserSub"] and recorder.locked == [False]
    call(local_state, "AdminConfirmSignUp", {"UserPoolId": pool[0], "Username": "new"})
    signed_in = _api(local_state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                                   "AuthParameters": {"USERNAME": "new", "PASSWORD": PASSWORD}})
    assert "AccessToken" in signed_in["AuthenticationResult"]  # the carried hash is the user's
    with local_state.database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE username = 'new'")).scalar() == 1

    with pytest.raises(errors.UsernameExists):  # the transaction still decides
        _api(local_state, "SignUp", {"ClientId": client, "Username": "new", "Password": PASSWORD})


def test_the_hosted_sign_in_page_checks_the_password_outside_the_writer_lock(
    local_state: ServerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Managed login's username and password form takes the same path (oauth2/http.run_sync)."""
    pool_id = call(local_state, "CreateUserPool", {"PoolName": "hosted"})["UserPool"]["Id"]
    client = call(local_state, "CreateUserPoolClient", {
        "UserPoolId": pool_id, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "AllowedOAuthFlowsUserPoolClient": True, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
        "CallbackURLs": [CALLBACK], "SupportedIdentityProviders": ["COGNITO"], "PreventUserExistenceErrors": "ENABLED",
    })["UserPoolClient"]["ClientId"]
    call(local_state, "AdminCreateUser", {"UserPoolId": pool_id, "Username": "u", "MessageAction": "SUPPRESS"})
    call(local_state, "AdminSetUserPassword", {"UserPoolId": pool_id, "Username": "u", "Password": PASSWORD, "Permanent": True})
    recorder = _Recorder(local_state)
    monkeypatch.setattr(passwords, "HASHER", recorder)
    app = build_app(local_state)

    def browser() -> Browser:
        b = Browser.__new__(Browser)
        b.server, b.base = None, "http://testserver"  # type: ignore[assignment]
        b.http = TestClient(app, base_url=b.base, follow_redirects=False)
        return b

    signed_in = browser().sign_in({"client_id": client}, "u", PASSWORD)
    assert isinstance(signed_in, httpx.Response) and "code=" in signed_in.headers["location"]
    assert recorder.locked == [False]

    refused = browser().sign_in({"client_id": client}, "u", "Wrong-horse-1")
    assert refused.status == 400 and "Incorrect username or password" in refused.text  # type: ignore[union-attr]
    assert recorder.locked == [False, False]
    assert _failed_attempts(local_state) == 1


def _outbox_code(state: ServerState, username: str) -> str:
    import json

    lines = (state.config.data_dir / "outbox.jsonl").read_text().splitlines()
    return str([json.loads(line) for line in lines if json.loads(line)["username"] == username][-1]["code"])


def test_setting_a_password_hashes_it_once_outside_the_writer_lock(
    local_state: ServerState, pool: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AdminSetUserPassword (permanent or not), ChangePassword (the old password checked, the
    new one hashed), ConfirmForgotPassword and AdminCreateUser (a temporary password given or
    made): each argon2id operation once, none under the writer lock, and the password stored
    is the one hashed in the read (a sign-in with it works)."""
    pool_id, client = pool
    recorder = _Recorder(local_state)
    monkeypatch.setattr(passwords, "HASHER", recorder)

    def admin(name: str, req: dict[str, Any]) -> dict[str, Any]:
        return Api(local_state)._execute(name, HANDLERS[name], {"UserPoolId": pool_id, **req}, "127.0.0.1", "us-east-1", True)

    def signs_in(username: str, password: str) -> dict[str, Any]:
        return _api(local_state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                                   "AuthParameters": {"USERNAME": username, "PASSWORD": password}})

    admin("AdminSetUserPassword", {"Username": "u", "Password": "Second-horse-2", "Permanent": True})
    assert recorder.locked == [False]
    access = signs_in("u", "Second-horse-2")["AuthenticationResult"]["AccessToken"]
    admin("AdminSetUserPassword", {"Username": "u", "Password": "Temporary-horse-3", "Permanent": False})
    assert signs_in("u", "Temporary-horse-3")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    admin("AdminSetUserPassword", {"Username": "u", "Password": "Second-horse-2", "Permanent": True})
    access = signs_in("u", "Second-horse-2")["AuthenticationResult"]["AccessToken"]
    del recorder.locked[:]

    _api(local_state, "ChangePassword", {"AccessToken": access, "PreviousPassword": "Second-horse-2", "ProposedPassword": "Third-horse-4"})
    assert recorder.locked == [False, False]  # the old password verified, the new one hashed
    assert "AuthenticationResult" in signs_in("u", "Third-horse-4")
    access = signs_in("u", "Third-horse-4")["AuthenticationResult"]["AccessToken"]
    del recorder.locked[:]
    with pytest.raises(errors.NotAuthorized):
        _api(local_state, "ChangePassword", {"AccessToken": access, "PreviousPassword": "Wrong-horse-1", "ProposedPassword": "Fifth-horse-6"})
    assert recorder.locked == [False] and _failed_attempts(local_state) == 1  # counted once

    admin("AdminUpdateUserAttributes", {"Username": "u", "UserAttributes": [
        {"Name": "email", "Value": "u@example.com"}, {"Name": "email_verified", "Value": "true"}]})
    _api(local_state, "ForgotPassword", {"ClientId": client, "Username": "u"})
    del recorder.locked[:]
    _api(local_state, "ConfirmForgotPassword", {"ClientId": client, "Username": "u", "ConfirmationCode": _outbox_code(local_state, "u"),
                                                "Password": "Fourth-horse-5"})
    assert recorder.locked == [False]
    assert "AuthenticationResult" in signs_in("u", "Fourth-horse-5")
    with pytest.raises(errors.CodeMismatch):  # the code was used up, in the transaction
        _api(local_state, "ConfirmForgotPassword", {"ClientId": client, "Username": "u",
                                                    "ConfirmationCode": _outbox_code(local_state, "u"), "Password": "Sixth-horse-7"})
    del recorder.locked[:]

    admin("AdminCreateUser", {"Username": "given", "TemporaryPassword": "Given-horse-8", "MessageAction": "SUPPRESS"})
    assert recorder.locked == [False]
    assert signs_in("given", "Given-horse-8")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    del recorder.locked[:]
    admin("AdminCreateUser", {"Username": "made", "UserAttributes": [{"Name": "email", "Value": "made@example.com"}]})
    assert recorder.locked == [False]  # the temporary password made once: the one hashed is the one sent
    assert signs_in("made", _outbox_code(local_state, "made"))["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with local_state.database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE username IN ('given', 'made')")).scalar() == 2
