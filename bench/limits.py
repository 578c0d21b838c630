"""The physical limits every userpool figure is compared with, measured on this machine in the
same run: what one CPU-second buys of the costliest step of each operation."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from userpool import srp


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per CPU-second of this process (CPU time, not wall time: the figure stays right
    when other processes share the cores, and it is what the server figures are divided by)."""
    fn()  # warm up
    n = 0
    start_cpu = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or n < 3:
        fn()
        n += 1
    return n / max(1e-9, time.process_time() - start_cpu)


def rsa_signatures_per_second(seconds: float = 1.0) -> float:
    """RS256 over a JWT-sized message with a 2048-bit key (cryptography, as PyJWT signs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    msg = secrets.token_bytes(900)
    return _rate(lambda: key.sign(msg, padding.PKCS1v15(), hashes.SHA256()), seconds)


def rsa_verifications_per_second(seconds: float = 1.0) -> float:
    """RS256 signature checks with a 2048-bit key (every call that takes an access token)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    msg = secrets.token_bytes(900)
    sig = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()
    return _rate(lambda: public.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256()), seconds)


def srp_modexps_per_second(seconds: float = 1.0, cpython: bool = False) -> float:
    """One 3072-bit modular exponentiation with a 256-bit exponent, the unit of the SRP server's
    work (g^b in server_ephemeral; v^u and (A·v^u)^b in server_session_key: 3 per sign-in),
    through ``srp.modpow`` as the server runs it (OpenSSL's constant-time exponentiation), or CPython's pow."""
    base = int.from_bytes(secrets.token_bytes(384), "big") % srp.N
    exp = int.from_bytes(secrets.token_bytes(32), "big")
    if cpython:
        return _rate(lambda: pow(base, exp, srp.N), seconds)
    return _rate(lambda: srp.modpow(base, exp), seconds)


def argon2_verifications_per_second(seconds: float = 1.0) -> float:
    """argon2id verifications at the pool's parameters (m=19456 KiB, t=2, p=1)."""
    from userpool.server.passwords import HASHER

    stored = HASHER.hash("Correct-horse-1")
    return _rate(lambda: HASHER.verify(stored, "Correct-horse-1"), seconds)


def measure(seconds: float = 1.0) -> dict[str, float]:
    return {
        "rsa2048_sign": rsa_signatures_per_second(seconds),
        "srp_modexp": srp_modexps_per_second(seconds),
        "argon2id_verify": argon2_verifications_per_second(seconds),
    }


if __name__ == "__main__":
    for k, v in measure().items():
        print(f"{k}: {v:,.0f}/s")
