"""Lambda-style trigger handlers for the server's trigger tests.

Pools name them in ``LambdaConfig`` as ``python:tests.triggers.<module>:<function>``; the
server imports and calls them in its own process, as AWS Lambda calls a Python handler.
:func:`record` appends what a handler received to ``DATA_DIR/trigger-events.jsonl`` (the
server's data dir, from its environment) so a test can check Cognito's event shape, and
:func:`recorded` reads it back in the test process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

EVENTS_FILE = "trigger-events.jsonl"


def record(event: dict[str, Any], context: Any = None, **extra: Any) -> None:
    line = {"event": event, **extra}
    if context is not None:
        line["context"] = {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    path = Path(os.environ["USERPOOL_DATA_DIR"]) / EVENTS_FILE
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def recorded(data_dir: Path, pool_id: str, source_prefix: str = "") -> list[dict[str, Any]]:
    """The events handlers recorded for ``pool_id`` (optionally one kind of triggerSource), in order."""
    path = data_dir / EVENTS_FILE
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        line for line in lines
        if line["event"].get("userPoolId") == pool_id and line["event"].get("triggerSource", "").startswith(source_prefix)
    ]
