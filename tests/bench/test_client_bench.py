"""bench/client_bench.py still runs and reports its ratio against the raw round trip (no speed asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_client_bench_runs_briefly() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "client_bench.py"), "--seconds", "0.2", "--refreshes", "3", "--json"],
        check=False,
        capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    assert results["cached_fetch_auth_session_per_s[memory]"] > 0
    assert results["reference: raw GetTokensFromRefreshToken round trip"]["n"] >= 1
    assert results["ratio: client refresh / raw round trip [memory]"] > 0
