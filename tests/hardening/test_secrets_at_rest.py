"""A copy of the database alone gives nothing to replay or crack quickly.

After a session that exercises every kind of secret (passwords, a temporary password, sign-up
and reset codes, refresh tokens, challenge sessions, SRP state, a client secret, a TOTP seed
when MFA is implemented, the pool's signing key), the SQLite files (database, WAL and shared
memory, byte for byte) and a PostgreSQL dump made with SQL are searched for each plaintext.
None may appear; each must be stored in its documented form (argon2id, SHA-256, AES-GCM): every
stored value that contains a code is one of those opaque forms, every password hash is argon2id.
The server's log holds none of the long secrets either.

Also: every comparison of a secret in the server is constant-time (a static check).
"""

from __future__ import annotations

import ast
import base64
import json
import re
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from tests.conftest import ALL_FLOWS, RunningServer
from tests.hardening.conftest import kind
from tests.hardening.support import Wire, record
from userpool import srp
from userpool.server.operations import HANDLERS
from userpool.server.sealing import Sealer, hash_secret, load_master_key

SRC = Path(__file__).resolve().parents[2] / "src" / "userpool"
CODES = ("sign-up code", "reset code")
# What a stored value may look like when a code happens to be among its characters: a SHA-256
# hex digest, a sealed (AES-GCM) value, an argon2id hash, a UUID.
_OPAQUE = re.compile(r"[0-9a-f]{64}|v1\.[A-Za-z0-9_=-]+|\$argon2id\$\S+|[0-9a-f-]{36}")


def _exercise(server: RunningServer) -> tuple[dict[str, str], str]:
    """Make every kind of secret; returns name -> plaintext, and the pool id."""
    w = Wire(server)
    secret: dict[str, str] = {}
    pool = w.ok("CreateUserPool", {"PoolName": "at-rest", "AutoVerifiedAttributes": ["email"]}, signed=True)["UserPool"]["Id"]
    client = w.ok("CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS}, signed=True)["UserPoolClient"]["ClientId"]
    secret_client = w.ok("CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "srv", "GenerateSecret": True, "ExplicitAuthFlows": ALL_FLOWS},
                         signed=True)["UserPoolClient"]
    secret["client secret"] = secret_client["ClientSecret"]
    secret["password"] = f"Pw{uuid.uuid4().hex[:14]}!"
    secret["temporary password"] = f"Tmp{uuid.uuid4().hex[:12]}!"
    secret["sign-up password"] = f"Su{uuid.uuid4().hex[:14]}!"
    email = {"Name": "email", "Value": "ann@example.com"}
    w.ok("AdminCreateUser", {"UserPoolId": pool, "Username": "ann", "TemporaryPassword": secret["temporary password"], "MessageAction": "SUPPRESS",
                             "UserAttributes": [email, {"Name": "email_verified", "Value": "true"}]}, signed=True)
    w.ok("AdminCreateUser", {"UserPoolId": pool, "Username": "tom", "TemporaryPassword": secret["temporary password"], "MessageAction": "SUPPRESS"},
         signed=True)
    w.ok("AdminSetUserPassword", {"UserPoolId": pool, "Username": "ann", "Password": secret["password"], "Permanent": True}, signed=True)
    w.ok("SignUp", {"ClientId": client, "Username": "sue", "Password": secret["sign-up password"], "UserAttributes": [{"Name": "email", "Value": "sue@example.com"}]})
    secret["sign-up code"] = server.last_code("sue")
    w.ok("ForgotPassword", {"ClientId": client, "Username": "ann"})
    secret["reset code"] = server.last_code("ann")
    tokens = w.ok("InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                   "AuthParameters": {"USERNAME": "ann", "PASSWORD": secret["password"]}})["AuthenticationResult"]
    secret["refresh token"] = tokens["RefreshToken"]
    secret["access token"] = tokens["AccessToken"]
    secret["SRP secret block (session handle)"] = w.ok("InitiateAuth", {
        "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "ann", "SRP_A": srp.client_ephemeral().srp_a}})["ChallengeParameters"]["SECRET_BLOCK"]
    secret["challenge session handle"] = w.ok("InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {
        "USERNAME": "tom", "PASSWORD": secret["temporary password"]}})["Session"]
    if "AssociateSoftwareToken" in HANDLERS:
        r = w.call("AssociateSoftwareToken", {"AccessToken": tokens["AccessToken"]})
        if r.status_code == 200:
            secret["TOTP seed"] = r.json()["SecretCode"]
    if "CreateIdentityProvider" in HANDLERS:  # managed login: an OIDC provider's client secret, Apple's private key
        secret["identity provider client secret"] = f"idp-{uuid.uuid4().hex}"
        w.ok("CreateIdentityProvider", {"UserPoolId": pool, "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": {
            "client_id": "rp", "client_secret": secret["identity provider client secret"], "authorize_scopes": "openid",
            "attributes_request_method": "GET", "oidc_issuer": "https://idp.example.com"}}, signed=True)
        secret["identity provider private key"] = f"apple-key-{uuid.uuid4().hex}"
        w.ok("CreateIdentityProvider", {"UserPoolId": pool, "ProviderName": "SignInWithApple", "ProviderType": "SignInWithApple",
                                        "ProviderDetails": {"client_id": "com.example", "team_id": "T", "key_id": "K",
                                                            "private_key": secret["identity provider private key"],
                                                            "authorize_scopes": "email"}}, signed=True)
    secret["admin secret key"] = server.credentials()[1]
    secret["master key"] = base64.urlsafe_b64encode(load_master_key(server.data_dir)).decode() if not server.env.get("USERPOOL_MASTER_KEY") else ""
    return {k: v for k, v in secret.items() if v}, pool


def _private_key_texts(server: RunningServer, pool: str) -> list[str]:
    """The pool's private key as PEM body lines and its private exponent (hex and decimal)."""
    kid, sealed = server.query("SELECT kid, private_sealed FROM signing_keys WHERE pool_id = ?", pool)[0]
    pem = Sealer(load_master_key(server.data_dir)).open(sealed, f"signing-key:{kid}")
    key: Any = serialization.load_pem_private_key(pem, password=None)
    d = key.private_numbers().d
    body = [line for line in pem.decode().splitlines() if not line.startswith("-----")]
    return [body[1], body[5], format(d, "x")[:64], str(d)[:64], "PRIVATE KEY"]


def _dump(server: RunningServer) -> bytes:
    """What an attacker who copied the database has: the SQLite files byte for byte, or every
    row of every PostgreSQL table as SQL returns it."""
    if server.database_url is None:
        return b"".join(p.read_bytes() for p in sorted(server.data_dir.glob("userpool.db*")))
    tables = [r[0] for r in server.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return "\n".join(str(row[0]) for t in tables for row in server.query(f'SELECT row_to_json(t)::text FROM "{t}" t')).encode()


def _found(dump: bytes, text: str) -> bool:
    needle = re.escape(text.encode())
    if text.isdigit():  # a code: alone, not inside a longer number or hex string
        return re.search(rb"(?<![0-9A-Za-z])" + needle + rb"(?![0-9A-Za-z])", dump) is not None
    return re.search(needle, dump) is not None


def test_a_database_copy_holds_no_secret_in_clear(db_server: RunningServer) -> None:
    secrets, pool = _exercise(db_server)
    private = _private_key_texts(db_server, pool)
    dump = _dump(db_server)
    # the control: the dump is searchable, and holds what it should in the form it should
    assert _found(dump, "ann@example.com") and _found(dump, hash_secret(secrets["refresh token"]))
    assert _found(dump, hash_secret(secrets["challenge session handle"]))
    leaks = [name for name, value in secrets.items() if _found(dump, value)]
    # a plain hash of a six-digit code is the code (a million guesses): codes are keyed-hashed
    leaks += [f"SHA-256 of the {name}" for name in CODES if _found(dump, hash_secret(secrets[name]))]
    leaks += [f"private key ({p[:12]}...)" for p in private if _found(dump, p)]
    assert not leaks, leaks

    forms = {
        "password hash": db_server.query("SELECT password_hash FROM users WHERE username = 'ann'")[0][0],
        "SRP verifier": db_server.query("SELECT srp_verifier_sealed FROM users WHERE username = 'ann'")[0][0],
        "client secret": db_server.query("SELECT secret_sealed FROM app_clients WHERE secret_sealed IS NOT NULL")[0][0],
        "signing key": db_server.query("SELECT private_sealed FROM signing_keys WHERE pool_id = ?", pool)[0][0],
        "code": db_server.query("SELECT code_hash FROM codes")[0][0],
        "refresh token": db_server.query("SELECT token_hash FROM refresh_tokens")[0][0],
        "session handle": db_server.query("SELECT handle_hash FROM auth_sessions")[0][0],
        "session state": db_server.query("SELECT state_sealed FROM auth_sessions")[0][0],
    }
    if "identity provider client secret" in secrets:
        forms["identity provider secrets"] = db_server.query(
            "SELECT client_secret_sealed FROM identity_providers WHERE name = 'Corp'")[0][0]
    assert forms["password hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    for sealed in ("SRP verifier", "client secret", "signing key", "session state", "identity provider secrets"):
        if sealed not in forms:
            continue
        assert forms[sealed].startswith("v1."), sealed  # AES-256-GCM under the master key
    for hashed in ("code", "refresh token", "session handle"):
        assert re.fullmatch(r"[0-9a-f]{64}", forms[hashed]), hashed  # HMAC-SHA256 (codes), SHA-256
    if "TOTP seed" in secrets:  # associated, not yet verified: sealed inside the user's MFA settings
        settings = db_server.query("SELECT mfa FROM users WHERE username = 'ann'")[0][0]
        assert (json.loads(settings) if isinstance(settings, str) else settings)["TotpPending"].startswith("v1.")
    record("secrets_at_rest", {f"plaintexts_searched_{kind(db_server)}": [*sorted(secrets), "private signing key"],
                               f"found_{kind(db_server)}": len(leaks)})


def _cells(server: RunningServer) -> list[str]:
    return [str(v) for rows in server.snapshot().values() for row in rows for v in row if v is not None]


def test_stored_values_holding_a_code_are_opaque_and_passwords_argon2id(db_server: RunningServer) -> None:
    """Cell by cell: a code may only appear inside a digest, a sealed value, a hash or a UUID."""
    secrets, _pool = _exercise(db_server)
    cells = _cells(db_server)
    for name in CODES:
        plain = [c[:80] for c in cells if secrets[name] in c and not _OPAQUE.fullmatch(c)]
        assert not plain, f"the {name} is stored in clear: {plain}"
    hashes = [c for c in cells if c.startswith("$argon2")]
    assert len(hashes) >= 3 and all(h.startswith("$argon2id$") for h in hashes)  # ann, tom, sue


def test_the_server_log_holds_no_long_secret(db_server: RunningServer) -> None:
    secrets, _pool = _exercise(db_server)
    log = db_server.log_path.read_bytes()
    assert log, "the server wrote no log at all"
    logged = [name for name, value in secrets.items() if name not in CODES and value.encode() in log]
    assert not logged, f"logged: {logged}"


# ------------------------------------------------------------------ constant-time comparisons

_SECRETISH = re.compile(r"secret|signature|hash|(^|_)code$|^code|token|password|verifier|digest|otp", re.IGNORECASE)


def _names(node: ast.AST) -> list[str]:
    """Identifiers an operand is built from (x, obj.attr, f(x) -> f's args), constants left out."""
    if isinstance(node, ast.Name):
        return [] if node.id.isupper() else [node.id]
    if isinstance(node, ast.Attribute):
        return ([] if node.attr.isupper() else [node.attr]) + _names(node.value)
    if isinstance(node, ast.Subscript):
        return _names(node.value)
    if isinstance(node, ast.Call):
        return [n for a in node.args for n in _names(a)] + _names(node.func)
    return []


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def secret_comparisons(source: str, filename: str) -> list[str]:
    """``==``/``!=`` between two computed values, one of which names a secret. Left out: SQL
    expressions (``Model.column == value``: a database lookup by a hash), comparisons with a
    literal or a constant, and a value compared with something derived from itself."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Compare) or not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        if any(isinstance(o, ast.Constant) for o in operands):
            continue
        roots = [_root(o) for o in operands]
        if any(r and r[:1].isupper() for r in roots) or len(set(roots)) < len(roots):
            continue
        if any(isinstance(o, ast.Call) and isinstance(o.func, ast.Name) and o.func.id in ("len", "int", "type") for o in operands):
            continue
        if any(_SECRETISH.search(n) for o in operands for n in _names(o)):
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_every_secret_comparison_is_constant_time() -> None:
    files = [*sorted((SRC / "server").rglob("*.py")), SRC / "srp.py"]
    found = [hit for f in files for hit in secret_comparisons(f.read_text(), str(f.relative_to(SRC)))]
    assert not found, "compare secrets with hmac.compare_digest (sealing.same):\n" + "\n".join(found)
    uses = sum(f.read_text().count("compare_digest") + f.read_text().count("same(") for f in files)
    record("secrets_at_rest", {"constant_time_comparisons": uses, "files_checked": len(files)})


def test_the_static_check_catches_a_plain_comparison() -> None:
    bad = "def f(row, given):\n    return row.code_hash == hash_secret(given)\n"
    good = "def f(row, given):\n    return same(row.code_hash, hash_secret(given))\n"
    assert secret_comparisons(bad, "bad.py") and not secret_comparisons(good, "good.py")
