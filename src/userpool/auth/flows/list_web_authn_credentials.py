"""``list_web_authn_credentials``: the signed-in user's passkeys (ListWebAuthnCredentials), a
page at a time, as Amplify's ``listWebAuthnCredentials({pageSize, nextToken})``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..passkeys import ListWebAuthnCredentialsOutput, credential_from_wire
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def list_web_authn_credentials(
    ctx: AuthContext, page_size: int | None = None, next_token: str | None = None
) -> Flow[ListWebAuthnCredentialsOutput]:
    tokens = yield from require_tokens()
    response = yield from call(
        "ListWebAuthnCredentials",
        {"AccessToken": tokens.access_token.raw, "MaxResults": page_size, "NextToken": next_token},
    )
    items = response.get("Credentials") or []
    return ListWebAuthnCredentialsOutput(
        credentials=tuple(credential_from_wire(i) for i in items if isinstance(i, dict)),
        next_token=response.get("NextToken"),
    )
