"""``delete_web_authn_credential``: remove one of the signed-in user's passkeys
(DeleteWebAuthnCredential), as Amplify's ``deleteWebAuthnCredential({credentialId})``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def delete_web_authn_credential(ctx: AuthContext, credential_id: str) -> Flow[None]:
    require(credential_id, "EmptyCredentialId", "credentialId is required to delete a passkey.")
    tokens = yield from require_tokens()
    yield from call("DeleteWebAuthnCredential", {"AccessToken": tokens.access_token.raw, "CredentialId": credential_id})
