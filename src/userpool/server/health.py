"""Liveness and readiness, for orchestrators and load balancers.

``GET /healthz``: the process is up and answering (no database: a slow database must not get
a healthy process restarted). ``GET /readyz``: this process can serve — the database answers
and its schema is at the migrations' head (Alembic's ``alembic_version`` against the scripts
this code ships); 503 with the failed check otherwise, so a load balancer sends no traffic to
a server whose database is down or not yet migrated.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from userpool.server import migrations

log = logging.getLogger("userpool.server")


@dataclass(frozen=True)
class Readiness:
    ready: bool
    database: str  # "ok" or why not
    migrations: str  # "ok" or what the database is at

    def body(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "not ready", "database": self.database, "migrations": self.migrations}


@functools.lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The migrations' heads this code ships (read once: the scripts do not change at run time)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations.HERE))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def readiness(engine: Engine) -> Readiness:
    """Connect, read the schema's revision, compare it with the head."""
    try:
        with engine.connect() as conn:
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return Readiness(False, "unreachable", "unknown")
    heads = head_revisions()
    if current != heads:
        at = ", ".join(sorted(current)) or "none"
        return Readiness(False, "ok", f"database at {at}, code at {', '.join(sorted(heads))}")
    return Readiness(True, "ok", "ok")
