"""Scanning server logs for secrets: the known passwords of the suite, every code and temporary
password that went through an outbox, admin secrets and master keys of the data dirs, and
anything shaped like a JWT or an opaque refresh token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import PASSWORD

# Passwords the suites use (tests/conftest.py, tests/server/helpers.py, this suite).
KNOWN_PASSWORDS = [PASSWORD, "N3w-passw0rd!", "Wr0ng-passw0rd!", "N3w-Passw0rd!", "Wrong-passw0rd!", "wrong-Passw0rd!"]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
OPAQUE = re.compile(r"(?<![A-Za-z0-9_/+=-])[A-Za-z0-9_-]{100,}(?![A-Za-z0-9_/+=-])")  # refresh tokens: 128 url-safe chars


def data_dirs(root: Path) -> Iterable[Path]:
    return {p.parent for p in root.rglob("server.log")}


def secrets_of(root: Path) -> set[str]:
    """Codes and temporary passwords from every outbox, admin secret keys, master keys."""
    found = set(KNOWN_PASSWORDS)
    for outbox in root.rglob("outbox.jsonl"):
        for line in outbox.read_text(errors="replace").splitlines():
            try:
                code = json.loads(line).get("code")
            except ValueError:
                continue
            if code:
                found.add(str(code))
    for creds in root.rglob("admin-credentials"):
        for line in creds.read_text().splitlines():
            if line.startswith("aws_secret_access_key"):
                found.add(line.split("=", 1)[1].strip())
    for key in root.rglob("master.key*"):
        found.add(key.read_text().strip())
    return {s for s in found if s}


def scan(root: Path) -> tuple[int, int, list[str]]:
    """(log files, lines, findings) for every ``server.log`` under ``root``."""
    secrets = secrets_of(root)
    numeric = [s for s in secrets if s.isdigit()]
    literal = [s for s in secrets if not s.isdigit()]
    # a code alone, not inside a longer word or number ("[" excluded: uvicorn's "process [pid]")
    code_pattern = re.compile(r"(?<![0-9A-Za-z\[])(" + "|".join(map(re.escape, numeric)) + r")(?![0-9A-Za-z])") if numeric else None
    files = lines = 0
    findings: list[str] = []
    for log in sorted(root.rglob("server.log")):
        files += 1
        for n, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
            lines += 1
            where = f"{log}:{n}"
            for s in literal:
                if s in line:
                    findings.append(f"{where}: a secret ({s[:3]}...) in {line[:160]!r}")
            if code_pattern and (m := code_pattern.search(line)):
                findings.append(f"{where}: a code ({m.group(1)}) in {line[:160]!r}")
            if JWT.search(line):
                findings.append(f"{where}: a JWT in {line[:160]!r}")
            if OPAQUE.search(line):
                findings.append(f"{where}: an opaque token in {line[:160]!r}")
    return files, lines, findings
