"""Export: a pool's users as a CSV in GetCSVHeader's shape, which the import reads back."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import IO

from sqlalchemy import select

from userpool.server import pools
from userpool.server.db import Database, User, UserAttribute, UserPool
from userpool.server.import_jobs.csv_plan import MFA_COLUMN, USERNAME_COLUMN, csv_header
from userpool.server.import_jobs.runner import BATCH


def export_users(database: Database, pool_id: str, out: IO[str], progress: Callable[[int], None] | None = None) -> int:
    """Write the pool's users as a CSV in GetCSVHeader's shape (which the import reads back)."""
    with database.transaction() as db:
        pool = db.get(UserPool, pool_id)
        if pool is None:
            raise LookupError(pool_id)
        header = csv_header(pool)
        db.expunge(pool)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    index = {h: i for i, h in enumerate(header)}
    sign_in = pools.username_attributes(pool)
    last = 0
    count = 0
    while True:
        with database.transaction() as db:
            rows = db.execute(
                select(User.id, User.username, User.mfa).where(User.pool_id == pool_id, User.id > last).order_by(User.id).limit(BATCH)
            ).all()
            if not rows:
                break
            attrs: dict[int, list[tuple[str, str]]] = {}
            for uid, name, value in db.execute(
                select(UserAttribute.user_id, UserAttribute.name, UserAttribute.value).where(
                    UserAttribute.user_id >= rows[0][0], UserAttribute.user_id <= rows[-1][0], UserAttribute.pool_id == pool_id
                )
            ):
                attrs.setdefault(uid, []).append((name, value))
        for uid, username, mfa in rows:
            line = [""] * len(header)
            for name, value in attrs.get(uid, []):
                i = index.get(name)
                if i is not None:
                    line[i] = value
            line[index[MFA_COLUMN]] = "true" if (mfa or {}).get("Enabled") and "SMS_MFA" in mfa.get("Enabled", []) else "false"
            values = dict(attrs.get(uid, []))
            line[index[USERNAME_COLUMN]] = next((values[a] for a in sign_in if values.get(a)), username) if sign_in else username
            writer.writerow(line)
        count += len(rows)
        last = rows[-1][0]
        if progress:
            progress(count)
    return count
