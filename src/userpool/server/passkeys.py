"""Passkeys (WebAuthn): the user pool as the relying party.

Cognito's rules, with py_webauthn doing the WebAuthn checks (attestation, assertion signature,
challenge, origin, RP id hash, user verification, signature counter), never by hand:

- the relying party id is ``WebAuthnConfiguration.RelyingPartyId`` (SetUserPoolMfaConfig), else
  the pool's custom domain, else its prefix domain's host; with none of them the pool has no
  passkeys (``WebAuthnConfigurationMissingException``);
- an origin is allowed when it is ``https://`` on the RP id or a subdomain of it, or, for the
  RP id ``localhost`` (development), ``http://localhost`` on any port;
- ``UserVerification`` ``required`` makes the authenticator's UV flag mandatory at registration
  and sign-in; ``preferred`` (the default) asks for it;
- passkeys are on when the pool's ``Policies.SignInPolicy.AllowedFirstAuthFactors`` has ``WEB_AUTHN``.
- ``FactorConfiguration`` ``MULTI_FACTOR_WITH_USER_VERIFICATION`` makes a user-verified passkey
  sign-in satisfy MFA (:func:`multi_factor`); ``SINGLE_FACTOR`` (the default) keeps it one factor.

Challenges are kept only as their hash (:func:`challenge_hash`): the one a response carries in
its clientDataJSON is hashed and compared in constant time before the library verifies the
response against it. This module holds the pure steps; ``ops/webauthn.py`` (registration and the
credential list) and ``signin/challenges/web_authn.py`` (sign-in) are its two callers.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import webauthn
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn.helpers import (
    bytes_to_base64url,
    encode_cbor,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import (
    UnsupportedAlgorithm,
    UnsupportedPublicKey,
    UnsupportedPublicKeyType,
    WebAuthnException,
)
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from userpool.server import errors
from userpool.server.db import UserPool, WebAuthnCredential
from userpool.server.ops.domains import pool_domains
from userpool.server.sealing import hash_secret
from userpool.server.signin import names

#: How long a started registration or a WEB_AUTHN challenge may be answered (the options' timeout).
TIMEOUT_SECONDS = 180
#: Cognito's limit of passkeys per user.
MAX_CREDENTIALS = 20
_PREFIX_DOMAIN = "{prefix}.auth.{region}.amazoncognito.com"
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    user_verification: str  # "required" | "preferred"

    @property
    def require_user_verification(self) -> bool:
        return self.user_verification == "required"


def enabled(pool: UserPool) -> bool:
    """Whether the pool lets users sign in with passkeys (AllowedFirstAuthFactors)."""
    policy = (pool.config.get("Policies") or {}).get("SignInPolicy") or {}
    return names.WEB_AUTHN in (policy.get("AllowedFirstAuthFactors") or [])


_HOST = re.compile(r"(?=.{1,127}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def check_configuration(config: dict[str, Any], tier: str) -> None:
    """SetUserPoolMfaConfig's WebAuthnConfiguration: the RP id is a bare host name (no scheme,
    port or path); passkeys as MFA need the ESSENTIALS tier or higher, as in Cognito."""
    rp_id = config.get("RelyingPartyId")
    if rp_id is not None and not _HOST.fullmatch(rp_id.lower()):
        raise errors.InvalidParameter(f"RelyingPartyId must be a host name such as example.com, not {rp_id!r}.")
    if config.get("FactorConfiguration") == MULTI_FACTOR and tier == "LITE":
        raise errors.FeatureUnavailableInTier("Passkeys as multi-factor authentication require the ESSENTIALS or PLUS tier.")


def multi_factor(pool: UserPool) -> bool:
    """``WebAuthnConfiguration.FactorConfiguration`` is ``MULTI_FACTOR_WITH_USER_VERIFICATION``:
    a passkey sign-in with user verification (something the user has, unlocked by something
    they know or are) satisfies MFA, so passkeys are offered where MFA applies and no MFA
    challenge follows a verified assertion. ``SINGLE_FACTOR`` (the default): a passkey is one
    factor, barred as a first factor where MFA applies, like the one-time codes."""
    return (pool.config.get("WebAuthnConfiguration") or {}).get("FactorConfiguration") == MULTI_FACTOR


def relying_party(db: Session, pool: UserPool) -> RelyingParty:
    """The pool's RP id and user-verification rule; ``WebAuthnConfigurationMissingException``
    when neither a RelyingPartyId nor a domain names one."""
    config = pool.config.get("WebAuthnConfiguration") or {}
    rp_id = config.get("RelyingPartyId") or _domain_rp_id(db, pool)
    if not rp_id:
        raise errors.WebAuthnConfigurationMissing(
            "The user pool has no relying party id: set WebAuthnConfiguration.RelyingPartyId or create a user pool domain."
        )
    return RelyingParty(id=rp_id.lower(), name=pool.name, user_verification=config.get("UserVerification") or "preferred")


def _domain_rp_id(db: Session, pool: UserPool) -> str | None:
    rows = pool_domains(db, pool.id)
    custom = next((d.domain for d in rows if d.custom), None)
    prefix = next((d.domain for d in rows if not d.custom), None)
    return custom or (_PREFIX_DOMAIN.format(prefix=prefix, region=pool.region) if prefix else None)


def origin_allowed(origin: str, rp_id: str) -> bool:
    """``https://`` on the RP id or below it; ``http://localhost`` only for the RP id localhost."""
    try:
        parts = urlsplit(origin)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme == "https":
        return host == rp_id or host.endswith("." + rp_id)
    return parts.scheme == "http" and host == "localhost" == rp_id


def challenge_hash(challenge: bytes) -> str:
    """How a challenge is stored: the hash of its base64url form (what clientDataJSON carries)."""
    return hash_secret(bytes_to_base64url(challenge))


def _uv(rp: RelyingParty) -> UserVerificationRequirement:
    return UserVerificationRequirement.REQUIRED if rp.require_user_verification else UserVerificationRequirement.PREFERRED


def _descriptors(credential_ids: list[str]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(c)) for c in credential_ids]


def registration_options(
    rp: RelyingParty, user_sub: str, username: str, existing: list[WebAuthnCredential]
) -> tuple[dict[str, Any], str]:
    """StartWebAuthnRegistration's CredentialCreationOptions (JSON, base64url fields, as Amplify
    reads them) for a discoverable credential, and the hash of its challenge."""
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=username,
        user_id=user_sub.encode(),
        user_display_name=username,
        timeout=TIMEOUT_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=_uv(rp)
        ),
        exclude_credentials=_descriptors([c.credential_id for c in existing]),
    )
    return json.loads(webauthn.options_to_json(options)), challenge_hash(options.challenge)


def authentication_options(rp: RelyingParty, credential_ids: list[str]) -> tuple[str, str]:
    """The WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS (a JSON string) allowing the user's
    passkeys, and the hash of its challenge."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        timeout=TIMEOUT_SECONDS * 1000,
        allow_credentials=_descriptors(credential_ids),
        user_verification=_uv(rp),
    )
    return webauthn.options_to_json(options), challenge_hash(options.challenge)


@dataclass(frozen=True)
class NewCredential:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]
    authenticator_attachment: str | None


def _client_data(raw: bytes, stored_hash: str, rp_id: str, not_found: type[errors.CognitoError]) -> Any:
    """The parsed clientDataJSON after Cognito's own checks: the challenge is the stored one
    (constant-time, on hashes) and the origin is allowed for the RP id."""
    try:
        client_data = parse_client_data_json(raw)
    except (WebAuthnException, ValueError, TypeError):
        raise errors.InvalidParameter("The credential's clientDataJSON is not valid.") from None
    if not hmac.compare_digest(challenge_hash(client_data.challenge), stored_hash):
        raise not_found("The credential does not answer the current WebAuthn challenge.")
    if not origin_allowed(client_data.origin, rp_id):
        raise errors.WebAuthnOriginNotAllowed(f"The origin {client_data.origin} is not allowed for relying party {rp_id}.")
    return client_data


def _check_rp_id_hash(rp_id_hash: bytes, rp_id: str) -> None:
    if not hmac.compare_digest(rp_id_hash, hashlib.sha256(rp_id.encode()).digest()):
        raise errors.WebAuthnRelyingPartyMismatch(f"The credential was not made for relying party {rp_id}.")


def _registration_credential(document: Any) -> RegistrationCredential:
    try:
        return parse_registration_credential_json(json.dumps(document) if isinstance(document, dict) else document)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise errors.InvalidParameter("Credential is not a valid PublicKeyCredential (navigator.credentials.create).") from None


def verify_registration(rp: RelyingParty, stored_hash: str, document: Any) -> NewCredential:
    """CompleteWebAuthnRegistration's checks, in Cognito's error names, then py_webauthn's
    verification of the attestation (format ``none`` or a verifiable statement)."""
    credential = _registration_credential(document)
    client_data = _client_data(credential.response.client_data_json, stored_hash, rp.id, errors.WebAuthnChallengeNotFound)
    try:
        auth_data = parse_attestation_object(credential.response.attestation_object).auth_data
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise errors.InvalidParameter("The credential's attestationObject is not valid.") from None
    _check_rp_id_hash(auth_data.rp_id_hash, rp.id)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=client_data.challenge,
            expected_rp_id=rp.id,
            expected_origin=client_data.origin,
            require_user_verification=rp.require_user_verification,
        )
    except (UnsupportedAlgorithm, UnsupportedPublicKey, UnsupportedPublicKeyType) as exc:
        raise errors.WebAuthnCredentialNotSupported(f"The credential is not supported: {exc}") from None
    except WebAuthnException as exc:
        raise errors.InvalidParameter(f"The credential could not be verified: {exc}") from None
    attachment = credential.authenticator_attachment
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t.value for t in credential.response.transports or []],
        authenticator_attachment=attachment.value if attachment is not None else None,
    )


def parse_assertion(credential_json: str | None) -> AuthenticationCredential:
    """The WEB_AUTHN answer's ``CREDENTIAL`` (Amplify's JSON of navigator.credentials.get)."""
    try:
        return parse_authentication_credential_json(credential_json or "")
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise errors.InvalidParameter("CREDENTIAL is not a valid PublicKeyCredential (navigator.credentials.get).") from None


@dataclass(frozen=True)
class Assertion:
    sign_count: int  # the new counter to store
    user_verified: bool  # the authenticator's UV flag


def check_authenticator_data(credential: AuthenticationCredential) -> None:
    """A malformed authenticatorData is InvalidParameter, whoever the assertion claims to be."""
    try:
        parse_authenticator_data(credential.response.authenticator_data)
    except (WebAuthnException, ValueError, TypeError):
        raise errors.InvalidParameter("The credential's authenticatorData is not valid.") from None


def verify_assertion(
    rp: RelyingParty, stored_hash: str, credential: AuthenticationCredential, public_key: bytes, sign_count: int
) -> Assertion:
    """The checks of a passkey sign-in against a stored key and counter. The counter must grow
    (unless the authenticator keeps none: 0 and 0), so a cloned key shows. RespondToAuthChallenge
    has no WebAuthn* errors: a wrong origin or RP id is NotAuthorized."""
    check_authenticator_data(credential)
    auth_data = parse_authenticator_data(credential.response.authenticator_data)
    try:
        client_data = _client_data(credential.response.client_data_json, stored_hash, rp.id, errors.NotAuthorized)
        _check_rp_id_hash(auth_data.rp_id_hash, rp.id)
    except (errors.WebAuthnOriginNotAllowed, errors.WebAuthnRelyingPartyMismatch) as exc:
        raise errors.NotAuthorized(exc.message) from None
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=client_data.challenge,
            expected_rp_id=rp.id,
            expected_origin=client_data.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=rp.require_user_verification,
        )
    except WebAuthnException as exc:
        raise errors.NotAuthorized(f"The passkey assertion could not be verified: {exc}") from None
    return Assertion(sign_count=int(verified.new_sign_count), user_verified=bool(verified.user_verified))


@functools.cache
def stand_in_public_key() -> bytes:
    """A COSE P-256 public key whose private half exists nowhere (made in memory, never kept):
    what an assertion is verified against when it names no passkey of the user signing in, so
    that it fails by the very checks, in the very order, a real passkey's forged assertion does."""
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    return bytes(encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}))


def user_credentials(db: Session, pool_id: str, user_sub: str) -> list[WebAuthnCredential]:
    stmt = select(WebAuthnCredential).where(WebAuthnCredential.pool_id == pool_id, WebAuthnCredential.user_sub == user_sub)
    return list(db.scalars(stmt.order_by(WebAuthnCredential.id)).all())


def find_credential(db: Session, pool_id: str, credential_id: str, *, lock: bool = False) -> WebAuthnCredential | None:
    stmt = select(WebAuthnCredential).where(
        WebAuthnCredential.pool_id == pool_id, WebAuthnCredential.credential_id == credential_id
    )
    return db.scalars(stmt.with_for_update() if lock else stmt).first()
