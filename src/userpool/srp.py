"""Cognito's SRP-6a (USER_SRP_AUTH / PASSWORD_VERIFIER), both sides, as pure functions.

Cognito's variant, as the real clients implement it (amazon-cognito-identity-js
``AuthenticationHelper``, Amplify v6 ``srp/``, pycognito ``aws_srp``):

* group: the 3072-bit prime of RFC 3526 / RFC 5054, ``g = 2``, hash SHA-256;
* numbers travel as "padded hex": even length, ``00`` prepended when the top bit is
  set, and ``H(hex)`` hashes the bytes the hex spells;
* ``x = H(pad(salt) ‖ SHA256(poolSuffix ‖ USER_ID_FOR_SRP ‖ ":" ‖ password))``;
* the session key is the first 16 bytes of HKDF-SHA256(ikm=pad(S), salt=pad(u),
  info="Caldera Derived Key" ‖ 0x01);
* ``PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolSuffix ‖ USER_ID_FOR_SRP ‖
  secretBlock ‖ TIMESTAMP))``.

Device authentication (DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER) is the same protocol with
the device group key in place of the pool suffix and the device key in place of
USER_ID_FOR_SRP (amazon-cognito-identity-js ``generateHashDevice``, Amplify v6
``getNewDeviceMetadata`` / ``handleDeviceSRPAuth``): the ``realm`` parameter below.

Nothing here does I/O; the server and the client (``userpool.auth``) both call it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import dh

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO_BITS = b"Caldera Derived Key\x01"


def pad_hex(value: int | str) -> str:
    """Cognito's padHex: even-length hex, with ``00`` in front when the top bit is set."""
    hex_str = value if isinstance(value, str) else format(value, "x")
    if len(hex_str) % 2 == 1:
        hex_str = "0" + hex_str
    elif hex_str[0] in "89abcdefABCDEF":
        hex_str = "00" + hex_str
    return hex_str


def hex_hash(hex_str: str) -> str:
    """SHA-256 of the bytes spelled by ``hex_str``, as 64 hex digits."""
    return hashlib.sha256(bytes.fromhex(hex_str)).hexdigest()


K = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)

try:  # GMP's side-channel-silent powm (mpz_powm_sec): several times faster than CPython's pow at 3072 bits
    from gmpy2 import powmod_sec as _powmod_sec
except ImportError:  # pragma: no cover - gmpy2 is in the server extra; the client works without it
    _powmod_sec = None

_GROUP = dh.DHParameterNumbers(N, G)
_PLACEHOLDER = dh.DHPublicNumbers(G, _GROUP)


def _openssl_modpow(base: int, exponent: int) -> int:
    """``base ** exponent mod N`` as OpenSSL computes a Diffie-Hellman shared secret in this very
    group: ``base`` is the peer's public value and ``exponent`` the private value, which OpenSSL
    raises in constant time (``BN_mod_exp_mont_consttime``, the private value being flagged
    ``BN_FLG_CONSTTIME``; measured here, exponents of one length and of lowest and highest weight
    take the same time, where GMP's variable-time powm differs by 15%): about 1.5x GMP's
    ``mpz_powm_sec``. The exchange uses only the
    private value; the public value a private key is built with is a placeholder (``_openssl_agrees``
    checks the results once per process). OpenSSL refuses ``base`` outside ``(1, N - 1)``."""
    key = dh.DHPrivateNumbers(exponent, _PLACEHOLDER).private_key()
    return int.from_bytes(key.exchange(dh.DHPublicNumbers(base, _GROUP).public_key()), "big")


@functools.cache
def _openssl_agrees() -> bool:
    """Whether the DH route gives ``pow``'s results (checked once, at the first exponentiation);
    if this cryptography ever checks the placeholder or behaves otherwise, modpow goes without it."""
    try:
        return all(
            _openssl_modpow(base, exponent) == pow(base, exponent, N)
            for base, exponent in ((G, 3), (N - 2, 2**255 + 1), (3**700 % N, 2**520 - 1))
        )
    except (ValueError, TypeError):  # pragma: no cover - only a changed cryptography gets here
        return False


def modpow(base: int, exponent: int, modulus: int = N) -> int:
    """``base ** exponent mod modulus``; every SRP exponentiation goes through here.

    The exponents (b, a, x, u) are 256 to 1300-bit values and the modulus is the 3072-bit
    group prime, so this is where SRP spends its time. In the group, with ``1 < base < N - 1``
    (every value but the degenerate ones), OpenSSL's constant-time exponentiation runs it
    (:func:`_openssl_modpow`); otherwise GMP's constant-time one when gmpy2 is installed (the
    modulus is odd, as mpz_powm_sec requires), else Python's ``pow``.
    """
    if modulus == N and exponent > 0 and 1 < base < N - 1 and _openssl_agrees():
        try:
            return _openssl_modpow(base, exponent)
        except ValueError:  # pragma: no cover - a value OpenSSL refuses though the range allows it
            pass
    if _powmod_sec is not None and exponent > 0 and modulus & 1:
        return int(_powmod_sec(base, exponent, modulus))
    return pow(base, exponent, modulus)


def compute_u(big_a: int, big_b: int) -> int:
    return int(hex_hash(pad_hex(big_a) + pad_hex(big_b)), 16)


def compute_x(pool_suffix: str, user_id_for_srp: str, password: str, salt_hex: str) -> int:
    """The private value; the salt is re-read as an integer, as every real client does."""
    inner = hashlib.sha256(f"{pool_suffix}{user_id_for_srp}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(int(salt_hex, 16)) + inner), 16)


def compute_verifier(x: int) -> int:
    return modpow(G, x)


def new_salt() -> str:
    """A 16-byte random salt, in the padded-hex form clients read back."""
    return pad_hex(int.from_bytes(secrets.token_bytes(16), "big") or 1)


def make_verifier(pool_id: str, user_id_for_srp: str, password: str, salt_hex: str | None = None) -> tuple[str, int]:
    """(salt, verifier) for a new password, derived exactly as Cognito does."""
    salt_hex = salt_hex or new_salt()
    x = compute_x(pool_suffix(pool_id), user_id_for_srp, password, salt_hex)
    return salt_hex, compute_verifier(x)


def pool_suffix(pool_id: str) -> str:
    """The part of ``us-east-1_AbC123`` after the underscore: the 'pool name' in SRP hashes."""
    return pool_id.split("_", 1)[1] if "_" in pool_id else pool_id


def hkdf_key(s: int, u: int) -> bytes:
    """First 16 bytes of HKDF-SHA256(ikm=pad(S), salt=pad(u), info='Caldera Derived Key'‖0x01)."""
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    return hmac.new(prk, INFO_BITS, hashlib.sha256).digest()[:16]


def cognito_timestamp(now: datetime | None = None) -> str:
    """``Thu Nov 6 04:59:30 UTC 2026``: English names, day of month not zero-padded."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[now.weekday()]} {months[now.month - 1]} {now.day} {now:%H:%M:%S} UTC {now.year}"


def claim_signature(key: bytes, pool_id: str, user_id_for_srp: str, secret_block_b64: str, timestamp: str) -> str:
    return realm_signature(key, pool_suffix(pool_id), user_id_for_srp, secret_block_b64, timestamp)


def realm_signature(key: bytes, realm: str, user_id_for_srp: str, secret_block_b64: str, timestamp: str) -> str:
    """The claim signature with ``realm`` (pool suffix, or a device group key) hashed first."""
    msg = (
        realm.encode()
        + user_id_for_srp.encode()
        + base64.b64decode(secret_block_b64)
        + timestamp.encode()
    )
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """``SECRET_HASH = base64(HMAC-SHA256(clientSecret, username ‖ clientId))``."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# ---------------------------------------------------------------- client side


@dataclass(frozen=True)
class ClientEphemeral:
    a: int
    big_a: int

    @property
    def srp_a(self) -> str:
        """SRP_A as the clients send it (plain hex of A)."""
        return format(self.big_a, "x")


def client_ephemeral(a: int | None = None) -> ClientEphemeral:
    while True:
        a_val = a if a is not None else int.from_bytes(secrets.token_bytes(128), "big") % N
        big_a = modpow(G, a_val)
        if big_a % N != 0:
            return ClientEphemeral(a_val, big_a)
        if a is not None:
            raise ValueError("A mod N is zero")


def client_session_key(
    eph: ClientEphemeral, pool_id: str, user_id_for_srp: str, password: str, salt_hex: str, srp_b_hex: str
) -> bytes:
    return realm_session_key(eph, pool_suffix(pool_id), user_id_for_srp, password, salt_hex, srp_b_hex)


def realm_session_key(
    eph: ClientEphemeral, realm: str, user_id_for_srp: str, password: str, salt_hex: str, srp_b_hex: str
) -> bytes:
    """The client's HKDF key, with ``x`` derived under ``realm`` (pool suffix or device group key)."""
    big_b = int(srp_b_hex, 16)
    if big_b % N == 0:
        raise ValueError("B mod N is zero")
    u = compute_u(eph.big_a, big_b)
    if u == 0:
        raise ValueError("u is zero")
    x = compute_x(realm, user_id_for_srp, password, salt_hex)
    s = modpow((big_b - K * modpow(G, x)) % N, eph.a + u * x)
    return hkdf_key(s, u)


def password_claim(
    eph: ClientEphemeral,
    pool_id: str,
    user_id_for_srp: str,
    password: str,
    salt_hex: str,
    srp_b_hex: str,
    secret_block_b64: str,
    timestamp: str | None = None,
) -> tuple[str, str]:
    """(PASSWORD_CLAIM_SIGNATURE, TIMESTAMP) answering a PASSWORD_VERIFIER challenge."""
    timestamp = timestamp or cognito_timestamp()
    key = client_session_key(eph, pool_id, user_id_for_srp, password, salt_hex, srp_b_hex)
    return claim_signature(key, pool_id, user_id_for_srp, secret_block_b64, timestamp), timestamp


# ---------------------------------------------------------------- devices


def new_device_password() -> str:
    """A device's random password, as the real clients make it (40 random bytes, base64)."""
    return base64.b64encode(secrets.token_bytes(40)).decode()


def device_verifier(device_group_key: str, device_key: str, password: str, salt_hex: str | None = None) -> tuple[str, int]:
    """(salt, verifier) that ConfirmDevice's DeviceSecretVerifierConfig carries (base64 of their bytes)."""
    salt_hex = salt_hex or new_salt()
    return salt_hex, compute_verifier(compute_x(device_group_key, device_key, password, salt_hex))


def device_password_claim(
    eph: ClientEphemeral,
    device_group_key: str,
    device_key: str,
    password: str,
    salt_hex: str,
    srp_b_hex: str,
    secret_block_b64: str,
    timestamp: str | None = None,
) -> tuple[str, str]:
    """(PASSWORD_CLAIM_SIGNATURE, TIMESTAMP) answering a DEVICE_PASSWORD_VERIFIER challenge."""
    timestamp = timestamp or cognito_timestamp()
    key = realm_session_key(eph, device_group_key, device_key, password, salt_hex, srp_b_hex)
    return realm_signature(key, device_group_key, device_key, secret_block_b64, timestamp), timestamp


# ---------------------------------------------------------------- server side


@dataclass(frozen=True)
class ServerEphemeral:
    b: int
    big_b: int

    @property
    def srp_b(self) -> str:
        return pad_hex(self.big_b)


def server_ephemeral(verifier: int, b: int | None = None) -> ServerEphemeral:
    b_val = b if b is not None else int.from_bytes(secrets.token_bytes(32), "big")
    big_b = (K * verifier + modpow(G, b_val)) % N
    return ServerEphemeral(b_val, big_b)


def parse_srp_a(srp_a_hex: str) -> int | None:
    """A as an integer, or None when it is not hex or ``A mod N = 0`` (refused by SRP-6a)."""
    try:
        big_a = int(srp_a_hex, 16)
    except (TypeError, ValueError):
        return None
    if big_a <= 0 or big_a % N == 0:
        return None
    return big_a


def server_session_key(big_a: int, verifier: int, eph: ServerEphemeral) -> bytes | None:
    """The HKDF key the client should have derived, or None when ``u = 0``."""
    u = compute_u(big_a, eph.big_b)
    if u == 0:
        return None
    s = modpow(big_a * modpow(verifier, u) % N, eph.b)
    return hkdf_key(s, u)


def verify_claim(
    key: bytes, pool_id: str, user_id_for_srp: str, secret_block_b64: str, timestamp: str, signature_b64: str
) -> bool:
    return verify_realm_claim(key, pool_suffix(pool_id), user_id_for_srp, secret_block_b64, timestamp, signature_b64)


def verify_realm_claim(
    key: bytes, realm: str, user_id_for_srp: str, secret_block_b64: str, timestamp: str, signature_b64: str
) -> bool:
    """Constant-time check of a claim signed under ``realm`` (pool suffix, or a device group key)."""
    expected = realm_signature(key, realm, user_id_for_srp, secret_block_b64, timestamp)
    return hmac.compare_digest(expected.encode(), signature_b64.encode())
