"""Delivering codes and invitations.

A :class:`Sender` gets a :class:`Message`; the default :class:`OutboxSender` appends one
JSON line per message to ``DATA_DIR/outbox.jsonl`` (what tests and the demo read) and logs
that a message went out — without the code, which must never reach a log. The server's
configuration can send e-mail through SMTP (:class:`SmtpSender`) and SMS through a provider
webhook (:class:`WebhookSmsSender`); a pool's CustomEmailSender / CustomSMSSender triggers
take over delivery for that pool (``triggers.deliver``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import smtplib
import ssl
import threading
import time
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from userpool._loopback import is_loopback_http_url
from userpool.server.errors import CodeDeliveryFailure

if TYPE_CHECKING:
    from userpool.server.config import ServerConfig

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


# ------------------------------------------------------------------ real delivery (issue 5)

SIGNATURE_HEADER = "X-Userpool-Signature"
"""Every webhook this server calls (trigger webhooks, the SMS webhook) carries
``X-Userpool-Signature: sha256=<hex HMAC-SHA256 of the raw request body>`` keyed with the
server's webhook secret (``USERPOOL_WEBHOOK_SECRET`` or ``DATA_DIR/webhook-secret``)."""
WEBHOOK_SECRET_ENV = "USERPOOL_WEBHOOK_SECRET"
WEBHOOK_SECRET_FILE = "webhook-secret"
DEFAULT_FROM = "no-reply@verificationemail.com"  # Cognito's default sender address
_HTML = re.compile(r"<[a-zA-Z/][^>]*>")


def load_webhook_secret(data_dir: Path) -> bytes:
    """The key webhook requests are signed with: from the environment, else the secret file
    in the data dir (generated 0600 on first start), so receivers can read and pin it."""
    env = os.environ.get(WEBHOOK_SECRET_ENV)
    if env:
        return env.encode()
    path = data_dir / WEBHOOK_SECRET_FILE
    if path.exists():
        return path.read_text().strip().encode()
    secret = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as f:
        f.write(secret)
    return secret.encode()


def signature(secret: bytes, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER` for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class SmtpSender:
    """E-mail through an SMTP server (smtplib), configured by one URL:

    ``smtp://user:pass@host:587?starttls=true&from=no-reply@example.com`` (STARTTLS),
    ``smtps://user:pass@host:465`` (TLS from the first byte), ``smtp://host:25`` (no TLS, no
    auth). ``cafile=/path/ca.pem`` trusts a private CA; ``timeout=`` (seconds, default 10)
    bounds each SMTP exchange. The password is kept out of ``repr``
    and of every log line; a failure is logged by its kind only and answered with Cognito's
    ``CodeDeliveryFailureException``, rolling the request back.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("the SMTP URL must look like smtp://user:pass@host:port or smtps://...")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = query.get("starttls", "false").lower() in ("1", "true", "yes")
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587 if self.starttls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self.from_address = query.get("from") or DEFAULT_FROM
        self.cafile = query.get("cafile")
        self.timeout = float(query.get("timeout") or timeout)

    def __repr__(self) -> str:
        auth = f"{self.username}:***@" if self.username else ""
        return f"SmtpSender({'smtps' if self.implicit_tls else 'smtp'}://{auth}{self.host}:{self.port})"

    def _mail(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.from_address
        mail["To"] = message.destination
        mail["Subject"] = message.subject or ""
        mail.set_content(message.message)
        if _HTML.search(message.message):  # Cognito's templates may be HTML
            mail.add_alternative(message.message, subtype="html")
        return mail

    def send(self, message: Message) -> None:
        context = ssl.create_default_context(cafile=self.cafile)
        try:
            if self.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with conn:
                if self.starttls:
                    conn.starttls(context=context)
                if self.username:
                    conn.login(self.username, self._password or "")
                conn.send_message(self._mail(message))
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("smtp: %s message for %s in pool %s not delivered (%s)",
                        message.kind, message.username, message.user_pool_id, type(exc).__name__)
            raise CodeDeliveryFailure("Unable to deliver the message by e-mail.") from None
        log.info("smtp: %s message for %s in pool %s to %s",
                 message.kind, message.username, message.user_pool_id, mask(message.destination))


class WebhookSmsSender:
    """SMS through a provider webhook: ``POST`` of ``{"to", "message", "kind", "userPoolId",
    "username"}`` as JSON, signed with :data:`SIGNATURE_HEADER`; any 2xx is delivered."""

    def __init__(self, url: str, secret: bytes, timeout: float = 5.0) -> None:
        if not (url.startswith("https://") or is_loopback_http_url(url)):
            raise ValueError("the SMS webhook must be https://, or http:// on a loopback address")
        self.url = url
        self._secret = secret
        self.timeout = timeout

    def send(self, message: Message) -> None:
        body = json.dumps(
            {"to": message.destination, "message": message.message, "kind": message.kind,
             "userPoolId": message.user_pool_id, "username": message.username},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(self._secret, body)}
        try:
            reply = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
            ok = 200 <= reply.status_code < 300
        except httpx.HTTPError as exc:
            ok, reason = False, type(exc).__name__
        else:
            reason = f"HTTP {reply.status_code}"
        if not ok:
            log.warning("sms webhook: %s message for %s in pool %s not delivered (%s)",
                        message.kind, message.username, message.user_pool_id, reason)
            raise CodeDeliveryFailure("Unable to deliver the message by SMS.")


class RoutingSender:
    """E-mail to one sender, SMS to another."""

    def __init__(self, email: Sender, sms: Sender) -> None:
        self.email = email
        self.sms = sms

    def send(self, message: Message) -> None:
        (self.email if message.delivery_medium == "EMAIL" else self.sms).send(message)


def build_sender(config: ServerConfig, webhook_secret: bytes) -> Sender:
    """The server's sender from its configuration: the outbox unless SMTP or an SMS webhook is set."""
    outbox = OutboxSender(config.data_dir / "outbox.jsonl")
    if config.email_sender not in ("outbox", "smtp"):
        raise ValueError("email sender must be 'outbox' or 'smtp'")
    if config.email_sender == "smtp" and not config.smtp_url:
        raise ValueError("the smtp email sender needs an SMTP URL (--smtp-url / USERPOOL_SMTP_URL)")
    email: Sender = SmtpSender(config.smtp_url) if config.email_sender == "smtp" and config.smtp_url else outbox
    sms: Sender = WebhookSmsSender(config.sms_webhook, webhook_secret) if config.sms_webhook else outbox
    if email is outbox and sms is outbox:
        return outbox
    return RoutingSender(email, sms)
