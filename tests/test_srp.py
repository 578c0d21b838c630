"""srp.modpow, the one exponentiation of both SRP sides: which route runs it, and that every
route gives Python's ``pow`` result (the interop suites prove the protocol against real clients)."""

from __future__ import annotations

import secrets

import pytest

from userpool import srp

N = srp.N


_FIXED = [(srp.G, 1), (2, 2**256 - 1), (N - 2, 3), (3, 2**1300 + 1)]


@pytest.mark.parametrize(("base", "exponent"), _FIXED, ids=["g^1", "2^(2^256-1)", "(N-2)^3", "3^(2^1300+1)"])
def test_modpow_is_pow(base: int, exponent: int) -> None:
    assert srp.modpow(base, exponent) == pow(base, exponent, N)


@pytest.mark.parametrize("bits", [1, 64, 256, 512, 1024, 1100, 3072])  # u, b, x, a, a + u*x, and beyond
def test_modpow_is_pow_for_random_values(bits: int) -> None:
    rng = secrets.SystemRandom()  # drawn in the test: the collected ids stay the same in every worker
    for _ in range(3):
        base, exponent = rng.randrange(2, N - 1), rng.getrandbits(bits) | 1
        assert srp.modpow(base, exponent) == pow(base, exponent, N)


@pytest.mark.parametrize("base", [0, 1, N - 1, N, N + 5, 2 * N - 1], ids=["0", "1", "N-1", "N", "N+5", "2N-1"])
def test_degenerate_bases_take_another_route_with_the_same_result(base: int, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(base: int, exponent: int) -> int:  # OpenSSL refuses these as DH public values
        raise AssertionError("not a DH public value")

    monkeypatch.setattr(srp, "_openssl_modpow", refused)
    assert srp.modpow(base, 2**255 + 7) == pow(base, 2**255 + 7, N)


def test_group_exponentiations_run_in_openssl(monkeypatch: pytest.MonkeyPatch) -> None:
    assert srp._openssl_agrees()  # this cryptography gives pow's results by the DH route
    calls: list[int] = []
    route = srp._openssl_modpow

    def counted(base: int, exponent: int) -> int:
        calls.append(exponent)
        return route(base, exponent)

    monkeypatch.setattr(srp, "_openssl_modpow", counted)
    salt, verifier = srp.make_verifier("us-east-1_Pool1", "alice", "Correct-horse-1")
    server = srp.server_ephemeral(verifier)
    client = srp.client_ephemeral()
    client_key = srp.client_session_key(client, "us-east-1_Pool1", "alice", "Correct-horse-1", salt, server.srp_b)
    assert srp.server_session_key(client.big_a, verifier, server) == client_key
    # v = g^x, g^b, g^a, the client's g^x and its S, the server's v^u and its S: all seven
    assert len(calls) == 7


def test_without_the_openssl_route_results_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(srp, "_openssl_agrees", lambda: False)
    monkeypatch.setattr(srp, "_openssl_modpow", lambda base, exponent: pytest.fail("route used"))
    base, exponent = 12345678901234567890, 2**300 + 11
    assert srp.modpow(base, exponent) == pow(base, exponent, N)
    salt, verifier = srp.make_verifier("us-east-1_Pool1", "bob", "pw-Correct-2")
    server = srp.server_ephemeral(verifier)
    client = srp.client_ephemeral()
    key = srp.client_session_key(client, "us-east-1_Pool1", "bob", "pw-Correct-2", salt, server.srp_b)
    assert srp.server_session_key(client.big_a, verifier, server) == key


def test_other_moduli_never_take_the_group_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(srp, "_openssl_modpow", lambda base, exponent: pytest.fail("route used"))
    assert srp.modpow(5, 117, 1009) == pow(5, 117, 1009)
