"""``decode_jwt``: read a token's payload without verifying it, as Amplify's ``decodeJWT``.

The client only reads its own tokens (expiry, ``sub``, ``username``); verification belongs to
the API that receives them (``userpool.verify``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidJWTError


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


@dataclass(frozen=True)
class JWT:
    """A token with its decoded ``payload``; ``str(jwt)`` gives the compact form back."""

    raw: str = field(repr=False)
    payload: dict[str, Any]
    header: dict[str, Any] = field(default_factory=dict, repr=False)

    def __str__(self) -> str:
        return self.raw

    def to_string(self) -> str:
        """Amplify's ``token.toString()``."""
        return self.raw

    @property
    def exp(self) -> int:
        return int(self.payload.get("exp") or 0)

    @property
    def iat(self) -> int:
        return int(self.payload.get("iat") or 0)


def decode_jwt(token: str) -> JWT:
    """Split and base64url-decode a compact JWT; raise ``InvalidJWTError`` when malformed."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidJWTError("Invalid token: not a compact JWT")
    header_b64, payload_b64, _signature = token.split(".")
    try:
        header = _b64url_json(header_b64)
        payload = _b64url_json(payload_b64)
    except (ValueError, UnicodeError) as exc:
        raise InvalidJWTError("Invalid token: undecodable segment", underlying_error=exc) from exc
    if not isinstance(payload, dict) or not isinstance(header, dict):
        raise InvalidJWTError("Invalid token: payload is not a JSON object")
    return JWT(raw=token, payload=payload, header=header)
