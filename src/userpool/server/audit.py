"""Security events as structured log lines (logger ``userpool.audit``), never with a secret in them."""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("userpool.audit")


def event(name: str, **fields: Any) -> None:
    """``fields`` must never hold a password, code or token: pass names and ids only."""
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps({"event": name, **{k: v for k, v in fields.items() if v is not None}}, sort_keys=True))
