"""TLS for ``userpool serve``: a given certificate, or a self-signed one for local development.

Amplify's ``signInWithRedirect`` builds ``https://<domain>/oauth2/authorize`` from its
configured domain, so managed login has to be reachable over TLS on loopback too.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SELF_SIGNED_CERT = "tls-cert.pem"
SELF_SIGNED_KEY = "tls-key.pem"
_VALID_DAYS = 365


def self_signed(data_dir: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")) -> tuple[Path, Path]:
    """(cert, key) paths in ``data_dir``: made once (key 0600) and kept while they are valid."""
    cert_path, key_path = data_dir / SELF_SIGNED_CERT, data_dir / SELF_SIGNED_KEY
    if cert_path.exists() and key_path.exists() and _still_valid(cert_path, hosts):
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "userpool local development")])
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = key_path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem_key)
    os.replace(tmp, key_path)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _still_valid(cert_path: Path, hosts: tuple[str, ...]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    listed = {str(n) for n in names.get_values_for_type(x509.DNSName)}
    listed |= {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    remaining = cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    return set(hosts) <= listed and remaining > datetime.timedelta(days=7)
