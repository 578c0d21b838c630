"""Per-pool RS256 signing keys and the JWKS that publishes them.

Private keys are stored sealed (see :mod:`sealing`); loaded key objects are cached in
process memory by ``kid`` only as a cache (keys never change once made), so any
process can sign or verify with any key it finds in the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from userpool.server.db import CompiledRead, SigningKey
from userpool.server.sealing import Sealer

PUBLISHED, ACTIVE, RETIRED = "published", "active", "retired"


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: a stable kid derived from the public key itself."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.b64encode(hashlib.sha256(canonical.encode()).digest()).decode()


def new_key(pool_id: str, sealer: Sealer, now: float, status: str = ACTIVE) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return SigningKey(
        kid=kid,
        pool_id=pool_id,
        created_at=now,
        status=status,
        private_sealed=sealer.seal(pem, f"signing-key:{kid}"),
        public_jwk=jwk,
    )


def active_kid_query(pool_id: Any) -> Select[str]:
    """The kid a pool signs with now: its newest active key."""
    return (
        select(SigningKey.kid)
        .where(SigningKey.pool_id == pool_id, SigningKey.status == ACTIVE)
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    )


# Read on every issuance (never cached across requests: another process may rotate keys);
# built once, as building the statement costs more CPU than running it. Most issuances do
# not run it: the unit's first read (pools.get_client_and_pool) brought the kid along.
_ACTIVE_KID = CompiledRead(active_kid_query(bindparam("pool_id")))
_KIDS_READ = "userpool.active_kids"


def note_active_kid(db: Session, pool_id: str, kid: str | None) -> None:
    """Remember ``kid`` as the pool's active kid for the rest of this unit of work (``db``), as
    read by a statement of the unit: the key ring then need not read it again."""
    if kid is not None:
        db.info.setdefault(_KIDS_READ, {})[pool_id] = kid


class KeyRing:
    """Loads sealed keys on first use and keeps the objects (thread-safe)."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._private: dict[str, rsa.RSAPrivateKey] = {}
        self._public: dict[str, tuple[str, Any]] = {}
        self._lock = threading.Lock()

    def active_key(self, db: Session, pool_id: str) -> tuple[str, rsa.RSAPrivateKey]:
        # Looked up once per request (the access and ID tokens of one answer share it); only the
        # kid is read (unless the unit has read it already) and the key object when not loaded yet.
        memo = db.info.setdefault("userpool.active_keys", {})
        hit = memo.get(pool_id)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        kid = db.info.get(_KIDS_READ, {}).get(pool_id)
        if kid is None:
            found = _ACTIVE_KID.rows(db, {"pool_id": pool_id})
            kid = found[0][0] if found else None
        if kid is None:
            raise LookupError(f"pool {pool_id} has no active signing key")
        key = self._private.get(kid)
        if key is None:
            row = db.get(SigningKey, kid)
            if row is None:
                raise LookupError(f"signing key {kid} of pool {pool_id} is gone")
            pem = self._sealer.open(row.private_sealed, f"signing-key:{row.kid}")
            loaded = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise TypeError(f"signing key {kid} is not an RSA key")
            with self._lock:
                key = self._private.setdefault(kid, loaded)
        memo[pool_id] = (kid, key)
        return kid, key

    def public_key(self, db: Session, kid: str) -> tuple[str, Any] | None:
        """(pool id, public key) for a kid this server published, else None."""
        hit = self._public.get(kid)
        if hit is not None:
            return hit
        row = db.get(SigningKey, kid)
        if row is None:
            return None
        value = (row.pool_id, RSAAlgorithm.from_jwk(row.public_jwk))
        with self._lock:
            self._public[kid] = value
        return value


def jwks(db: Session, pool_id: str, now: float | None = None) -> dict[str, Any]:
    """Published, active, and retired keys whose tokens may still be valid (``keyadmin.py``)."""
    now = time.time() if now is None else now
    rows = db.scalars(select(SigningKey).where(SigningKey.pool_id == pool_id).order_by(SigningKey.created_at)).all()
    return {"keys": [r.public_jwk for r in rows if r.status != RETIRED or r.retire_after is None or r.retire_after > now]}
