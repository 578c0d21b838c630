"""Server configuration: what `userpool serve` was started with."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar


@dataclass
class ServerConfig:
    data_dir: Path
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 9229
    region: str = "us-east-1"
    issuer_style: str = "self"  # "self": <public-url>/<poolId>; "aws": https://cognito-idp.<region>.amazonaws.com/<poolId>
    public_url: str | None = None
    account_id: str = field(default_factory=lambda: os.environ.get("USERPOOL_ACCOUNT_ID", "123456789012"))
    # Delivery (issue 5): "outbox" (DATA_DIR/outbox.jsonl) or "smtp" for e-mail; an SMS webhook.
    email_sender: str = "outbox"
    smtp_url: str | None = None  # smtp://user:pass@host:port?starttls=true&from=...; smtps:// for TLS
    sms_webhook: str | None = None
    trigger_timeout: float = 5.0  # seconds a Lambda-style trigger may take (Cognito's limit)
    rate_limits: str = "default"  # "default" (Cognito's quotas per pool), "off", or a JSON file (ratelimit.py)
    tls: bool = False  # served over TLS (--tls-cert/--tls-key or --tls-self-signed): https URLs, Secure cookies

    _ENV: ClassVar[dict[str, str]] = {
        "data_dir": "USERPOOL_DATA_DIR",
        "database_url": "USERPOOL_DATABASE_URL",
        "host": "USERPOOL_HOST",
        "port": "USERPOOL_PORT",
        "region": "USERPOOL_REGION",
        "issuer_style": "USERPOOL_ISSUER_STYLE",
        "public_url": "USERPOOL_PUBLIC_URL",
        "email_sender": "USERPOOL_EMAIL_SENDER",
        "smtp_url": "USERPOOL_SMTP_URL",
        "sms_webhook": "USERPOOL_SMS_WEBHOOK",
        "trigger_timeout": "USERPOOL_TRIGGER_TIMEOUT",
        "rate_limits": "USERPOOL_RATE_LIMITS",
        "tls": "USERPOOL_TLS",
    }

    def to_env(self) -> dict[str, str]:
        """The configuration as environment variables, for uvicorn's worker processes."""
        out = {}
        for attr, var in self._ENV.items():
            value = getattr(self, attr)
            if isinstance(value, bool):
                out[var] = "1" if value else ""
            elif value is not None:
                out[var] = str(value)
        return out

    @classmethod
    def from_env(cls) -> ServerConfig:
        env = os.environ
        return cls(
            data_dir=Path(env.get("USERPOOL_DATA_DIR", ".userpool")),
            database_url=env.get("USERPOOL_DATABASE_URL") or None,
            host=env.get("USERPOOL_HOST", "127.0.0.1"),
            port=int(env.get("USERPOOL_PORT", "9229")),
            region=env.get("USERPOOL_REGION", "us-east-1"),
            issuer_style=env.get("USERPOOL_ISSUER_STYLE", "self"),
            public_url=env.get("USERPOOL_PUBLIC_URL") or None,
            email_sender=env.get("USERPOOL_EMAIL_SENDER") or "outbox",
            smtp_url=env.get("USERPOOL_SMTP_URL") or None,
            sms_webhook=env.get("USERPOOL_SMS_WEBHOOK") or None,
            trigger_timeout=float(env.get("USERPOOL_TRIGGER_TIMEOUT") or 5.0),
            rate_limits=env.get("USERPOOL_RATE_LIMITS") or "default",
            tls=bool(env.get("USERPOOL_TLS")),
        )

    @property
    def base_url(self) -> str:
        return (self.public_url or f"{'https' if self.tls else 'http'}://{self.host}:{self.port}").rstrip("/")

    def issuer(self, pool_id: str) -> str:
        if self.issuer_style == "aws":
            region = pool_id.split("_", 1)[0]
            return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        return f"{self.base_url}/{pool_id}"
