"""Who may use the admin console: the holder of the server's admin key, signed in with it.

The sign-in form takes the access key id and secret that SigV4 requests are signed with
(bootstrap.admin_credentials), compared in constant time. The session is a signed cookie
(oauth2/cookies.CookieJar, the hosted pages' signer) naming the key and carrying a MAC of
the key's secret, so replacing the admin credentials ends every console session, plus the
session's own CSRF secret. Failed sign-ins are counted per client address in the database
(every server process shares them): after :data:`FREE_ATTEMPTS` the address is refused,
even with the right key, for :data:`LOCK_SECONDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from userpool.server import audit
from userpool.server.console import admin_user
from userpool.server.context import ServerState
from userpool.server.db import ConsoleSignInFailure
from userpool.server.oauth2.cookies import CookieJar

SESSION_COOKIE = "userpool-console"
SESSION_SECONDS = 3600
FREE_ATTEMPTS = 5  # failed sign-ins from one address before it is locked out
ALL_ADDRESSES_ATTEMPTS = 50  # ... and from every address together
LOCK_SECONDS = 900
_ALL = "*"
_PURPOSE = "console-session"


@dataclass(frozen=True)
class Admin:
    """A signed-in console user: ``who`` is written to the audit log with every action."""

    who: str
    csrf_secret: str
    family: str | None = None  # an admin user's sign-in (its token family); None for the admin key


def _fingerprint(state: ServerState, key_id: str, secret: str) -> str:
    key = state.sealer.derive("console-session v1")
    return hmac.new(key, f"{key_id}\n{secret}".encode(), hashlib.sha256).hexdigest()


def check_key(state: ServerState, key_id: str, secret: str) -> bool:
    """Is (key_id, secret) one of the server's admin keys? Constant time in the secret, and the
    same work for an unknown key id as for a known one."""
    expected = state.admin_credentials.get(key_id)
    known = expected is not None
    expected = expected if expected is not None else "\0" * max(len(secret), 1)
    same = hmac.compare_digest(expected.encode(), secret.encode())
    return known and same


def session_value(state: ServerState, jar: CookieJar, key_id: str) -> str:
    secret = state.admin_credentials[key_id]
    body = {"k": key_id, "f": _fingerprint(state, key_id, secret), "c": jar.new_csrf_secret()}
    return jar.sign(body, _PURPOSE)


def user_session_value(jar: CookieJar, pool_id: str, sub: str, family: str) -> str:
    """An admin user's session (admin_user.py): pool, sub and sign-in, checked again on every request."""
    return jar.sign({"p": pool_id, "u": sub, "j": family, "c": jar.new_csrf_secret()}, _PURPOSE)


def admin_of(state: ServerState, jar: CookieJar, cookie: str | None) -> Admin | None:
    """The signed-in admin a session cookie names, or None (missing, forged, expired, the admin
    key it was made with is gone, or the admin user is no longer an enabled member of the group)."""
    body = jar.read(cookie, _PURPOSE, SESSION_SECONDS)
    if not isinstance(body, dict) or not isinstance(body.get("c"), str):
        return None
    csrf: str = body["c"]
    if "u" in body:
        return _admin_user(state, body.get("p"), body.get("u"), body.get("j"), csrf)
    key_id, mac = body.get("k"), body.get("f")
    if not (isinstance(key_id, str) and isinstance(mac, str)):
        return None
    secret = state.admin_credentials.get(key_id)
    if secret is None or not hmac.compare_digest(_fingerprint(state, key_id, secret), mac):
        return None
    return Admin(who=f"admin-key:{key_id}", csrf_secret=csrf)


def _admin_user(state: ServerState, pool_id: object, sub: object, family: object, csrf: str) -> Admin | None:
    client_id = state.config.admin_console_client
    if not (client_id and isinstance(pool_id, str) and isinstance(sub, str) and isinstance(family, str)):
        return None
    with state.database.transaction() as db:
        if admin_user.pool_of(db, client_id) != pool_id or not admin_user.signed_in(
                db, pool_id, sub, state.config.admin_console_group, family, time.time()):
            return None
    return Admin(who=f"user:{pool_id}/{sub}", csrf_secret=csrf, family=family)


# ------------------------------------------------------------------ failed sign-ins


def locked(db: Session, ip: str, now: float) -> bool:
    """Is this address (or every address) refused for now?"""
    for key in (ip[:64], _ALL):
        row = db.get(ConsoleSignInFailure, key)
        if row is not None and row.locked_until is not None and now < row.locked_until:
            return True
    return False


def record_failure(db: Session, ip: str, now: float) -> None:
    """Count one failed sign-in; lock the address (or all of them) once its tries are used up."""
    for key, allowed in ((ip[:64], FREE_ATTEMPTS), (_ALL, ALL_ADDRESSES_ATTEMPTS)):
        row = db.get(ConsoleSignInFailure, key, with_for_update=True)
        if row is None:
            row = ConsoleSignInFailure(ip=key, failures=0, first_failed_at=now, locked_until=None)
            db.add(row)
        elif now - row.first_failed_at > LOCK_SECONDS and not (row.locked_until and now < row.locked_until):
            row.failures, row.first_failed_at, row.locked_until = 0, now, None  # a fresh count
        row.failures += 1
        if row.failures >= allowed:
            row.locked_until = now + LOCK_SECONDS
            audit.event("console_lockout", ip=ip, scope=key, failures=row.failures)


def record_success(db: Session, ip: str) -> None:
    row = db.get(ConsoleSignInFailure, ip[:64])
    if row is not None:
        db.delete(row)
