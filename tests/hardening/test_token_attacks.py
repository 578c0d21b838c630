"""The server's own token-taking operations refuse every JWT attack.

Forgeries start from a real access token (same claims, same kid) so that the only thing
wrong is the attack: ``alg: none`` in any case, HS256 keyed with the public key, an embedded
``jwk`` or a ``jku`` header, unknown kid, tampered payload, stripped signature, other
algorithms, an expired token, a token signed by another pool's key claiming this pool, an
ID token, a refresh token, a token of an ended session. Tokens that need a valid signature
on a bad payload are minted with the pool's real private key, read from the data dir as an
attacker who had it could not (test setup standing in for the passage of time). Each one is
sent to every operation that takes an access token; every answer must be
``NotAuthorizedException``. Counts go to ``.results/tokens.json``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import sqlite3
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.hardening.support import Wire, record, shape_problem
from userpool.server import wire as server_wire
from userpool.server.operations import HANDLERS
from userpool.server.sealing import Sealer, load_master_key

MODEL = server_wire.service_model()
TOKEN_OPERATIONS = sorted(
    op for op in HANDLERS
    if MODEL.operation_model(op).input_shape is not None and "AccessToken" in MODEL.operation_model(op).input_shape.members
)
# Required members besides the token, valid enough that only the token can be refused.
_OTHER_MEMBERS: dict[str, Any] = {
    "ProposedPassword": "N3w-Passw0rd!", "PreviousPassword": PASSWORD, "UserAttributes": [{"Name": "name", "Value": "Mallory"}],
    "UserAttributeNames": ["name"], "AttributeName": "email", "Code": "123456", "UserCode": "123456",
    "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
    "DeviceKey": "us-east-1_00000000-0000-0000-0000-000000000000",  # the device operations
    "Credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {}}, "CredentialId": "eA",  # passkeys
}


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    h, p, s = token.split(".")
    return json.loads(base64.urlsafe_b64decode(h + "==")), json.loads(base64.urlsafe_b64decode(p + "==")), s


def assemble(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    return ".".join([b64(json.dumps(header)), b64(json.dumps(payload)), signature])


def pool_private_key(server: RunningServer, pool_id: str) -> tuple[str, Any]:
    """(kid, private key) of a pool's active key, opened with the data dir's master key."""
    conn = sqlite3.connect(f"file:{server.data_dir / 'userpool.db'}?mode=ro", uri=True)
    try:
        kid, sealed = conn.execute("SELECT kid, private_sealed FROM signing_keys WHERE pool_id = ? AND status = 'active'", (pool_id,)).fetchone()
    finally:
        conn.close()
    pem = Sealer(load_master_key(server.data_dir)).open(sealed, f"signing-key:{kid}")
    return kid, serialization.load_pem_private_key(pem, password=None)


def forgeries(server: RunningServer, a: dict[str, Any], b: dict[str, Any], tokens: dict[str, str]) -> dict[str, str]:
    """Name -> forged token, from a real access token of pool ``a`` (and one of pool ``b``)."""
    access = tokens["access"]
    header, payload, signature = segments(access)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attacker_jwk = json.loads(RSAAlgorithm.to_jwk(attacker.public_key()))
    public_jwk = next(k for k in httpx.get(a["jwks_uri"]).json()["keys"] if k["kid"] == header["kid"])
    public_key: Any = RSAAlgorithm.from_jwk(public_jwk)
    public_pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid, real_key = pool_private_key(server, a["pool_id"])
    b_kid, b_key = pool_private_key(server, b["pool_id"])
    now = int(time.time())
    out: dict[str, str] = {}
    for alg in ("none", "None", "NONE", "nOnE"):
        out[f"alg {alg}, no signature"] = assemble({**header, "alg": alg}, payload)
        out[f"alg {alg}, original signature"] = assemble({**header, "alg": alg}, payload, signature)
    signing_input = f"{b64(json.dumps({**header, 'alg': 'HS256'}))}.{b64(json.dumps(payload))}"
    out["HS256 keyed with the public key (PEM)"] = signing_input + "." + b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    out["HS256 keyed with the public key (n)"] = signing_input + "." + b64(
        hmac.new(base64.urlsafe_b64decode(public_jwk["n"] + "=="), signing_input.encode(), hashlib.sha256).digest()
    )
    out["embedded jwk, attacker's key, attacker's kid"] = jwt.encode(payload, attacker, "RS256", headers={"kid": "attacker", "jwk": attacker_jwk})
    out["embedded jwk, attacker's key, real kid"] = jwt.encode(payload, attacker, "RS256", headers={"kid": header["kid"], "jwk": attacker_jwk})
    out["jku to the attacker, attacker's kid"] = jwt.encode(payload, attacker, "RS256", headers={"kid": "attacker", "jku": "http://127.0.0.1:1/jwks.json"})
    out["x5u to the attacker"] = jwt.encode(payload, attacker, "RS256", headers={"kid": "attacker", "x5u": "http://127.0.0.1:1/cert.pem"})
    out["unknown kid, attacker's key"] = jwt.encode(payload, attacker, "RS256", headers={"kid": str(uuid.uuid4())})
    out["no kid, attacker's key"] = jwt.encode(payload, attacker, "RS256")
    out["kid is a path"] = jwt.encode(payload, attacker, "RS256", headers={"kid": "../../../../dev/null"})
    out["kid is SQL"] = jwt.encode(payload, attacker, "RS256", headers={"kid": "' OR '1'='1"})
    out["real kid, attacker's key"] = jwt.encode(payload, attacker, "RS256", headers={"kid": header["kid"]})
    for claim, value in (("username", "admin"), ("sub", str(uuid.uuid4())), ("exp", now + 10**6), ("token_use", "access"), ("scope", "admin")):
        out[f"tampered payload: {claim}"] = assemble(header, {**payload, claim: value}, signature)
    out["stripped signature (two dots)"] = assemble(header, payload)
    out["stripped signature (one dot)"] = assemble(header, payload).rstrip(".")
    out["signature of another token"] = assemble(header, payload, segments(tokens["access2"])[2])
    out["four segments"] = access + ".x"
    out["Bearer prefix"] = "Bearer " + access
    out["whitespace around"] = f" {access} "
    out["header not JSON"] = b64("not json") + "." + access.split(".", 1)[1]
    out["duplicate alg, none last"] = b64('{"alg":"RS256","kid":"' + header["kid"] + '","alg":"none"}') + "." + access.split(".", 1)[1]
    out["huge token"] = access + "A" * 20000
    for alg in ("RS512", "PS256"):
        out[f"{alg} with the real key"] = jwt.encode(payload, real_key, alg, headers={"kid": kid})
    out["expired (real key)"] = jwt.encode({**payload, "exp": now - 60, "iat": now - 3660}, real_key, "RS256", headers={"kid": kid})
    out["not yet issued, no exp (real key)"] = jwt.encode({k: v for k, v in payload.items() if k != "exp"}, real_key, "RS256", headers={"kid": kid})
    out["unknown session (real key)"] = jwt.encode({**payload, "origin_jti": str(uuid.uuid4())}, real_key, "RS256", headers={"kid": kid})
    out["wrong issuer (real key)"] = jwt.encode({**payload, "iss": "https://evil.example/" + a["pool_id"] + "x"}, real_key, "RS256", headers={"kid": kid})
    out["another pool's key claiming this pool"] = jwt.encode(payload, b_key, "RS256", headers={"kid": b_kid})
    out["another pool's kid, this pool's key"] = jwt.encode(payload, real_key, "RS256", headers={"kid": b_kid})
    out["ID token"] = tokens["id"]
    out["refresh token"] = tokens["refresh"]
    out["token of a signed-out session"] = tokens["signed_out"]
    out["token of a disabled user"] = tokens["disabled"]
    out["token of a deleted user"] = tokens["deleted"]
    out["empty"] = ""
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """This module's own server (rate limits off: a thousand calls in seconds on one pool)."""
    srv = RunningServer(tmp_path_factory.mktemp("token-attacks"), "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def attack_setup(server: RunningServer) -> dict[str, Any]:
    a, b = create_pool(server), create_pool(server)
    admin = server.admin

    def user(pool: dict[str, Any]) -> str:
        name = f"u-{uuid.uuid4().hex[:8]}"
        admin.admin_create_user(UserPoolId=pool["pool_id"], Username=name, MessageAction="SUPPRESS")
        admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=name, Password=PASSWORD, Permanent=True)
        return name

    def sign_in(pool: dict[str, Any], name: str) -> dict[str, Any]:
        return dict(server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"])

    victim = user(a)
    first, second = sign_in(a, victim), sign_in(a, victim)
    signed_out_user, disabled_user, deleted_user = user(a), user(a), user(a)
    signed_out = sign_in(a, signed_out_user)["AccessToken"]
    server.public.global_sign_out(AccessToken=signed_out)
    disabled = sign_in(a, disabled_user)["AccessToken"]
    admin.admin_disable_user(UserPoolId=a["pool_id"], Username=disabled_user)
    deleted = sign_in(a, deleted_user)["AccessToken"]
    admin.admin_delete_user(UserPoolId=a["pool_id"], Username=deleted_user)
    sign_in(b, user(b))
    tokens = {"access": first["AccessToken"], "access2": second["AccessToken"], "id": first["IdToken"], "refresh": first["RefreshToken"],
              "signed_out": signed_out, "disabled": disabled, "deleted": deleted}
    return {"a": a, "b": b, "victim": victim, "tokens": tokens, "forged": forgeries(server, a, b, tokens)}


def body_for(op: str, token: str) -> dict[str, Any]:
    shape = MODEL.operation_model(op).input_shape
    body = {m: _OTHER_MEMBERS[m] for m in shape.required_members if m != "AccessToken" and m in _OTHER_MEMBERS}
    return {**body, "AccessToken": token}


def expected_errors(op: str, token: str) -> set[str]:
    """NotAuthorized; or, for a value the model's AccessToken shape itself refuses (a space, a
    ``Bearer`` prefix, empty), the model's InvalidParameter, as Cognito answers."""
    shape = MODEL.operation_model(op).input_shape.members["AccessToken"]
    fits = bool(token) and re.fullmatch(shape.metadata.get("pattern", ".*"), token) is not None
    return {"NotAuthorizedException"} if fits else {"NotAuthorizedException", "InvalidParameterException"}


def test_token_operations_are_known() -> None:
    assert {"GetUser", "GlobalSignOut", "ChangePassword", "DeleteUser", "UpdateUserAttributes"} <= set(TOKEN_OPERATIONS)
    for op in TOKEN_OPERATIONS:
        missing = set(MODEL.operation_model(op).input_shape.required_members) - {"AccessToken"} - set(_OTHER_MEMBERS)
        assert not missing, f"{op} needs a plausible value for {missing}"


def test_the_real_token_is_accepted(server: RunningServer, attack_setup: dict[str, Any]) -> None:
    """The control: everything below differs from this only by the attack."""
    w = Wire(server)
    r = w.call("GetUser", {"AccessToken": attack_setup["tokens"]["access"]})
    assert r.status_code == 200 and r.json()["Username"] == attack_setup["victim"]


def test_every_forgery_is_refused_by_every_token_operation(server: RunningServer, attack_setup: dict[str, Any]) -> None:
    w = Wire(server)
    accepted, wrong = [], []
    tries = 0
    for name, token in attack_setup["forged"].items():
        for op in TOKEN_OPERATIONS:
            r = w.call(op, body_for(op, token))
            tries += 1
            problem = shape_problem(r)
            if r.status_code == 200:
                accepted.append(f"{op} accepted {name}")
            elif problem or r.json()["__type"] not in expected_errors(op, token):
                wrong.append(f"{op} / {name}: {problem or r.json()}")
    # the victim's real session is untouched by all of it
    assert w.call("GetUser", {"AccessToken": attack_setup["tokens"]["access"]}).status_code == 200
    record("tokens", {"attack_tokens": len(attack_setup["forged"]), "token_operations": len(TOKEN_OPERATIONS), "tries": tries,
                      "accepted": len(accepted), "refused_with_another_error": len(wrong), "attacks": sorted(attack_setup["forged"])})
    assert not accepted, accepted
    assert not wrong, "\n".join(wrong)
