"""The one plain-http rule shared by client, server and verifier (userpool._loopback)."""

import pytest

from userpool._loopback import is_loopback_host, is_loopback_http_url


@pytest.mark.parametrize("host", ["localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", [None, "", "10.0.0.1", "0.0.0.0", "::",  # noqa: S104 (the point: not loopback) "example.com",
                                  "localhost.example.com", "127.0.0.1.nip.io", "[::1]"])
def test_other_hosts(host: str | None) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:9229/cb", True), ("http://[::1]:8080/", True), ("HTTP://localhost/x", True),
    ("https://127.0.0.1/", False),  # not plain http: the https rules apply instead
    ("http://localhost@evil.example/", False), ("http://evil.example/#@localhost", False),
    ("http://127.0.0.1.evil.example/", False), ("localhost:80", False),
])
def test_loopback_http_urls(url: str, expected: bool) -> None:
    assert is_loopback_http_url(url) is expected
