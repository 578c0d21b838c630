"""The redirect listener of sign_in_with_redirect listens on the loopback interface only
(RFC 8252 §7.3, §8.3): ``localhost`` and ``127.0.0.1`` bind 127.0.0.1, ``[::1]`` binds ::1, never
a wildcard address, so another machine cannot deliver (or steal) the redirect."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from userpool.auth import loopback


@contextmanager
def listening(redirect_uri: str) -> Iterator[tuple[str, int]]:
    server, _ = loopback._bind(redirect_uri)
    try:
        yield server.server_address[0], server.server_address[1]
    finally:
        server.server_close()


def other_address() -> str | None:
    """This machine's address on a non-loopback interface (None when it has none)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") or address == "0.0.0.0" else address  # noqa: S104


@pytest.mark.parametrize("uri", ["http://localhost:0/callback", "http://127.0.0.1:0/callback", "http://localhost/cb"])
def test_ipv4_redirects_bind_127_0_0_1(uri: str) -> None:
    with listening(uri) as (host, port):
        assert host == "127.0.0.1" and port > 0


def test_an_ipv6_loopback_redirect_binds_1() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        with listening("http://[::1]:0/callback") as (host, _):
            assert host == "::1"
    except loopback.OAuthSignInException as exc:
        pytest.skip(f"::1 is not configured here: {exc}")


def test_the_listener_is_not_reachable_on_another_interface() -> None:
    address = other_address()
    if address is None:
        pytest.skip("this machine has no non-loopback interface to try")
    with listening("http://localhost:0/callback") as (_, port):
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # reachable on loopback
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
