"""``userpool keys``: signing-key rotation (publish, then activate) and master-key rotation."""

from __future__ import annotations

import base64
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pyotp
import pytest
from cryptography.exceptions import InvalidTag

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.support import Wire
from userpool import srp
from userpool.server import keyadmin
from userpool.server.sealing import Sealer


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "userpool", "keys", *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **(env or {})})


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def verify_with_jwks(jwks_uri: str, token: str) -> dict[str, Any]:
    keys = {k["kid"]: k for k in httpx.get(jwks_uri).json()["keys"]}
    key = jwt.PyJWK(keys[kid_of(token)]).key
    return dict(jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False}))


class Setup:
    def __init__(self, server: RunningServer) -> None:
        self.w = Wire(server)
        self.server = server
        self.pool = self.w.ok("CreateUserPool", {"PoolName": "keys"}, signed=True)["UserPool"]["Id"]
        self.client = self.w.ok("CreateUserPoolClient", {"UserPoolId": self.pool, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS},
                                signed=True)["UserPoolClient"]["ClientId"]
        secret_client = self.w.ok("CreateUserPoolClient", {"UserPoolId": self.pool, "ClientName": "srv", "GenerateSecret": True,
                                                           "ExplicitAuthFlows": ALL_FLOWS}, signed=True)["UserPoolClient"]
        self.secret_client, self.client_secret = secret_client["ClientId"], secret_client["ClientSecret"]
        self.w.ok("AdminCreateUser", {"UserPoolId": self.pool, "Username": "kim", "MessageAction": "SUPPRESS"}, signed=True)
        self.w.ok("AdminSetUserPassword", {"UserPoolId": self.pool, "Username": "kim", "Password": PASSWORD, "Permanent": True}, signed=True)
        self.jwks_uri = f"{server.url}/{self.pool}/.well-known/jwks.json"

    def sign_in(self) -> dict[str, Any]:
        return dict(self.w.ok("InitiateAuth", {"ClientId": self.client, "AuthFlow": "USER_PASSWORD_AUTH",
                                               "AuthParameters": {"USERNAME": "kim", "PASSWORD": PASSWORD}})["AuthenticationResult"])

    def srp_sign_in(self) -> dict[str, Any]:
        eph = srp.client_ephemeral()
        params = self.w.ok("InitiateAuth", {"ClientId": self.client, "AuthFlow": "USER_SRP_AUTH",
                                            "AuthParameters": {"USERNAME": "kim", "SRP_A": eph.srp_a}})["ChallengeParameters"]
        signature, timestamp = srp.password_claim(eph, self.pool, params["USER_ID_FOR_SRP"], PASSWORD, params["SALT"], params["SRP_B"],
                                                  params["SECRET_BLOCK"])
        return dict(self.w.ok("RespondToAuthChallenge", {
            "ClientId": self.client, "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {"USERNAME": params["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                                   "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp},
        })["AuthenticationResult"])

    def secret_sign_in(self) -> dict[str, Any]:
        return dict(self.w.ok("InitiateAuth", {"ClientId": self.secret_client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {
            "USERNAME": "kim", "PASSWORD": PASSWORD, "SECRET_HASH": srp.secret_hash(self.client_secret, "kim", self.secret_client)}})["AuthenticationResult"])


@pytest.fixture
def keyed(tmp_path: Path) -> Any:
    srv = RunningServer(tmp_path / "srv", "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()


def test_a_new_signing_key_is_published_before_it_signs(keyed: RunningServer) -> None:
    s = Setup(keyed)
    before = s.sign_in()
    old_kid = kid_of(before["AccessToken"])
    assert [k["kid"] for k in httpx.get(s.jwks_uri).json()["keys"]] == [old_kid]

    out = cli("rotate", "--pool", s.pool, "--data-dir", str(keyed.data_dir))
    assert out.returncode == 0, out.stderr
    new_kid = out.stdout.split()[1].rstrip(";")
    assert [k["kid"] for k in httpx.get(s.jwks_uri).json()["keys"]] == [old_kid, new_kid]  # published ...
    assert kid_of(s.sign_in()["AccessToken"]) == old_kid  # ... but not signing yet

    early = cli("activate", "--pool", s.pool, "--data-dir", str(keyed.data_dir))
    assert early.returncode == 1 and "published" in early.stderr  # verifiers may still hold the old JWKS
    out = cli("activate", "--pool", s.pool, "--data-dir", str(keyed.data_dir), "--force")
    assert out.returncode == 0, out.stderr
    assert f"active {new_kid}; retired {old_kid}" in out.stdout

    after = s.sign_in()
    assert kid_of(after["AccessToken"]) == new_kid and kid_of(after["IdToken"]) == new_kid
    # tokens signed before the rotation still verify, for third parties and for the server
    assert verify_with_jwks(s.jwks_uri, before["AccessToken"])["username"] == "kim"
    assert verify_with_jwks(s.jwks_uri, after["AccessToken"])["username"] == "kim"
    assert s.w.ok("GetUser", {"AccessToken": before["AccessToken"]})["Username"] == "kim"
    refreshed = s.w.ok("GetTokensFromRefreshToken", {"ClientId": s.client, "RefreshToken": before["RefreshToken"]})
    assert kid_of(refreshed["AuthenticationResult"]["AccessToken"]) == new_kid

    listing = cli("list", "--pool", s.pool, "--data-dir", str(keyed.data_dir)).stdout
    assert f"{old_kid}\tretired" in listing and f"{new_kid}\tactive" in listing
    # once every token the old key signed has expired, it leaves the JWKS
    keyed.execute("UPDATE signing_keys SET retire_after = ? WHERE kid = ?", time.time() - 1, old_kid)
    assert [k["kid"] for k in httpx.get(s.jwks_uri).json()["keys"]] == [new_kid]
    assert cli("activate", "--pool", s.pool, "--data-dir", str(keyed.data_dir), "--force").returncode == 1  # nothing published
    assert cli("rotate", "--pool", "us-east-1_Nope", "--data-dir", str(keyed.data_dir)).returncode == 1


def _sealed_values(server: RunningServer) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{server.data_dir / 'userpool.db'}?mode=ro", uri=True)
    try:
        out = {}
        for table, column, key in (("app_clients", "secret_sealed", "id"), ("users", "srp_verifier_sealed", "username"),
                                   ("signing_keys", "private_sealed", "kid"), ("auth_sessions", "state_sealed", "handle_hash")):
            for k, v in conn.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL"):
                out[f"{table}.{column}:{k}"] = v
        return out
    finally:
        conn.close()


def test_rotate_master_reencrypts_everything_and_the_server_works_after(keyed: RunningServer) -> None:
    s = Setup(keyed)
    before = s.sign_in()
    s.w.ok("InitiateAuth", {"ClientId": s.client, "AuthFlow": "USER_SRP_AUTH",
                            "AuthParameters": {"USERNAME": "kim", "SRP_A": srp.client_ephemeral().srp_a}})  # an open challenge session
    old_key = (keyed.data_dir / "master.key").read_text()
    sealed_before = _sealed_values(keyed)
    keyed.stop()

    out = cli("rotate-master", "--data-dir", str(keyed.data_dir))
    assert out.returncode == 0, out.stderr
    new_key = (keyed.data_dir / "master.key").read_text()
    assert new_key != old_key and not (keyed.data_dir / "master.key.new").exists()
    sealed_after = _sealed_values(keyed)
    assert sealed_after.keys() == sealed_before.keys() and len(sealed_after) == 4  # client secret, SRP verifier, signing key, challenge session
    assert all(sealed_after[k] != sealed_before[k] for k in sealed_after)
    old = Sealer(base64.urlsafe_b64decode(old_key))
    with pytest.raises(InvalidTag):  # AES-GCM: the old key opens nothing now
        old.open(next(v for k, v in sealed_after.items() if k.startswith("signing_keys")), "signing-key:" + next(
            k.split(":", 1)[1] for k in sealed_after if k.startswith("signing_keys")))

    keyed.start()
    assert s.w.ok("GetUser", {"AccessToken": before["AccessToken"]})["Username"] == "kim"  # old tokens still verify
    after = s.srp_sign_in()  # SRP verifier re-sealed
    assert verify_with_jwks(s.jwks_uri, after["AccessToken"])["username"] == "kim"  # signing key re-sealed
    assert s.secret_sign_in()["AccessToken"]  # client secret re-sealed
    assert s.w.ok("GetTokensFromRefreshToken", {"ClientId": s.client, "RefreshToken": before["RefreshToken"]})


def test_rotate_master_with_the_key_in_the_environment(tmp_path: Path) -> None:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    srv = RunningServer(tmp_path / "srv", "--rate-limits", "off", env={"USERPOOL_MASTER_KEY": key})
    srv.start()
    try:
        s = Setup(srv)
        s.sign_in()
        srv.stop()
        out = cli("rotate-master", "--data-dir", str(srv.data_dir), env={"USERPOOL_MASTER_KEY": key})
        assert out.returncode == 0, out.stderr
        new_key = out.stdout.strip().removeprefix("USERPOOL_MASTER_KEY=")
        assert new_key != key and not (srv.data_dir / "master.key").exists()
        srv.env["USERPOOL_MASTER_KEY"] = new_key
        srv.start()
        assert s.srp_sign_in()["AccessToken"] and s.secret_sign_in()["AccessToken"]
    finally:
        srv.stop()


def test_rotate_master_refuses_a_key_that_does_not_open_the_database(keyed: RunningServer) -> None:
    Setup(keyed)
    keyed.stop()
    sealed = _sealed_values(keyed)
    wrong = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    out = cli("rotate-master", "--data-dir", str(keyed.data_dir), env={"USERPOOL_MASTER_KEY": wrong})
    assert out.returncode == 1 and "does not open with the current master key" in out.stderr
    assert _sealed_values(keyed) == sealed  # nothing changed


def test_every_sealed_column_has_a_known_context() -> None:
    """A new ``*_sealed`` column must be registered in keyadmin.SEALED, or rotate-master would
    leave it under the old key (it refuses to run instead)."""
    registered = {f"{s.model.__tablename__}.{s.column}" for s in keyadmin.SEALED if s.json_key is None}
    assert keyadmin.sealed_columns() == registered


def test_rotate_master_keeps_totp_seeds_active_and_pending(keyed: RunningServer) -> None:
    s = Setup(keyed)
    w = s.w
    w.ok("AdminCreateUser", {"UserPoolId": s.pool, "Username": "pending", "MessageAction": "SUPPRESS"}, signed=True)
    w.ok("AdminSetUserPassword", {"UserPoolId": s.pool, "Username": "pending", "Password": PASSWORD, "Permanent": True}, signed=True)
    access = s.sign_in()["AccessToken"]
    seed = w.ok("AssociateSoftwareToken", {"AccessToken": access})["SecretCode"]
    w.ok("VerifySoftwareToken", {"AccessToken": access, "UserCode": pyotp.TOTP(seed).now()})  # kim: an active seed
    w.ok("SetUserPoolMfaConfig", {"UserPoolId": s.pool, "MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
         signed=True)
    w.ok("SetUserMFAPreference", {"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}})
    pending_access = w.ok("InitiateAuth", {"ClientId": s.client, "AuthFlow": "USER_PASSWORD_AUTH",
                                           "AuthParameters": {"USERNAME": "pending", "PASSWORD": PASSWORD}})["AuthenticationResult"]["AccessToken"]
    pending_seed = w.ok("AssociateSoftwareToken", {"AccessToken": pending_access})["SecretCode"]  # associated, not verified
    keyed.stop()
    out = cli("rotate-master", "--data-dir", str(keyed.data_dir))
    assert out.returncode == 0, out.stderr
    keyed.start()
    # the active seed opens: a TOTP sign-in completes
    challenge = w.ok("InitiateAuth", {"ClientId": s.client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "kim", "PASSWORD": PASSWORD}})
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    code = pyotp.TOTP(seed).at(time.time() + 30)  # the next step: the last one was used to verify
    done = w.call("RespondToAuthChallenge", {"ClientId": s.client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": challenge["Session"],
                                             "ChallengeResponses": {"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": code}})
    assert done.status_code == 200 and done.json()["AuthenticationResult"]["AccessToken"], done.text
    # the pending seed opens: verification completes
    w.ok("VerifySoftwareToken", {"AccessToken": pending_access, "UserCode": pyotp.TOTP(pending_seed).now()})


def test_rotate_master_reseals_identity_provider_secrets(keyed: RunningServer) -> None:
    s = Setup(keyed)
    details = {"client_id": "rp", "client_secret": "idp-secret-before-rotation", "authorize_scopes": "openid",
               "attributes_request_method": "GET", "oidc_issuer": "https://idp.example.com"}
    s.w.ok("CreateIdentityProvider", {"UserPoolId": s.pool, "ProviderName": "Corp", "ProviderType": "OIDC",
                                      "ProviderDetails": details}, signed=True)
    before = keyed.query("SELECT client_secret_sealed FROM identity_providers WHERE pool_id = ?", s.pool)[0][0]
    keyed.stop()
    out = cli("rotate-master", "--data-dir", str(keyed.data_dir))
    assert out.returncode == 0, out.stderr
    assert keyed.query("SELECT client_secret_sealed FROM identity_providers WHERE pool_id = ?", s.pool)[0][0] != before
    keyed.start()
    got = s.w.ok("DescribeIdentityProvider", {"UserPoolId": s.pool, "ProviderName": "Corp"}, signed=True)
    assert got["IdentityProvider"]["ProviderDetails"] == details
