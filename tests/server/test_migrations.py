"""The Alembic migrations on SQLite and PostgreSQL: head matches the models exactly, and
down to 0001 (before managed login) and up again works."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from userpool.server.db import Base, make_engine
from userpool.server.migrations import config, upgrade

MANAGED_LOGIN_TABLES = {
    "user_pool_domains", "resource_servers", "identity_providers", "idp_identifiers", "ui_customizations",
    "provider_links", "oauth_codes", "hosted_sessions",
}


def _check(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        head = ScriptDirectory.from_config(config(engine)).get_current_head()
        assert MigrationContext.configure(conn).get_current_revision() == head
    assert set(inspect(engine).get_table_names()) >= MANAGED_LOGIN_TABLES
    command.downgrade(config(engine), "0001")
    assert not MANAGED_LOGIN_TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= MANAGED_LOGIN_TABLES
    engine.dispose()


def test_migrations_on_sqlite(tmp_path: Path) -> None:
    _check(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))


@pytest.mark.postgres
def test_migrations_on_postgres(pg_database: str) -> None:
    _check(make_engine(pg_database))
