"""Storage: the schema (SQLAlchemy 2 ORM) and the engine for SQLite or PostgreSQL.

Everything a request needs lives here, never in process memory, so that several
server processes over one PostgreSQL can serve any request (challenge sessions, SRP
state, codes, lockout counters, token families). Times are epoch seconds (floats).
The schema is created and upgraded by Alembic (``migrations/``), never by ``create_all``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    cast,
    create_engine,
    event,
    insert,
    inspect,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    configure_mappers,
    make_transient_to_detached,
    mapped_column,
    relationship,
    sessionmaker,
)
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.util.concurrency import greenlet_spawn, in_greenlet

from userpool.server.memo import Recent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

try:  # POSIX: processes queue for SQLite's write lock on flock (WriterLock)
    import fcntl
except ImportError:  # pragma: no cover - elsewhere, threads queue and SQLite's busy handler does the rest
    fcntl = None  # type: ignore[assignment]

_T = TypeVar("_T")


class Base(DeclarativeBase):
    pass


class UserPool(Base):
    __tablename__ = "user_pools"
    id: Mapped[str] = mapped_column(String(55), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    region: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)
    # The UserPoolType members as Cognito describes them (policies, schema, MFA, ...).
    config: Mapped[dict[str, Any]] = mapped_column(JSON)


class AppClient(Base):
    __tablename__ = "app_clients"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    secret_sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("pool_id", "username_key", name="uq_users_pool_username"),
        Index("ix_users_pool_created", "pool_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(128))
    # username as compared: lower-cased when the pool is case-insensitive
    username_key: Mapped[str] = mapped_column(String(128))
    sub: Mapped[str] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)
    password_hash: Mapped[str | None] = mapped_column(Text)
    srp_salt: Mapped[str | None] = mapped_column(String(80))
    srp_verifier_sealed: Mapped[str | None] = mapped_column(Text)
    temp_password_expires_at: Mapped[float | None] = mapped_column(Float)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[float | None] = mapped_column(Float)
    locked_until: Mapped[float | None] = mapped_column(Float)
    # MFA settings (issue 5): preferred method, enabled methods, sealed TOTP seed
    mfa: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    totp_secret_sealed: Mapped[str | None] = mapped_column(Text)

    attributes: Mapped[list[UserAttribute]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def attr(self, name: str) -> str | None:
        for a in self.attributes:
            if a.name == name:
                return a.value
        return None

    def attr_map(self) -> dict[str, str]:
        return {a.name: a.value for a in self.attributes}


class UserAttribute(Base):
    __tablename__ = "user_attributes"
    __table_args__ = (Index("ix_user_attributes_lookup", "pool_id", "name", "value_key"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_id: Mapped[str] = mapped_column(String(55))
    value: Mapped[str] = mapped_column(Text)
    # value as looked up: lower-cased for email; prefix-indexed for ListUsers ^= filters
    value_key: Mapped[str] = mapped_column(String(256))
    user: Mapped[User] = relationship(back_populates="attributes")


class Group(Base):
    __tablename__ = "groups"
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    description: Mapped[str | None] = mapped_column(String(2048))
    role_arn: Mapped[str | None] = mapped_column(String(2048))
    precedence: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)


class UserGroup(Base):
    __tablename__ = "user_groups"
    __table_args__ = (Index("ix_user_groups_group", "pool_id", "group_name"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    pool_id: Mapped[str] = mapped_column(String(55), primary_key=True)
    group_name: Mapped[str] = mapped_column(String(128), primary_key=True)


class Code(Base):
    """A one-time code (sign-up, reset, attribute verification, MFA): stored hashed."""

    __tablename__ = "codes"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)


class AuthSession(Base):
    """An in-flight challenge (``Session`` / SRP ``SECRET_BLOCK``), looked up by the hash of its handle."""

    __tablename__ = "auth_sessions"
    handle_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_id: Mapped[str] = mapped_column(String(55))
    client_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(128))
    challenge: Mapped[str] = mapped_column(String(64))
    state_sealed: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class TokenFamily(Base):
    """One sign-in: every access/ID/refresh token it yields carries its ``origin_jti``."""

    __tablename__ = "token_families"
    __table_args__ = (Index("ix_token_families_user", "user_id"),)
    origin_jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    pool_id: Mapped[str] = mapped_column(String(55))
    client_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    auth_time: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float)
    revoked_reason: Mapped[str | None] = mapped_column(String(64))
    # the OAuth 2.0 scopes a managed-login sign-in was granted (refreshes keep them); None for API sign-ins
    scopes: Mapped[str | None] = mapped_column(Text)
    # the tracked device this sign-in was made on (the access token's device_key claim); None without tracking
    device_key: Mapped[str | None] = mapped_column(String(64))


class Device(Base):
    """A tracked device (DeviceConfiguration): its key, SRP verifier (sealed, as a password's is)
    once ConfirmDevice has run, and whether the user chose to remember it."""

    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_user", "user_id", "created_at"),)
    device_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_key: Mapped[str] = mapped_column(String(64))
    srp_salt: Mapped[str | None] = mapped_column(String(80))
    verifier_sealed: Mapped[str | None] = mapped_column(Text)  # None until ConfirmDevice
    remembered: Mapped[str | None] = mapped_column(String(16))  # remembered / not_remembered / None (not confirmed)
    name: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)
    last_authenticated_at: Mapped[float | None] = mapped_column(Float)
    last_ip: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin_jti: Mapped[str] = mapped_column(ForeignKey("token_families.origin_jti", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    rotated_at: Mapped[float | None] = mapped_column(Float)


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    # published: in JWKS; active: the one that signs; retired: verifies until its tokens expire
    status: Mapped[str] = mapped_column(String(16))
    retire_after: Mapped[float | None] = mapped_column(Float)
    private_sealed: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)


class ImportJob(Base):
    """A CSV user import job (CreateUserImportJob ...): its state lives here so that any
    process can describe, resume or stop it; ``rows_done`` makes a resumed run skip what a
    previous run committed (each batch commits its users and its progress together)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_pool", "pool_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(55), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    role_arn: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[float | None] = mapped_column(Float)
    uploaded_bytes: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    completion_message: Mapped[str | None] = mapped_column(String(128))
    # the process running it holds a lease; an expired lease lets any process resume the job
    runner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[float | None] = mapped_column(Float)
    # instead of CloudWatch logs: the first rows that failed or were skipped, and why
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ImportChunk(Base):
    """The uploaded CSV, in pieces of a few MiB, in upload order."""

    __tablename__ = "import_chunks"
    job_id: Mapped[str] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RateWindow(Base):
    """Requests counted in one window of a rate limit (``ratelimit.py``), shared by every
    server process. ``ip`` is ``*`` for the pool-wide count; ``pool_id`` is empty for requests
    that name no pool."""

    __tablename__ = "rate_windows"
    __table_args__ = (Index("ix_rate_windows_start", "window_start"),)
    pool_id: Mapped[str] = mapped_column(String(55), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class UnknownUser(Base):
    """Failed attempts against a username that does not exist (``enumeration.py``): with
    PreventUserExistenceErrors an unknown user locks out and runs out of code attempts
    exactly as a real one would. Keyed by a keyed hash of the name, never the name."""

    __tablename__ = "unknown_users"
    __table_args__ = (Index("ix_unknown_users_updated", "updated_at"),)
    pool_id: Mapped[str] = mapped_column(String(55), primary_key=True)
    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[float | None] = mapped_column(Float)
    locked_until: Mapped[float | None] = mapped_column(Float)
    code_expires_at: Mapped[float | None] = mapped_column(Float)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[float] = mapped_column(Float)


# managed login (OAuth 2.0): domains, resource servers, identity providers, the hosted
# page's look, federated identities linked to users, and the hosted flows' short-lived state
# (authorization codes, hosted-UI sessions). Every row goes with its pool (ON DELETE CASCADE).


class UserPoolDomain(Base):
    """A Cognito prefix domain (``<prefix>.auth.<region>.amazoncognito.com``) or a custom
    domain: the hosted endpoints find their pool by ``domain`` (unique across all pools)."""

    __tablename__ = "user_pool_domains"
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), index=True)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate_arn: Mapped[str | None] = mapped_column(String(2048))
    cloudfront_distribution: Mapped[str] = mapped_column(String(255))
    # managed login version: 1 classic hosted UI, 2 managed login (branding)
    managed_login_version: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)


class ResourceServer(Base):
    """An OAuth resource server: custom scopes ``<identifier>/<ScopeName>``."""

    __tablename__ = "resource_servers"
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(256), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    # [{"ScopeName": ..., "ScopeDescription": ...}] as Cognito describes them
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)


class IdentityProvider(Base):
    """A federated identity provider (OIDC, SAML, social). ``details`` holds ProviderDetails
    without ``client_secret``, which is sealed in ``client_secret_sealed``."""

    __tablename__ = "identity_providers"
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider_type: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_secret_sealed: Mapped[str | None] = mapped_column(Text)
    attribute_mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idp_identifiers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)


class IdpIdentifier(Base):
    """One of an identity provider's IdpIdentifiers: unique in its pool, and the key of
    GetIdentityProviderByIdentifier."""

    __tablename__ = "idp_identifiers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["pool_id", "provider_name"], ["identity_providers.pool_id", "identity_providers.name"], ondelete="CASCADE"
        ),
        Index("ix_idp_identifiers_provider", "pool_id", "provider_name"),
    )
    pool_id: Mapped[str] = mapped_column(String(55), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(40), primary_key=True)
    provider_name: Mapped[str] = mapped_column(String(32))


class UICustomization(Base):
    """SetUICustomization: CSS and logo for the whole pool (``client_id`` ``ALL``) or one app
    client (removed with the client by DeleteUserPoolClient)."""

    __tablename__ = "ui_customizations"
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    css: Mapped[str | None] = mapped_column(Text)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float)
    modified_at: Mapped[float] = mapped_column(Float)


class ProviderLink(Base):
    """A federated identity (provider, subject) that signs in as an existing user
    (AdminLinkProviderForUser); a (provider, subject) links to at most one user of a pool."""

    __tablename__ = "provider_links"
    __table_args__ = (Index("ix_provider_links_user", "user_id"),)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), primary_key=True)
    provider_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider_user_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    # the ProviderAttributeName the link was made with (Cognito_Subject or a mapped attribute)
    attribute_name: Mapped[str] = mapped_column(String(256))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[float] = mapped_column(Float)


class OAuthCode(Base):
    """An authorization code (/oauth2/authorize -> /oauth2/token), stored as its hash, single use."""

    __tablename__ = "oauth_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("app_clients.id", ondelete="CASCADE"), index=True)
    user_sub: Mapped[str] = mapped_column(ForeignKey("users.sub", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    auth_time: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    used_at: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HostedSession(Base):
    """A hosted-UI sign-in session (the cookie on the pool's domain), stored as the cookie's hash."""

    __tablename__ = "hosted_sessions"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"), index=True)
    user_sub: Mapped[str] = mapped_column(ForeignKey("users.sub", ondelete="CASCADE"), index=True)
    auth_time: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)



class ConsoleSignInFailure(Base):
    """Failed admin-console sign-ins from one address (``ip`` ``*``: from all of them), so that
    every server process refuses a guesser once it has used up its tries (console/auth.py)."""

    __tablename__ = "console_sign_in_failures"
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class WebAuthnCredential(Base):
    """A user's passkey (CompleteWebAuthnRegistration): the public key and signature counter that
    the WEB_AUTHN challenge verifies an assertion with; nothing secret is stored."""

    __tablename__ = "webauthn_credentials"
    __table_args__ = (UniqueConstraint("pool_id", "credential_id", name="uq_webauthn_credentials_pool_credential"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("user_pools.id", ondelete="CASCADE"))
    user_sub: Mapped[str] = mapped_column(ForeignKey("users.sub", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400))  # base64url, as the wire carries it
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE_Key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    rp_id: Mapped[str] = mapped_column(String(253))
    friendly_name: Mapped[str | None] = mapped_column(String(256))
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    authenticator_attachment: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float)
    last_used_at: Mapped[float | None] = mapped_column(Float)


class WebAuthnRegistration(Base):
    """A started passkey registration (StartWebAuthnRegistration), one per user: only the hash of
    its challenge is kept, and CompleteWebAuthnRegistration deletes it (single use)."""

    __tablename__ = "webauthn_registrations"
    user_sub: Mapped[str] = mapped_column(ForeignKey("users.sub", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128))
    challenge_hash: Mapped[str] = mapped_column(String(64))
    rp_id: Mapped[str] = mapped_column(String(253))
    user_verification: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[float] = mapped_column(Float, index=True)


def _sqlite_engine(url: str, *, read_only: bool) -> Engine:
    # A file database's connections are each kept by one thread between its units of work
    # (_ThreadConnections): as many as there are threads, so the pool never makes one wait.
    unbounded = {"max_overflow": -1} if _sqlite_file(url) is not None else {}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8, **unbounded)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver so that SQLAlchemy's BEGIN below is the only one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not read_only:  # WAL is a property of the file: the writer sets it, readers find it
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process crash
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if read_only:  # a write slipped into a read-only operation fails loudly, never half-done
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Writers take the write lock up front (no lock upgrades, so no SQLITE_BUSY deadlocks);
        # readers take a snapshot, which WAL lets them read beside the one writer.
        # On the driver's own connection: SQLAlchemy's execution path would cost more than the BEGIN.
        conn.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


_PING_AFTER = 1.0  # seconds a pooled PostgreSQL connection may sit idle before it is pinged at checkout


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it has been idle for ``_PING_AFTER``: one
    round trip per unit of work saved under load, where connections go out again at once, while
    one that sat idle across a PostgreSQL restart is still found dead and replaced before use.
    A connection that dies under load fails its statement; SQLAlchemy then recycles every older
    connection in the pool, and ``app.execute`` runs the unit again when nothing of it committed."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < _PING_AFTER:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure means the connection is gone
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the connection did not answer its ping")


def _postgres_url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://") :] if url.startswith("postgresql://") else url


# Connections in autocommit whose every statement is a read-only transaction of its own
# (``default_transaction_read_only``). A read unit needs no BEGIN and COMMIT round trips; at
# PostgreSQL's READ COMMITTED each statement sees its own snapshot inside a transaction as
# well, so a read sees what it saw before. A write slipped into a read fails loudly, as on
# SQLite's ``query_only`` connections. Nothing to reset when a connection comes back: in
# autocommit no transaction is ever left open (the pool's rollback on return was one more
# driver call per read unit), and the rollback a session ends with has nothing to undo.
_POSTGRES_READS: dict[str, Any] = {
    "pool_size": 5, "max_overflow": 10, "isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None,
    "skip_autocommit_rollback": True, "connect_args": {"options": "-c default_transaction_read_only=on"},
}


def _postgres_engine(url: str, *, read_only: bool) -> Engine:
    """``read_only``: on :data:`_POSTGRES_READS`'s connections, at most 5: the reads left to
    threads (pages, JWKS, the console), the wire API's being on the loop's own (:class:`_LoopReads`):
    a worker holds 35 connections at most (15 writing, 15 on the loop, 5 on threads)."""
    settings = {**_POSTGRES_READS, "pool_size": 2, "max_overflow": 3} if read_only else {"pool_size": 10, "max_overflow": 5}
    engine = create_engine(_postgres_url(url), **settings)
    _ping_when_idle(engine)
    return engine


class _LoopReads:
    """PostgreSQL read units run on the event loop: sessions on psycopg's asyncio connections
    (:data:`_POSTGRES_READS`), used through SQLAlchemy's greenlet bridge, where each statement's
    round trip is awaited and the loop serves other requests meanwhile.

    Handing a one-statement read to a worker thread and back cost more of the server's CPU than
    the read (two thread wake-ups, the GIL handed over, the result posted back to the loop):
    through the ASGI app at 8 at once, GetUser 0.38 -> 0.33 ms of CPU.

    A unit's session is bound to a connection the loop keeps between units, as SQLite's threads
    keep theirs (:class:`_ThreadConnections`): checking a connection out of the pool and back
    costs as much CPU as the statement's own client work (GetUser 0.33 -> 0.29 ms). One kept
    longer than ``_PING_AFTER`` goes back to the pool, whose checkout pings it
    (:func:`_ping_when_idle`); when the database drops one (its unit fails and runs again,
    ``app.execute``), every kept one goes back too, for the pool to replace. asyncio connections belong to the loop that opened them: a loop other
    than the last one (each TestClient runs its own) gets an engine of its own; ``close`` (the
    app's shutdown) closes the engine's connections on their loop."""

    def __init__(self, url: str) -> None:
        self._url = _postgres_url(url)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: AsyncEngine | None = None
        self._kept: list[tuple[Connection, float]] = []

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        conn = self._take()
        try:
            with Session(bind=conn, expire_on_commit=False) as session:
                yield session
        except Exception:
            self._put_back(conn)  # an answer such as NotAuthorized, a refused statement: the pool's again
            raise
        except BaseException:  # cancelled mid-statement: the connection may have a query in flight
            conn.invalidate()
            self._put_back(conn)
            raise
        self._kept.append((conn, time.monotonic()))

    def _take(self) -> Connection:
        loop = asyncio.get_running_loop()
        if self._engine is None or loop is not self._loop:
            from sqlalchemy.ext.asyncio import create_async_engine

            self._engine = create_async_engine(self._url, **_POSTGRES_READS)
            _ping_when_idle(self._engine.sync_engine)
            self._loop, self._kept = loop, []
        now = time.monotonic()
        while self._kept:
            conn, since = self._kept.pop()
            if now - since < _PING_AFTER and not (conn.invalidated or conn.closed):
                return conn
            conn.close()  # back to the pool: its checkout pings it or replaces it
        return self._engine.sync_engine.connect()

    def _put_back(self, conn: Connection) -> None:
        if conn.invalidated:  # dropped by the database (or cancelled): the kept ones may be gone too
            self._release()
        conn.close()

    def _release(self) -> None:
        kept, self._kept = self._kept, []
        for conn, _ in kept:
            conn.close()

    async def close(self) -> None:
        engine, loop, self._engine, self._loop = self._engine, self._loop, None, None
        if engine is not None and loop is asyncio.get_running_loop():  # another loop's are left to it
            await greenlet_spawn(self._release)
            await engine.dispose()
        self._kept = []


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, read_only=read_only)
    return _postgres_engine(url, read_only=read_only)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'userpool.db'}"


class WriterLock:
    """SQLite's writers one at a time, across this process's threads and every other server
    process on the same file, each woken as soon as the lock is free.

    Every SQLite write transaction takes the file's write lock (BEGIN IMMEDIATE) anyway; queueing
    here first matters because SQLite's own busy handler polls, with sleeps of up to 100 ms, and
    lets late comers overtake (seconds of p99 under load). Threads queue on a re-entrant lock
    (a nested transaction in one thread still meets SQLite's own lock, as before); processes
    (``--workers N``) queue on ``flock`` of a file beside the database, which the kernel hands
    to the next waiter. Readers never take it."""

    def __init__(self, path: Path | None) -> None:
        self._threads = threading.RLock()
        self._path = path
        self._fd: int | None = None
        self._depth = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1 and self._path is not None and fcntl is not None:
            try:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def _sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite:///path`` URL (None in memory)."""
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def write_refused(exc: DBAPIError) -> bool:
    """Whether ``exc`` is a read unit's connection refusing a write: SQLite's ``query_only``
    ("attempt to write a readonly database"), PostgreSQL's read-only transaction (SQLSTATE 25006)."""
    return "readonly" in str(exc) or getattr(exc.orig, "sqlstate", None) == "25006"


class WriteNeeded(Exception):
    """Raised inside a read unit of work (``Context.read_only``) by work that must write, before
    it writes: ``app.execute`` runs the operation again in a transaction."""


class _ThreadConnections:
    """Sessions on a SQLite connection each thread keeps open between its units of work.

    Checking a connection out of the pool and back (a Connection object, the pool's events and
    its reset) costs about as much CPU as the rest of a one-row read's unit of work; a file
    connection costs nothing idle (WAL checkpoints do not wait for it). A unit begun inside
    another in the same thread (the thread's connection is in a transaction) gets a pooled
    connection of its own, as every unit did before, so no unit ever joins another's work; a
    connection closed or invalidated by an error is replaced."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()

    def __call__(self) -> Session:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._engine.connect()
            self._local.conn = conn
        elif conn.in_transaction():
            return Session(bind=self._engine, expire_on_commit=False)
        return Session(bind=conn, expire_on_commit=False)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = make_engine(url)
        self._sessions: Callable[[], Session] = sessionmaker(self.engine, expire_on_commit=False)
        self._writer: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        self._reads: Callable[[], Session] = self._sessions
        self._loop_reads: _LoopReads | None = None
        if self.is_sqlite:
            file = _sqlite_file(url)
            self._writer = WriterLock(file.with_name(file.name + ".writer-lock") if file else None)
            if file is not None:  # readers on their own connections: in parallel, beside the writer
                self._sessions = _ThreadConnections(self.engine)
                self._reads = _ThreadConnections(make_engine(url, read_only=True))
        else:
            self._reads = sessionmaker(make_engine(url, read_only=True), expire_on_commit=False)
            self._loop_reads = _LoopReads(url)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        with self._writer, self._sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that only reads, on a connection that refuses writes, without the
        writer lock. On SQLite one snapshot (WAL: beside the writer); on PostgreSQL each statement
        in autocommit (at READ COMMITTED each has its own snapshot in a transaction too); in a
        unit :meth:`on_loop` runs, on the loop's own connections (:class:`_LoopReads`)."""
        if self.is_sqlite:
            with self._reads() as session, session.begin():
                yield session
            return
        # PostgreSQL: no begin and commit to wrap around the statements (autocommit); the
        # ORM's for them cost as much client CPU as a one-row read's statement. The flush is
        # the commit's: a change made in a read is refused (write_refused), never dropped.
        with (self._loop_reads.session() if self._loop_reads is not None and in_greenlet() else self._reads()) as session:
            yield session
            session.flush()

    async def on_loop(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``fn``, a read unit that never waits for a lock, on the event loop itself: on
        SQLite as it is (a read is a fraction of a millisecond of CPU beside the writer); on
        PostgreSQL in a greenlet whose :meth:`read` units await the server's answers, so that
        the loop serves other requests meanwhile (:class:`_LoopReads`). A write unit begun
        inside it would block the loop: the callers run only reads here."""
        if self._loop_reads is None:
            return fn(*args, **kwargs)
        return await greenlet_spawn(fn, *args, **kwargs)

    async def close(self) -> None:
        """Close what belongs to the running loop (the app's shutdown)."""
        if self._loop_reads is not None:
            await self._loop_reads.close()

    def upgrade(self) -> None:
        from userpool.server.migrations import upgrade

        upgrade(self.engine)

    def integrity_ok(self) -> bool:
        if not self.is_sqlite:
            return True
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


class CompiledRead:
    """A hot SELECT, compiled by SQLAlchemy once per dialect and run on the transaction's own
    DB-API cursor: for a one-row read, SQLAlchemy's execution path (compiled-cache lookup,
    execution context, result processing) costs more CPU than the database does. Rows are plain
    tuples in the statement's column order; ``json_columns`` (positions) are decoded as the
    JSON type would (SQLite hands back text; psycopg decodes JSON itself); ``typed``: every
    column goes through SQLAlchemy's own result processor for it instead. The unit of work's
    pending changes are flushed first, as an ORM query's autoflush would, so they count."""

    def __init__(self, stmt: Any, json_columns: tuple[int, ...] = (), *, typed: bool = False) -> None:
        self._stmt = stmt
        self._json: list[tuple[int, Any]] = [(i, json_value) for i in json_columns]
        self._typed = typed
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}
        self._processors: dict[str, list[tuple[int, Any]]] = {}

    def _row_processors(self, dialect: Any, description: Any) -> list[tuple[int, Any]]:
        """Each selected column's result processor for ``dialect`` and the driver's column types
        (SQLite's 0/1 to bool, JSON text to values, ...), as SQLAlchemy's result handling applies
        them; kept for the dialect (``rows`` asks only when it has none)."""
        found = []
        for i, column in enumerate(self._stmt.selected_columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, description[i][1])
            if processor is not None:
                found.append((i, processor))
        return self._processors.setdefault(dialect.name, found)

    def _sql(self, dialect: Any) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self._stmt.compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            # the statement's own literals (a LIMIT, a constant in a WHERE) are bound parameters too
            fixed = {k: v for k, v in compiled.params.items() if v is not None}
            found = self._compiled.setdefault(dialect.name, (compiled.string, order, fixed))
        return found

    def rows(self, session: Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        session.flush()
        conn = session.connection()  # begins the session's transaction if need be
        sql, order, fixed = self._sql(conn.dialect)
        processors = self._processors.get(conn.dialect.name) if self._typed else self._json
        # psycopg builds the cursor's description (an object per column) when asked: only the
        # first run per dialect asks, to find the columns' processors
        rows, description = _run(conn, sql, order, {**fixed, **params} if fixed else params, fetch=True,
                                 describe=processors is None)
        if processors is None:
            processors = self._row_processors(conn.dialect, description)
        if not processors:
            return [tuple(r) for r in rows]
        out = []
        for r in rows:
            values = list(r)
            for i, processor in processors:
                values[i] = processor(values[i])
            out.append(tuple(values))
        return out


class CompiledInsert:
    """An INSERT of one row of ``model`` (every column), compiled by SQLAlchemy once per dialect
    and run on the transaction's own DB-API cursor, each value through its type's bind processor.
    The ORM's flush of one new object (unit of work, mapper, events) costs about five times the
    database's own work on SQLite; the hot inserts of a sign-in (its challenge session, token
    family and refresh token) go this way. Pending ORM changes are flushed first, as a query's
    autoflush would, so that rows the new one refers to are there; driver errors come back as
    SQLAlchemy's (``IntegrityError``, ``OperationalError``), as from the ORM."""

    def __init__(self, model: Any) -> None:
        table = model.__table__
        made = [c.key for c in table.c if c.default is not None or c.server_default is not None]
        if made or table.autoincrement_column is not None:  # values the ORM would make, this would not
            raise TypeError(f"{model.__name__} has defaulted or generated columns: insert it through the ORM")
        self.model = model
        self.names = columns_of(model)
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, list[tuple[str, Any]]]] = {}

    def _sql(self, dialect: Any) -> tuple[str, tuple[str, ...] | None, list[tuple[str, Any]]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            table = self.model.__table__
            compiled = insert(table).values({name: bindparam(name) for name in self.names}).compile(dialect=dialect)
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            processors = []
            for column in table.c:
                processor = column.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors.append((column.key, processor))
            found = self._compiled.setdefault(dialect.name, (compiled.string, order, processors))
        return found

    def run(self, session: Session, values: dict[str, Any]) -> tuple[Any, ...]:
        """Insert the row (columns not given are NULL); returns its values in ``names`` order."""
        unknown = values.keys() - set(self.names)
        if unknown:
            raise TypeError(f"{self.model.__name__} has no column(s) {sorted(unknown)}")
        row = tuple(values.get(name) for name in self.names)
        session.flush()
        conn = session.connection()
        sql, order, processors = self._sql(conn.dialect)
        bound = dict(zip(self.names, row, strict=True))
        for name, processor in processors:
            bound[name] = processor(bound[name])
        _run(conn, sql, order, bound, fetch=False)
        return row


def _run(
    conn: Connection, sql: str, order: tuple[str, ...] | None, bound: dict[str, Any], *, fetch: bool, describe: bool = False,
) -> tuple[Sequence[Any], Any]:
    """Run compiled ``sql`` on the transaction's own DB-API cursor: the values by name, or in
    ``order`` for a positional paramstyle; the rows when ``fetch``, and the cursor's description
    when ``describe`` (else None). The driver's
    errors are raised as SQLAlchemy raises them (an ``IntegrityError``, an ``OperationalError``
    such as a lock timeout or a read-only write), so that the unit of work's handling (retry,
    ``WriteNeeded``, ConcurrentModification) applies."""
    params = tuple(bound[name] for name in order) if order is not None else bound
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # asyncio drivers: SQLAlchemy's adapter
    try:
        try:
            cursor.execute(sql, params)
        except dbapi.Error as exc:
            # SQLAlchemy's own handling: the wrapped error, and on a dropped connection the
            # connection invalidated with every older one in its pool (connection_invalidated)
            conn._handle_dbapi_exception(exc, sql, params, cursor, None)
            raise  # not reached: the handler always raises
        if not fetch:
            return [], None
        return cursor.fetchall(), cursor.description if describe else None
    finally:
        cursor.close()


def json_value(value: Any) -> Any:
    """A JSON column's value as the JSON type gives it: SQLite hands back text, psycopg a value."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def json_as_text(column: Any, label: str | None = None) -> Any:
    """A JSON column read as its text on both databases (PostgreSQL casts it; psycopg would
    decode it at every read), for :class:`DecodedJson` or a comparison of the raw row."""
    return cast(column, Text).label(label or column.key) if isinstance(column.type, JSON) else column


class DecodedJson:
    """JSON texts decoded once per distinct text, the value shared by every read of that text:
    read it, never change it. Few texts recur on a hot read (an app client's configuration, the
    handful of users' MFA settings), and a text is its own key, so nothing can be stale."""

    def __init__(self, size: int = 512) -> None:
        self._values: Recent[str, Any] = Recent(size)

    def __call__(self, text: str | None) -> Any:
        if text is None:
            return None
        value = self._values.get(text)
        if value is None:  # not seen (or JSON null, cheap to read again)
            value = json.loads(text)
            if value is not None:
                self._values.put(text, value)
        return value


def columns_of(model: Any) -> tuple[str, ...]:
    """The attribute names of ``model``'s table columns, in table order (a raw row's order)."""
    return tuple(c.key for c in model.__table__.c)


def detached(model: Any, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """``model``'s instance for a row read raw (typed values, in ``names`` order), as the ORM
    would have loaded it, in no session. Building it costs a fraction of an ORM query.

    The values go straight into the instance's state, as the ORM's own loading does: the
    constructor would set each one as a change (an attribute event apiece, ~3/4 of the cost)
    only for ``make_transient_to_detached`` to commit them all. The models have no attribute
    events or mutable-type wrappers that setting would have run."""
    obj = _new_instance(model)()
    instance_state(obj).dict.update(zip(names, values, strict=True))
    make_transient_to_detached(obj)
    return obj


@functools.cache
def _new_instance(model: Any) -> Callable[[], Any]:
    """An empty instance of ``model`` with its ORM state, without ``__init__`` (as loading makes one).
    The constructor would configure the mappers on first use; this does it itself."""
    configure_mappers()
    return inspect(model).class_manager.new_instance  # type: ignore[no-any-return]


def attached(session: Session, model: Any, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """:func:`detached`, persistent in ``session``: the session's own instance when it holds
    one, else the new one (changes to it are flushed as UPDATEs; relationships not given load
    on first use)."""
    obj = detached(model, names, values)
    key = instance_state(obj).key  # set by make_transient_to_detached
    present = session.identity_map.get(key) if key is not None else None
    if present is not None:
        return present
    session.add(obj)
    return obj
