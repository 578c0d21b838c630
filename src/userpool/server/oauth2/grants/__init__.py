"""The token endpoint's grants (RFC 6749 §4.1.3, §6, §4.4), one module each."""

from __future__ import annotations

from typing import Any


def token_response(result: dict[str, Any], *, with_refresh: bool = True) -> dict[str, Any]:
    """An AuthenticationResult in the token endpoint's words."""
    out: dict[str, Any] = {}
    if "IdToken" in result:
        out["id_token"] = result["IdToken"]
    out["access_token"] = result["AccessToken"]
    if with_refresh and result.get("RefreshToken"):
        out["refresh_token"] = result["RefreshToken"]
    out["expires_in"] = result["ExpiresIn"]
    out["token_type"] = "Bearer"
    return out
