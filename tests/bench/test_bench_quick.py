"""`bench/run --quick` still runs end to end and prints its table, every operation included (no assertion on speed:
figures taken on a shared CI machine are noise; the README's table comes from a full run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_bench_quick_prints_the_table(tmp_path):
    env = {**os.environ, "BENCH_PYTHON": sys.executable}
    r = subprocess.run(
        [str(ROOT / "bench" / "run"), "--quick", "--duration", "0.5", "--clients", "2", "--growth", "200,600",
         "--growth-samples", "10", "--targets", "userpool,moto", "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    assert "Physical limits" in out
    assert "| target | operation | ops/s | p50 ms | p99 ms | ops per server CPU-s |" in out
    for title in ("SRP sign-in (2 calls)", "USER_PASSWORD_AUTH", "refresh", "GetUser", "SignUp"):
        assert f"| userpool SQLite, 1 worker | {title} |" in out
        assert f"| moto_server | {title} |" in out
    # managed login's token endpoint and sign-in, and USER_AUTH: measured on userpool, without an
    # error, and marked as missing on moto's server
    for title in ("client_credentials (/oauth2/token)", "managed login sign-in + code exchange (4 requests)",
                  "USER_AUTH EMAIL_OTP sign-in (2 calls)"):
        for target in ("userpool SQLite, 1 worker", "userpool SQLite, 2 workers"):
            (row,) = [line for line in out.splitlines() if line.startswith(f"| {target} | {title} |")]
            assert " n/a " not in row and "errors" not in row and "failed" not in row, row
        assert f"| moto_server | {title} | n/a | | | | | | not supported by moto_server |" in out
    assert "| users (SQLite) | import (upload)" in out
    assert list(tmp_path.glob("bench-*.md")) and list(tmp_path.glob("bench-*.json"))
