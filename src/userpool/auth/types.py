"""Inputs and outputs of the public operations, named after Amplify v6's types.

Fields are snake_case versions of Amplify's (``isSignedIn`` -> ``is_signed_in``,
``nextStep.signInStep`` -> ``next_step.sign_in_step``); step values are Amplify's strings.
Options may be given as these dataclasses or as plain dicts, with snake_case or Amplify's
camelCase keys (``{"authFlowType": "USER_PASSWORD_AUTH"}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

from .constants import AuthFlowType, ResetPasswordStep, SignInStep, SignUpStep, UpdateAttributeStep
from .errors import AuthValidationError
from .jwt import JWT

MFAType = Literal["SMS", "TOTP", "EMAIL"]
MFAPreference = Literal["ENABLED", "DISABLED", "PREFERRED", "NOT_PREFERRED"]


@dataclass(frozen=True)
class CodeDeliveryDetails:
    destination: str | None = None
    delivery_medium: str | None = None
    attribute_name: str | None = None

    @classmethod
    def from_cognito(cls, details: Mapping[str, Any] | None) -> CodeDeliveryDetails | None:
        if not details:
            return None
        return cls(
            destination=details.get("Destination"),
            delivery_medium=details.get("DeliveryMedium"),
            attribute_name=details.get("AttributeName"),
        )


@dataclass(frozen=True)
class TOTPSetupDetails:
    """The shared secret of a TOTP setup and the ``otpauth://`` URI for authenticator apps."""

    shared_secret: str
    username: str | None = None

    def get_setup_uri(self, app_name: str, account_name: str | None = None) -> str:
        """``otpauth://totp/<app>:<account>?secret=...&issuer=<app>`` (Amplify's getSetupUri)."""
        account = account_name or self.username or ""
        label = quote(f"{app_name}:{account}", safe=":@")
        query = urlencode({"secret": self.shared_secret, "issuer": app_name}, quote_via=quote)
        return f"otpauth://totp/{label}?{query}"


@dataclass(frozen=True)
class SignInDetails:
    login_id: str | None = None
    auth_flow_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"login_id": self.login_id, "auth_flow_type": self.auth_flow_type}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SignInDetails | None:
        return cls(data.get("login_id"), data.get("auth_flow_type")) if data else None


@dataclass(frozen=True)
class SignInNextStep:
    sign_in_step: SignInStep
    code_delivery_details: CodeDeliveryDetails | None = None
    #: NEW_PASSWORD_REQUIRED: attributes the user must supply, ``userAttributes.`` stripped.
    missing_attributes: tuple[str, ...] = ()
    allowed_mfa_types: tuple[MFAType, ...] = ()
    totp_setup_details: TOTPSetupDetails | None = None
    #: CUSTOM_CHALLENGE: the challenge parameters the trigger sent.
    additional_info: dict[str, str] | None = None
    #: USER_AUTH's CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION: Cognito's AvailableChallenges
    #: (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN), one of which confirm_sign_in names.
    available_challenges: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignInOutput:
    is_signed_in: bool
    next_step: SignInNextStep


@dataclass(frozen=True)
class AuthTokens:
    access_token: JWT
    id_token: JWT | None = None
    sign_in_details: SignInDetails | None = None


@dataclass(frozen=True)
class AuthSession:
    """What ``fetch_auth_session`` returns; ``tokens`` is None when nobody is signed in."""

    tokens: AuthTokens | None = None
    user_sub: str | None = None


@dataclass(frozen=True)
class AuthUser:
    username: str
    user_id: str
    sign_in_details: SignInDetails | None = None


@dataclass(frozen=True)
class AuthDevice:
    """One of the user's devices, as Amplify's ``fetchDevices`` returns it (dates as datetimes)."""

    id: str
    name: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    create_date: datetime | None = None
    last_modified_date: datetime | None = None
    last_authenticated_date: datetime | None = None


@dataclass(frozen=True)
class SignUpNextStep:
    sign_up_step: SignUpStep
    code_delivery_details: CodeDeliveryDetails | None = None


@dataclass(frozen=True)
class SignUpOutput:
    is_sign_up_complete: bool
    next_step: SignUpNextStep
    user_id: str | None = None


@dataclass(frozen=True)
class ResetPasswordNextStep:
    reset_password_step: ResetPasswordStep
    code_delivery_details: CodeDeliveryDetails | None = None


@dataclass(frozen=True)
class ResetPasswordOutput:
    is_password_reset: bool
    next_step: ResetPasswordNextStep


@dataclass(frozen=True)
class UpdateUserAttributeNextStep:
    update_attribute_step: UpdateAttributeStep
    code_delivery_details: CodeDeliveryDetails | None = None


@dataclass(frozen=True)
class UpdateUserAttributeOutput:
    is_updated: bool
    next_step: UpdateUserAttributeNextStep


@dataclass(frozen=True)
class FetchMFAPreferenceOutput:
    enabled: tuple[MFAType, ...] | None = None
    preferred: MFAType | None = None


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class SignInOptions:
    auth_flow_type: AuthFlowType | str | None = None
    client_metadata: dict[str, str] | None = None
    #: USER_AUTH: the first factor to try (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN);
    #: None, or one the user cannot use: choose in CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION.
    preferred_challenge: str | None = None


@dataclass(frozen=True)
class ConfirmSignInOptions:
    #: NEW_PASSWORD_REQUIRED: values for the missing attributes (without ``userAttributes.``).
    user_attributes: dict[str, str] | None = None
    client_metadata: dict[str, str] | None = None
    #: MFA_SETUP with TOTP: the name VerifySoftwareToken records for the device.
    friendly_device_name: str | None = None


@dataclass(frozen=True)
class SignUpOptions:
    user_attributes: dict[str, str] | None = None
    validation_data: dict[str, str] | None = None
    client_metadata: dict[str, str] | None = None
    #: Amplify's ``autoSignIn``: keep the password in memory until ``auto_sign_in()``.
    auto_sign_in: bool = False
    auth_flow_type: AuthFlowType | str | None = None
    #: auto sign-in with USER_AUTH: the first factor to ask for (as ``SignInOptions``).
    preferred_challenge: str | None = None


@dataclass(frozen=True)
class ClientMetadataOptions:
    client_metadata: dict[str, str] | None = None


_O = TypeVar("_O")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True)
class SignInWithRedirectOptions:
    """Amplify's ``signInWithRedirect`` ``options`` passed on to ``/oauth2/authorize``.

    ``prompt`` (NONE, LOGIN, CONSENT, SELECT_ACCOUNT) lets a signed-in user sign in again, as
    in Amplify; ``timeout`` (seconds) is how long to wait for the browser's redirect.
    """

    login_hint: str | None = None
    lang: str | None = None
    nonce: str | None = None
    prompt: str | None = None
    timeout: float | None = None


def coerce_options(options: Any, cls: type[_O]) -> _O:
    """Accept ``cls``, None, or a mapping with snake_case or camelCase keys."""
    if options is None:
        return cls()
    if isinstance(options, cls):
        return options
    if not isinstance(options, Mapping):
        raise AuthValidationError(f"options must be {cls.__name__} or a dict", name="InvalidOptions")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in options.items():
        snake = _CAMEL.sub("_", key).lower()
        if snake not in names:
            raise AuthValidationError(f"Unknown option {key!r} for {cls.__name__}", name="InvalidOptions")
        values[snake] = value
    return cls(**values)


def attribute_list(attributes: Mapping[str, str] | None) -> list[dict[str, str]]:
    """``{"email": "a@b"}`` -> Cognito's ``[{"Name": "email", "Value": "a@b"}]``."""
    return [{"Name": k, "Value": str(v)} for k, v in (attributes or {}).items()]


def attribute_dict(attributes: list[Mapping[str, Any]] | None) -> dict[str, str]:
    return {a["Name"]: a.get("Value", "") for a in attributes or ()}

