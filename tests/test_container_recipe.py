"""The container recipe (Dockerfile, compose.yaml), checked without docker (there is no engine
here): the files parse, the image runs as a non-root user, the commands they run are the
README's and are accepted by the real CLI, and the health check works on a real server."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import ROOT, free_port, new_pg_database

DATA = "/var/lib/userpool/data"


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def _instruction(name: str) -> str:
    found = [args for word, args in _final_stage() if word == name]
    assert len(found) == 1, (name, found)
    return found[0]


def image_command() -> list[str]:
    return [*json.loads(_instruction("ENTRYPOINT")), *json.loads(_instruction("CMD"))]


def healthcheck() -> list[str]:
    args = _instruction("HEALTHCHECK")
    return json.loads(args[args.index("CMD ") + 4 :])


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} forms."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        if name in env:
            return env[name]
        assert op != ":?", f"{name} is required: {arg}"
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


def _localised(args: list[str], data_dir: Path, port: int, database: str | None) -> list[str]:
    """The recipe's command with this machine's paths, port and database in place of the image's."""
    out = []
    for a in args:
        a = a.replace(DATA, str(data_dir)).replace("0.0.0.0", "127.0.0.1")  # noqa: S104 - replaced, not bound
        if database and a.startswith("postgresql://"):
            a = database
        out.append(str(port) if a == "9229" else a)
    return out


def test_dockerfile_is_slim_non_root_and_checks_health() -> None:
    base = _final_stage()[0][1]
    m = re.fullmatch(r"python:3\.(\d+)-slim", base)
    assert m and int(m.group(1)) >= 11, base  # pyproject's requires-python >= 3.11
    user = _instruction("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    makes_user = [args for word, args in _final_stage() if word == "RUN" and "useradd" in args]
    assert makes_user and re.search(rf"--uid (\d+)\b.*\b{user}\b", makes_user[0])
    assert int(re.search(r"--uid (\d+)", makes_user[0]).group(1)) >= 1000  # type: ignore[union-attr]
    steps = _final_stage()
    assert [w for w, _ in steps].index("USER") < [w for w, _ in steps].index("ENTRYPOINT")
    assert "/healthz" in " ".join(healthcheck())
    # installs the same extras the README's compose setup needs, from this clone's wheel
    assert any(w == "RUN" and '".[server,postgres]"' in a for w, a in dockerfile())


def test_compose_file_has_postgres_a_migration_and_two_servers() -> None:
    c = compose()
    services = c["services"]
    assert set(services) == {"postgres", "migrate", "userpool-a", "userpool-b"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    servers = [services["userpool-a"], services["userpool-b"]]
    for s in servers:
        assert s["build"] == "." and s["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert {"USERPOOL_MASTER_KEY", "USERPOOL_ADMIN_ACCESS_KEY_ID", "USERPOOL_ADMIN_SECRET_ACCESS_KEY"} <= set(s["environment"])
    assert servers[0]["environment"] == servers[1]["environment"] and servers[0]["command"] == servers[1]["command"]
    assert {p.split(":")[0] for s in servers for p in s["ports"]} == {"9229", "9230"}
    # every variable compose insists on is in .env.example
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "compose.yaml").read_text()))
    example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")}
    assert required <= example, required - example


def test_the_recipes_commands_are_the_readmes() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docker build -t userpool ." in readme and "docker compose up --build" in readme and "cp .env.example .env" in readme
    assert shlex.join(image_command()) in readme
    migrate = compose()["services"]["migrate"]
    shown = " ".join("postgresql://..." if a.startswith("postgresql://") else a for a in [*migrate["entrypoint"], *migrate["command"]])
    assert shown in readme, shown
    assert "pip install -e '.[server]'" in readme and "scripts/install" in readme  # installing from a clone


def _healthy(port: int) -> int:
    code = [a.replace("9229", str(port)) for a in healthcheck()]
    assert code[0] == "python"
    return subprocess.run([sys.executable, *code[1:]], capture_output=True, timeout=30, check=False).returncode


def test_the_image_command_serves_and_its_healthcheck_passes(tmp_path: Path) -> None:
    """The image's command, with this machine's data dir and port, run by the real CLI; the
    HEALTHCHECK's own command passes while it serves and fails once it is gone."""
    port = free_port()
    args = _localised(image_command(), tmp_path / "data", port, None)
    assert args[:2] == ["userpool", "serve"]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "userpool", *args[1:]], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and _healthy(port) != 0:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        assert _healthy(port) == 0
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    assert _healthy(port) != 0


@pytest.mark.postgres
def test_compose_commands_run_against_postgres(tmp_path: Path, postgres_url: str) -> None:
    """compose's migration, then its server command (both with the image's entrypoint), on a
    real PostgreSQL database with the variables of .env.example."""
    database = new_pg_database(postgres_url)
    env = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in (ROOT / ".env.example").read_text().splitlines()
           if "=" in line and not line.startswith("#")}
    services = compose()["services"]
    migrate = [interpolate(a, env) for a in [*services["migrate"]["entrypoint"], *services["migrate"]["command"]]]
    r = subprocess.run([sys.executable, "-m", "userpool", *_localised(migrate, tmp_path / "m", 0, database)[1:]],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    port = free_port()
    server = [interpolate(a, env) for a in [*json.loads(_instruction("ENTRYPOINT")), *services["userpool-a"]["command"]]]
    args = _localised(server, tmp_path / "a", port, database)
    assert "--public-url" in args and "--database" in args
    master_key = "k" * 43  # .env.example's REPLACE-ME is refused on purpose; a real one here
    srv_env = {**env, "USERPOOL_MASTER_KEY": master_key}
    proc = subprocess.Popen([sys.executable, "-m", "userpool", *args[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **srv_env})
    try:
        deadline = time.time() + 60
        while time.time() < deadline and _healthy(port) != 0:
            assert proc.poll() is None
            time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").json()["status"] == "ready"
    finally:
        proc.terminate()
        proc.wait(20)


def test_env_example_master_key_placeholder_is_refused(tmp_path: Path) -> None:
    """Left as it is, .env.example's master key stops the server instead of sealing secrets under it."""
    env = {**os.environ, "USERPOOL_MASTER_KEY": "REPLACE-ME"}
    r = subprocess.run([sys.executable, "-m", "userpool", "serve", "--data-dir", str(tmp_path / "d"), "--port", str(free_port())],
                       capture_output=True, text=True, timeout=60, env=env, check=False)
    assert r.returncode != 0 and "USERPOOL_MASTER_KEY must be 32 bytes" in r.stderr
