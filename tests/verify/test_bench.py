"""The benchmark script runs and prints its table (its figures are not judged here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "verify_bench.py"


def test_benchmark_runs_briefly() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--seconds", "0.3", "--tokens", "100", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for row in ("raw cryptography RSA verify", "userpool verify() (no cache)", "PyJWKClient", "(cached)"):
        assert row in result.stdout
    assert "goal: verify() >= 0.80x raw" in result.stdout
