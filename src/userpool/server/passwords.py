"""Passwords: argon2id hashes, Cognito's password policy, temporary passwords, SRP verifiers."""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from userpool import srp
from userpool.server import errors
from userpool.server.db import User, WriteNeeded
from userpool.server.sealing import Sealer

if TYPE_CHECKING:
    from userpool.server.context import Context

# OWASP's argon2id baseline (m=19 MiB, t=2, p=1).
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

# The symbols Cognito's policy counts as "special characters".
SYMBOLS = set("^$*.[]{}()?-\"!@#%&/\\,><':;|_~`+= ")

DEFAULT_POLICY: dict[str, Any] = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}


def policy_of(pool_config: dict[str, Any]) -> dict[str, Any]:
    return {**DEFAULT_POLICY, **pool_config.get("Policies", {}).get("PasswordPolicy", {})}


def check_policy(password: str, policy: dict[str, Any], exc: type[errors.CognitoError] = errors.InvalidPassword) -> None:
    """Raise Cognito's policy error for the first rule the password breaks."""
    problems = []
    if len(password) < policy["MinimumLength"]:
        problems.append("Password not long enough")
    if policy["RequireLowercase"] and not any(c.islower() for c in password):
        problems.append("Password must have lowercase characters")
    if policy["RequireUppercase"] and not any(c.isupper() for c in password):
        problems.append("Password must have uppercase characters")
    if policy["RequireNumbers"] and not any(c.isdigit() for c in password):
        problems.append("Password must have numeric characters")
    if policy["RequireSymbols"] and not any(c in SYMBOLS for c in password):
        problems.append("Password must have symbol characters")
    if password != password.strip():
        problems.append("Password must not begin or end with a space")
    if problems:
        raise exc("Password did not conform with policy: " + problems[0])


def temporary_password(policy: dict[str, Any]) -> str:
    """A random password that satisfies the pool's policy."""
    length = max(12, policy["MinimumLength"])
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "^$*.!@#%&-_+="]
    chars = [secrets.choice(p) for p in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def set_password(user: User, password: str, sealer: Sealer, memo: dict[Any, Any] | None = None) -> None:
    """Store an argon2id hash and Cognito's SRP verifier (sealed) for ``password``. ``memo``
    (``Context.carry``): the hash and verifier an earlier attempt of the request made for this
    user name and password, if any (their salts are random: any fresh pair is as good)."""
    key = ("set_password", user.pool_id, user.username, password)
    made: tuple[str, str, int] | None = memo.get(key) if memo is not None else None
    if made is None:
        made = (HASHER.hash(password), *srp.make_verifier(user.pool_id, user.username, password))
        if memo is not None:
            memo[key] = made
    user.password_hash, user.srp_salt, verifier = made
    user.srp_verifier_sealed = sealer.seal(format(verifier, "x").encode(), verifier_context(user))


def set_password_first(ctx: Context, user: User, password: str) -> None:
    """:func:`set_password` for an operation that may run first as a read (``app.Api._checks_first``):
    the hash and SRP verifier are made there, outside SQLite's writer lock, and kept in
    ``Context.carry``; the read attempt stops here (``db.WriteNeeded``), before anything is
    written, sent or called, and the transaction that follows takes them from the carry."""
    set_password(user, password, ctx.sealer, ctx.carry)
    if ctx.read_only:
        raise WriteNeeded


def verifier_context(user: User) -> str:
    return f"srp-verifier:{user.pool_id}:{user.sub}"


def srp_verifier(user: User, sealer: Sealer) -> int:
    if user.srp_verifier_sealed is None:
        raise ValueError("this user has no SRP verifier (no password yet)")
    return int(sealer.open(user.srp_verifier_sealed, verifier_context(user)), 16)


def verify_password(user: User | None, password: str, memo: dict[Any, Any] | None = None) -> bool:
    """argon2id check; for an unknown user, burn the same time on a dummy hash. ``memo``
    (``Context.carry``): the verdict for this hash and password, if an earlier attempt of the
    request has computed it, else computed and kept there."""
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    key = ("argon2id", stored, password)
    verdict: bool | None = memo.get(key) if memo is not None else None
    if verdict is None:
        try:
            verdict = HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            verdict = False
        if memo is not None:
            memo[key] = verdict
    return verdict and bool(user and user.password_hash)
