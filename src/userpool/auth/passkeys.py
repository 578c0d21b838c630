"""Passkeys: the authenticator interface the client plugs in, and the passkey types.

A browser has ``navigator.credentials``; a Python program has whatever authenticator it can
reach (a platform API, a security key through python-fido2, a software authenticator in
tests). The client needs only the two WebAuthn ceremonies, in the JSON form Amplify puts on
the wire (base64url for every binary field, as ``PublicKeyCredential.toJSON()``):

- ``create(options)``: ``options`` is StartWebAuthnRegistration's CredentialCreationOptions;
  return the new PublicKeyCredential (``id``, ``rawId``, ``type``, ``response`` with
  ``clientDataJSON`` and ``attestationObject`` (+ ``transports``), ``clientExtensionResults``);
- ``get(options)``: ``options`` is the WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS;
  return the assertion (``response`` with ``clientDataJSON``, ``authenticatorData``,
  ``signature``, ``userHandle``).

The authenticator, not the client, decides the origin it reports in clientDataJSON, as a
browser does; the server accepts ``https://`` on its relying party id (or ``http://localhost``
when the RP id is ``localhost``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .errors import AuthError


@runtime_checkable
class PasskeyAuthenticator(Protocol):
    """What ``associate_web_authn_credential`` and a WEB_AUTHN sign-in call (blocking calls)."""

    def create(self, options: Mapping[str, Any]) -> dict[str, Any]: ...

    def get(self, options: Mapping[str, Any]) -> dict[str, Any]: ...


class PasskeyError(AuthError):
    """Amplify's PasskeyError: the options or the authenticator's answer are unusable
    (``name`` is Amplify's code, e.g. ``InvalidPasskeyRegistrationOptions``)."""


@dataclass(frozen=True)
class AuthWebAuthnCredential:
    """One passkey of the user, in Amplify's names (``listWebAuthnCredentials``)."""

    credential_id: str | None = None
    friendly_credential_name: str | None = None
    relying_party_id: str | None = None
    authenticator_attachment: str | None = None
    authenticator_transports: tuple[str, ...] = ()
    created_at: float | None = None


@dataclass(frozen=True)
class ListWebAuthnCredentialsOutput:
    credentials: tuple[AuthWebAuthnCredential, ...] = ()
    next_token: str | None = None


def credential_from_wire(item: Mapping[str, Any]) -> AuthWebAuthnCredential:
    """A ``WebAuthnCredentialDescription`` as Amplify's ``AuthWebAuthnCredential``."""
    return AuthWebAuthnCredential(
        credential_id=item.get("CredentialId"),
        friendly_credential_name=item.get("FriendlyCredentialName"),
        relying_party_id=item.get("RelyingPartyId"),
        authenticator_attachment=item.get("AuthenticatorAttachment"),
        authenticator_transports=tuple(item.get("AuthenticatorTransports") or ()),
        created_at=item.get("CreatedAt"),
    )
