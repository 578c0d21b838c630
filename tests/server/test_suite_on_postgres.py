"""A representative part of the server suite, run again with the session server on PostgreSQL.

The whole suite runs on PostgreSQL with ``USERPOOL_TEST_DATABASE=postgres`` (see the README);
CI runs this subset so that every run proves both databases without doubling its time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
SUBSET = [
    "tests/server/test_smoke.py",       # SRP with pycognito, tokens, restart
    "tests/server/test_imports.py",     # bulk inserts, sequences, job leases
    "tests/server/test_list_users.py",  # filters and paging (dialect-specific prefix filter)
    "tests/server/test_auth.py",        # flows, lockout with row locks, sessions
    "tests/server/test_devices.py",     # row locks in transactions, none in read units (GetDevice)
]


def test_server_suite_subset_passes_on_postgres(postgres_url: str) -> None:
    if os.environ.get("USERPOOL_TEST_DATABASE") == "postgres":
        pytest.skip("the whole suite already runs on PostgreSQL")
    env = {**os.environ, "USERPOOL_TEST_DATABASE": "postgres", "USERPOOL_TEST_POSTGRES_URL": postgres_url}
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", *SUBSET],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
