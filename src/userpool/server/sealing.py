"""Secrets at rest: the master key, envelope encryption and one-way hashes.

A database dump alone must give an attacker nothing to replay or crack quickly, so
secrets the server must read back (SRP verifiers, TOTP seeds, signing keys, client
secrets, SRP session keys) are encrypted with AES-256-GCM under a key derived from a
master key kept *outside* the database (``USERPOOL_MASTER_KEY`` or ``DATA_DIR/master.key``),
and secrets it only has to recognise (refresh tokens, codes, session handles) are
stored as SHA-256 hashes, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import string
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_ENV = "USERPOOL_MASTER_KEY"
_ALNUM = string.ascii_letters + string.digits


def load_master_key(data_dir: Path) -> bytes:
    """The 32-byte master key: from the environment, else the key file (created 0600)."""
    env = os.environ.get(MASTER_KEY_ENV)
    if env:
        key = base64.urlsafe_b64decode(env.strip() + "=" * (-len(env.strip()) % 4))
        if len(key) != 32:
            raise SystemExit(f"{MASTER_KEY_ENV} must be 32 bytes, base64url-encoded")
        return key
    path = data_dir / "master.key"
    if path.exists():
        return base64.urlsafe_b64decode(path.read_text().strip())
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.urlsafe_b64encode(key).decode())
    return key


class Sealer:
    """Envelope encryption and keyed derivations under one master key."""

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(self._derive(master_key, b"userpool at-rest v1"))
        self._mac_key = self._derive(master_key, b"userpool derivations v1")

    @staticmethod
    def _derive(master: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    def seal(self, plaintext: bytes, context: str) -> str:
        """AES-GCM with ``context`` (e.g. ``srp-verifier:<pool>:<user>``) bound as associated data."""
        nonce = secrets.token_bytes(12)
        return "v1." + base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plaintext, context.encode())).decode()

    def open(self, sealed: str, context: str) -> bytes:
        raw = base64.urlsafe_b64decode(sealed.removeprefix("v1."))
        return self._aead.decrypt(raw[:12], raw[12:], context.encode())

    def derive(self, *parts: str) -> bytes:
        """A stable keyed value (fake SRP salts for unknown users, stable pseudo-ids)."""
        return hmac.new(self._mac_key, "\x1f".join(parts).encode(), hashlib.sha256).digest()


def hash_secret(value: str) -> str:
    """How refresh tokens, codes and session handles are stored: SHA-256, hex.

    These are high-entropy random values (or short codes that also expire and are
    attempt-limited), so a fast unkeyed hash is enough to make a dump useless for replay.
    """
    return hashlib.sha256(value.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def random_uuid() -> str:
    """A random (version 4) UUID as text, what ``str(uuid.uuid4())`` gives, for a fraction of its
    CPU (``uuid.UUID``'s checks cost more than the randomness): every answer carries a request
    id and every token two or three (``jti``, ``event_id``)."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def random_token(nbytes: int = 48) -> str:
    return secrets.token_urlsafe(nbytes)


def random_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def random_alnum(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))
