"""Quick start command 1: the demo server comes up, signs in, and its printed snippet works."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def test_demo_serves_and_its_snippet_signs_in(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "userpool", "demo", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.time() + 90
        assert proc.stdout is not None
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Serving on" in line:
                break
        output = "".join(lines)
        assert "Signed in: is_signed_in=True next_step=DONE" in output, output
        assert f"http://127.0.0.1:{port}" in output
        # the server keeps serving, and the snippet it printed signs in on its own
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
        snippet = (data_dir / "signin_example.py").read_text()
        assert snippet.splitlines()[0] == "from userpool import auth"
        assert snippet.strip() in output.replace("\r", "") or "auth.sign_in(" in output
        run = subprocess.run([sys.executable, "-c", snippet], check=False, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        out = run.stdout.splitlines()
        assert out[0] == "True DONE"
        assert out[1].count(".") == 2  # the access token, a JWT
        assert out[2] == "demo"
    finally:
        proc.terminate()
        proc.wait(10)
