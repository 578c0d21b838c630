"""Key maintenance behind ``userpool keys``: signing-key rotation per pool and master-key rotation.

**Signing keys** rotate in two steps, so that no verifier ever meets a token signed with a
key it cannot find:

1. ``userpool keys rotate --pool ID`` makes a new key with status ``published``: it is in the
   pool's JWKS at once but signs nothing yet.
2. ``userpool keys activate --pool ID`` (after verifiers had time to refetch the JWKS: at
   least the JWKS route's ``max-age``, :data:`PUBLISH_BEFORE_ACTIVATE`, unless ``--force``)
   makes the newest published key ``active``. The key it replaces becomes ``retired``: it
   stays in the JWKS and verifies tokens until every token it signed has expired
   (``retire_after`` = now + the longest access/ID token lifetime), then leaves the JWKS.

**The master key** (``USERPOOL_MASTER_KEY`` or ``DATA_DIR/master.key``) encrypts every sealed
column. ``userpool keys rotate-master`` decrypts each with the current key and re-encrypts it
with a new one in one transaction, then installs the new key file (or prints the new
environment value). Stop the servers first: a running server still holds the old key.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from userpool.server import keys, mfa, passwords
from userpool.server.db import (
    AppClient,
    AuthSession,
    Base,
    Database,
    IdentityProvider,
    SigningKey,
    User,
    UserPool,
)
from userpool.server.ops.identity_providers import secrets_context
from userpool.server.sealing import MASTER_KEY_ENV, Sealer, load_master_key

PUBLISH_BEFORE_ACTIVATE = 300  # seconds: the JWKS route's Cache-Control max-age
RETIRE_AFTER = 86400  # seconds: the longest access/ID token lifetime Cognito allows (1 day)


class KeyAdminError(Exception):
    """A refused key operation, with a message for the operator."""


# ------------------------------------------------------------------ signing keys


def _pool(db: Session, pool_id: str) -> UserPool:
    pool = db.get(UserPool, pool_id)
    if pool is None:
        raise KeyAdminError(f"user pool {pool_id} does not exist")
    return pool


def list_keys(db: Session, pool_id: str) -> list[SigningKey]:
    _pool(db, pool_id)
    return list(db.scalars(select(SigningKey).where(SigningKey.pool_id == pool_id).order_by(SigningKey.created_at)))


def rotate(db: Session, sealer: Sealer, pool_id: str, now: float) -> SigningKey:
    """Step 1: a new key, published in the JWKS, not yet signing."""
    _pool(db, pool_id)
    row = keys.new_key(pool_id, sealer, now, status=keys.PUBLISHED)
    db.add(row)
    return row


def activate(db: Session, pool_id: str, now: float, *, kid: str | None = None, force: bool = False) -> tuple[SigningKey, list[str]]:
    """Step 2: the newest published key (or ``kid``) signs from now on; the active one retires.

    Returns the new active key and the kids it retired.
    """
    rows = list_keys(db, pool_id)
    published = [r for r in rows if r.status == keys.PUBLISHED and (kid is None or r.kid == kid)]
    if not published:
        raise KeyAdminError(f"no published key{f' {kid}' if kid else ''} to activate in {pool_id}: run `userpool keys rotate` first")
    new = published[-1]
    waited = now - new.created_at
    if waited < PUBLISH_BEFORE_ACTIVATE and not force:
        raise KeyAdminError(
            f"key {new.kid} was published {int(waited)} s ago; verifiers may cache the JWKS for "
            f"{PUBLISH_BEFORE_ACTIVATE} s. Try again later, or pass --force."
        )
    retired = []
    for r in rows:
        if r.status == keys.ACTIVE:
            r.status = keys.RETIRED
            r.retire_after = now + RETIRE_AFTER
            retired.append(r.kid)
    new.status = keys.ACTIVE
    return new, retired


# ------------------------------------------------------------------ master key


@dataclass(frozen=True)
class Sealed:
    """A sealed value and the context (associated data) it was sealed with: a whole column, or
    one member of a JSON column (``json_key``)."""

    model: type[Base]
    column: str
    context: Callable[[Any], str]
    json_key: str | None = None

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}.{self.column}" + (f"[{self.json_key}]" if self.json_key else "")


SEALED: list[Sealed] = [
    Sealed(AppClient, "secret_sealed", lambda r: f"client-secret:{r.id}"),
    Sealed(User, "srp_verifier_sealed", passwords.verifier_context),
    Sealed(User, "totp_secret_sealed", lambda u: mfa._secret_context(u)),
    Sealed(User, "mfa", lambda u: mfa._secret_context(u, pending=True), json_key="TotpPending"),
    Sealed(AuthSession, "state_sealed", lambda r: f"auth-session:{r.handle_hash}"),
    Sealed(SigningKey, "private_sealed", lambda r: f"signing-key:{r.kid}"),
    Sealed(IdentityProvider, "client_secret_sealed", secrets_context),
]
_SEALED_PREFIX = "v1."  # Sealer.seal's format


def sealed_columns() -> set[str]:
    """Every ``*_sealed`` column of the schema, as ``table.column``."""
    return {
        f"{table.name}.{col.name}" for table in Base.metadata.sorted_tables for col in table.columns if col.name.endswith("_sealed")
    }


def _check_registry() -> None:
    known = {f"{s.model.__tablename__}.{s.column}" for s in SEALED if s.json_key is None}
    missing = sealed_columns() - known
    if missing:
        raise KeyAdminError(f"no sealing context known for {', '.join(sorted(missing))}; refusing to rotate")


def _unregistered_json_seals(db: Session) -> list[str]:
    """Sealed-looking strings inside JSON columns that no SEALED entry covers (a new feature that
    seals into a JSON column must register it, or rotation would strand it under the old key)."""
    registered = {(s.model.__tablename__, s.column, s.json_key) for s in SEALED if s.json_key}
    found = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        for col in mapper.columns:
            if col.type.__class__.__name__ != "JSON":
                continue
            for row_value in db.scalars(select(getattr(model, col.key)).where(getattr(model, col.key).is_not(None))):
                if not isinstance(row_value, dict):
                    continue
                for k, v in row_value.items():
                    if isinstance(v, str) and v.startswith(_SEALED_PREFIX) and (model.__tablename__, col.key, k) not in registered:
                        found.append(f"{model.__tablename__}.{col.key}[{k}]")
    return sorted(set(found))


def reseal_all(db: Session, old: Sealer, new: Sealer) -> dict[str, int]:
    """Re-encrypt every sealed value from ``old`` to ``new``; counts per column."""
    _check_registry()
    stray = _unregistered_json_seals(db)
    if stray:
        raise KeyAdminError(f"sealed values in {', '.join(stray)} have no known context; refusing to rotate")
    counts: dict[str, int] = {}
    for spec in SEALED:
        column = getattr(spec.model, spec.column)
        n = 0
        for row in db.scalars(select(spec.model).where(column.is_not(None))):
            value = getattr(row, spec.column)
            if spec.json_key is not None:
                if not isinstance(value, dict) or not isinstance(value.get(spec.json_key), str):
                    continue
                sealed = value[spec.json_key]
            else:
                sealed = value
            context = spec.context(row)
            try:
                plain = old.open(sealed, context)
            except (InvalidTag, ValueError) as exc:
                pk = inspect(row).identity
                raise KeyAdminError(
                    f"{spec.name} {pk} does not open with the current master key ({type(exc).__name__}); nothing was changed"
                ) from None
            resealed = new.seal(plain, context)
            setattr(row, spec.column, {**value, spec.json_key: resealed} if spec.json_key is not None else resealed)
            n += 1
        counts[spec.name] = n
    return counts


@dataclass
class MasterRotation:
    new_key: str  # base64url, as USERPOOL_MASTER_KEY takes it
    counts: dict[str, int]
    key_file: Path | None  # where the new key was written; None when it came from the environment


def rotate_master(data_dir: Path, database_url: str | None, new_key: bytes | None = None) -> MasterRotation:
    """Re-encrypt everything under a new master key and install it.

    With the key in ``DATA_DIR/master.key``: the new key is written to ``master.key.new`` first,
    the database is re-encrypted in one transaction, then the file replaces ``master.key``
    (if the process dies between the commit and the rename, ``master.key.new`` is the key
    the database needs). With ``USERPOOL_MASTER_KEY``: the new value is returned for the
    operator to set in every server's environment; no file is touched.
    """
    from_env = bool(os.environ.get(MASTER_KEY_ENV))
    path = data_dir / "master.key"
    if not from_env and not path.exists():
        raise KeyAdminError(f"no master key: neither {MASTER_KEY_ENV} nor {path}")
    old = Sealer(load_master_key(data_dir))
    key = new_key or secrets.token_bytes(32)
    encoded = base64.urlsafe_b64encode(key).decode()
    staged = data_dir / "master.key.new"
    if not from_env:
        staged.unlink(missing_ok=True)
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(encoded)
            f.flush()
            os.fsync(f.fileno())
    from userpool.server.db import sqlite_url

    database = Database(database_url or sqlite_url(data_dir))
    try:
        database.upgrade()
        with database.transaction() as db:
            counts = reseal_all(db, old, Sealer(key))
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    finally:
        database.engine.dispose()
    if from_env:
        return MasterRotation(encoded, counts, None)
    os.replace(staged, path)
    return MasterRotation(encoded, counts, path)
