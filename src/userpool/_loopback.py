"""Is a host this machine? One answer for the client, the server and the verifier.

Plain ``http`` is allowed only to a loopback host everywhere userpool makes or accepts a
connection (an OAuth redirect, a JWKS URI, an SMS webhook, a trigger URL, an IdP under test),
so tokens and codes never cross a network in clear text. ``localhost`` counts by name;
addresses count when they are loopback (``127.0.0.0/8``, ``::1``).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_http_url(url: str) -> bool:
    """``http://`` to a loopback host (``http://[::1]:8080/`` included)."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and is_loopback_host(parts.hostname)
