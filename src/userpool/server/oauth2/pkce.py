"""Proof Key for Code Exchange (RFC 7636): S256 and plain, as Cognito accepts them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

S256, PLAIN = "S256", "plain"
METHODS = (S256, PLAIN)
# RFC 7636 §4.1/§4.2: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def well_formed(value: str) -> bool:
    return _UNRESERVED.fullmatch(value) is not None


def challenge_of(verifier: str, method: str) -> str:
    if method == PLAIN:
        return verifier
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def verify(method: str, challenge: str, verifier: str | None) -> bool:
    """Does ``verifier`` answer ``challenge``? Constant-time; malformed verifiers never do."""
    if not verifier or not well_formed(verifier) or method not in METHODS:
        return False
    return hmac.compare_digest(challenge_of(verifier, method).encode(), challenge.encode())
