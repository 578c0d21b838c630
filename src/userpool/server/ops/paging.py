"""Keyset pagination with opaque ``NextToken`` / ``PaginationToken`` strings."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from userpool.server import errors


def encode_token(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([key]).encode()).decode().rstrip("=")


def decode_token(token: str, kind: type = object) -> Any:
    """The key a token carries; it must be of the listed key's ``kind`` (a token made for
    another listing, or forged, is refused rather than compared across types)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError):
        value = None
    key = value[0] if isinstance(value, list) and len(value) == 1 else None
    if isinstance(key, bool) or not isinstance(key, (str, int)) or not isinstance(key, kind):
        raise errors.InvalidParameter("Invalid pagination token.")
    return key


def page(db: Session, stmt: Select[Any], key: Any, token: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of ``stmt`` (which must be ordered by ``key``) after ``token``, and the next token."""
    if token:
        stmt = stmt.where(key > decode_token(token, key.type.python_type))
    rows = list(db.scalars(stmt.limit(limit + 1)).all())
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        return rows, encode_token(getattr(last, key.key))
    return rows, None
