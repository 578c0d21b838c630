"""Security events as structured log lines (logger ``userpool.audit``), never with a secret in them.

One JSON object per line: ``event`` plus ids (pool, client, user sub, origin_jti, ip) and a
reason. The events: ``sign_in_success``, ``sign_in_failure`` (with ``reason``), ``lockout``,
``password_change``, ``password_reset``, ``forgot_password``, ``change_password_failure``,
MFA changes (``mfa_setup``, ``set_user_mfa_preference``, ... see :func:`mfa_change`),
``token_revocation`` / ``revoke_token`` / ``global_sign_out``, ``hosted_sign_out`` (managed login's ``/logout``), sign-up, and every ``admin_*``
action. tests/hardening scans every server log of the test suite for passwords, codes and
tokens.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from userpool.server import metrics

log = logging.getLogger("userpool.audit")

# A safety net, not the rule (the rule is: pass names and ids only): a field whose name says
# it holds a secret, or a value shaped like a JWT, is never written out.
_SECRET_NAME = re.compile(r"password|secret|passcode|(^|_)code$|token$|session$|claim|signature", re.IGNORECASE)
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.")
REDACTED = "[redacted]"


def _safe(key: str, value: Any) -> Any:
    if _SECRET_NAME.search(key) or (isinstance(value, str) and _JWT.search(value)):
        return REDACTED
    return value


def event(name: str, **fields: Any) -> None:
    """``fields`` must never hold a password, code or token: pass names and ids only."""
    metrics.security_event(name)
    if log.isEnabledFor(logging.INFO):
        safe = {k: _safe(k, v) for k, v in fields.items() if v is not None}
        log.info(json.dumps({"event": name, **safe}, sort_keys=True, default=str))


def mfa_change(pool: str, user: str, change: str, **fields: Any) -> None:
    """An MFA change (``change``: enabled, disabled, preferred, totp_associated, totp_verified ...)."""
    event("mfa_change", pool=pool, user=user, change=change, **fields)
