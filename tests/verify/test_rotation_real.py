"""Key rotation on the real server: after ``userpool keys rotate`` + ``activate``, the verifier
accepts tokens signed with the new key after exactly one JWKS refetch.

Uses the server's key-rotation commands when they exist (the local-issuer test in
``test_jwks_cache.py`` covers the same behaviour without them).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

from tests.verify.conftest import issue_tokens
from userpool.verify import JwksCache


def keys_command(server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "userpool", "keys", *args, "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_real_server_rotation_costs_one_refetch(server: Any) -> None:
    from tests.conftest import create_pool

    pool = create_pool(server)
    first = issue_tokens(server, pool, f"rot-{uuid.uuid4().hex[:6]}", [])
    cache = JwksCache()
    verifier = first.verifier(jwks_cache=cache, cache_size=0)
    assert verifier.verify(first.access)
    assert cache.fetch_count(pool["jwks_uri"]) == 1

    published = keys_command(server, "rotate", "--pool", pool["pool_id"])
    assert published.returncode == 0, published.stderr
    activated = keys_command(server, "activate", "--pool", pool["pool_id"], "--force")
    assert activated.returncode == 0, activated.stderr

    second = issue_tokens(server, pool, f"rot-{uuid.uuid4().hex[:6]}", [])
    assert second.access.split(".")[0] != first.access.split(".")[0]  # a new kid in the header
    for _ in range(3):
        assert verifier.verify(second.access)["username"] == second.username
    assert verifier.verify(first.access)  # tokens from the retired key verify until they expire
    assert cache.fetch_count(pool["jwks_uri"]) == 2
