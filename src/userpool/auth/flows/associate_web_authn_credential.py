"""``associate_web_authn_credential``: a new passkey for the signed-in user, as Amplify's
``associateWebAuthnCredential``: StartWebAuthnRegistration, the authenticator's ``create``
with the CredentialCreationOptions, CompleteWebAuthnRegistration with the credential's JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..passkeys import PasskeyError
from .base import Flow, UsePasskey, call, require_tokens

if TYPE_CHECKING:
    from ..passkeys import PasskeyAuthenticator
    from ..state import AuthContext


def associate_web_authn_credential(ctx: AuthContext, authenticator: PasskeyAuthenticator) -> Flow[None]:
    tokens = yield from require_tokens()
    access = tokens.access_token.raw
    started = yield from call("StartWebAuthnRegistration", {"AccessToken": access})
    options = started.get("CredentialCreationOptions")
    if not isinstance(options, dict) or not options.get("challenge") or not isinstance(options.get("user"), dict):
        raise PasskeyError("Invalid passkey registration options.", name="InvalidPasskeyRegistrationOptions")
    credential = yield UsePasskey("create", options, authenticator)
    if not isinstance(credential, dict):
        raise PasskeyError("The authenticator returned no credential.", name="PasskeyRegistrationFailed")
    yield from call("CompleteWebAuthnRegistration", {"AccessToken": access, "Credential": credential})
