"""Delivering codes and invitations.

A :class:`Sender` gets a :class:`Message`; the default :class:`OutboxSender` appends one
JSON line per message to ``DATA_DIR/outbox.jsonl`` (what tests and the demo read) and logs
that a message went out — without the code, which must never reach a log.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger("userpool.delivery")


@dataclass(frozen=True)
class Message:
    user_pool_id: str
    username: str
    kind: str  # SIGN_UP, RESEND, FORGOT_PASSWORD, ADMIN_CREATE_USER, VERIFY_ATTRIBUTE, ...
    delivery_medium: str  # EMAIL or SMS
    destination: str
    code: str | None
    message: str
    subject: str | None = None


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class OutboxSender:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        line = json.dumps({"time": time.time(), **asdict(message)}, ensure_ascii=False)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        log.info(
            "outbox: %s message for %s in pool %s via %s to %s",
            message.kind, message.username, message.user_pool_id, message.delivery_medium, mask(message.destination),
        )


def mask(destination: str) -> str:
    """Cognito's masking: ``a***@e***`` for email, ``+*******1234`` for phone numbers."""
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    if len(destination) > 4:
        return "+" + "*" * (len(destination) - 5) + destination[-4:]
    return "***"


def delivery_details(medium: str, destination: str, attribute: str) -> dict[str, str]:
    return {"Destination": mask(destination), "DeliveryMedium": medium, "AttributeName": attribute}
