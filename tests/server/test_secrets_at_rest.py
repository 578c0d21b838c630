"""Secrets at rest: the database (every stored value; on SQLite also the raw database, WAL and
shared-memory files) holds no password, temporary password, refresh token, client secret,
session handle or one-time code in clear, and the server log holds none of the long secrets."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import create_pool
from tests.server.helpers import ok, password_auth, secret_hash, srp_start, unique

PASSWORD = "Cl3ar-Text-Passw0rd-7f3a!"
TEMPORARY = "T3mporary-Passw0rd-91c2!"
# What a stored secret may look like when a code happens to be among its characters: a SHA-256
# hex digest, a sealed (AES-GCM) value, an argon2id hash, a UUID.
_OPAQUE = re.compile(r"[0-9a-f]{64}|v1\.[A-Za-z0-9_=-]+|\$argon2id\$\S+|[0-9a-f-]{36}")


def _files(server: Any) -> bytes:
    """The SQLite files' bytes (free pages and the WAL included); nothing on PostgreSQL."""
    if server.database_url:
        return b""
    data = b""
    for suffix in ("", "-wal", "-shm"):
        path = server.data_dir / f"userpool.db{suffix}"
        if path.exists():
            data += path.read_bytes()
    return data


def _cells(server: Any) -> list[str]:
    return [str(v) for rows in server.snapshot().values() for row in rows for v in row if v is not None]


def _secrets(server: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Exercise every secret-making path; (long secrets, short codes) by what they are."""
    pool = create_pool(server, client_args={"GenerateSecret": True})
    secret = pool["client_secret"]
    username = unique()

    def hashed(name: str) -> str:
        return secret_hash(secret, name, pool["client_id"])

    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username, "Password": PASSWORD, "SecretHash": hashed(username),
                          "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"}]})
    signup_code = server.last_code(username, "SIGN_UP")
    ok(server, "ConfirmSignUp", {"ClientId": pool["client_id"], "Username": username, "ConfirmationCode": signup_code,
                                 "SecretHash": hashed(username)})
    result = ok(server, "InitiateAuth", password_auth(pool, username, PASSWORD))["AuthenticationResult"]
    ok(server, "ForgotPassword", {"ClientId": pool["client_id"], "Username": username, "SecretHash": hashed(username)})
    reset_code = server.last_code(username, "FORGOT_PASSWORD")  # left unused: still stored
    srp_params = srp_start(pool, username, PASSWORD).get_auth_params()
    challenge = ok(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": srp_params})
    invited = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=invited, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS")
    new_password = ok(server, "InitiateAuth", password_auth(pool, invited, TEMPORARY))
    long_secrets = {
        "password": PASSWORD,
        "temporary password": TEMPORARY,
        "refresh token": result["RefreshToken"],
        "client secret": secret,
        "SRP secret block": challenge["ChallengeParameters"]["SECRET_BLOCK"],
        "challenge session": new_password["Session"],
    }
    return long_secrets, {"sign-up code": signup_code, "reset code": reset_code}


def test_database_files_hold_no_secret_in_clear(server):
    long_secrets, codes = _secrets(server)
    raw, cells = _files(server), _cells(server)
    for what, value in long_secrets.items():
        assert value.encode() not in raw, f"the {what} is stored in clear"
        assert not [c for c in cells if value in c], f"the {what} is stored in clear"
    for what, code in codes.items():
        for cell in cells:
            if code in cell:
                assert _OPAQUE.fullmatch(cell), f"the {what} is stored in clear: {cell[:80]!r}"


def test_passwords_are_argon2id_hashes(server):
    _secrets(server)
    hashes = [c for c in _cells(server) if c.startswith("$argon2")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_server_log_holds_no_long_secret(server):
    long_secrets, _ = _secrets(server)
    log = server.log_path.read_bytes()
    for what, value in long_secrets.items():
        assert value.encode() not in log, f"the {what} was logged"
