"""Names shared by the client: wire constants, Amplify's step values, Hub event names.

One source of truth for every string the flows, drivers and CLI compare against, so a
value such as ``CONFIRM_SIGN_IN_WITH_TOTP_CODE`` is spelled once.
"""

from __future__ import annotations

from enum import StrEnum

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
USER_AGENT = "userpool-auth/0.1 (python)"

#: Amplify v6 refreshes when ``now + clockDrift + 5 s > exp`` (``isTokenExpired``'s tolerance).
REFRESH_TOLERANCE_SECONDS = 5.0

#: Amplify's default retry budget for a Cognito call (5xx, throttling, network errors).
MAX_ATTEMPTS = 3

AUTH_CHANNEL = "auth"
USER_ATTRIBUTES_PREFIX = "userAttributes."


class AuthFlowType(StrEnum):
    """``options.authFlowType`` of Amplify's ``signIn``."""

    USER_SRP_AUTH = "USER_SRP_AUTH"
    USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
    CUSTOM_WITH_SRP = "CUSTOM_WITH_SRP"
    CUSTOM_WITHOUT_SRP = "CUSTOM_WITHOUT_SRP"
    USER_AUTH = "USER_AUTH"  # choice-based: passwords, e-mailed or texted codes (passwordless), passkeys


class SignInStep(StrEnum):
    """``nextStep.signInStep`` values, exactly as Amplify v6 spells them."""

    DONE = "DONE"
    CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED = "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED"
    CONFIRM_SIGN_IN_WITH_TOTP_CODE = "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    CONFIRM_SIGN_IN_WITH_SMS_CODE = "CONFIRM_SIGN_IN_WITH_SMS_CODE"
    CONFIRM_SIGN_IN_WITH_EMAIL_CODE = "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    CONTINUE_SIGN_IN_WITH_MFA_SELECTION = "CONTINUE_SIGN_IN_WITH_MFA_SELECTION"
    CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION = "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION"
    CONTINUE_SIGN_IN_WITH_TOTP_SETUP = "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    CONTINUE_SIGN_IN_WITH_EMAIL_SETUP = "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"
    CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE = "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION = "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"  # USER_AUTH
    CONFIRM_SIGN_IN_WITH_PASSWORD = "CONFIRM_SIGN_IN_WITH_PASSWORD"  # USER_AUTH, PASSWORD(_SRP) chosen
    CONFIRM_SIGN_UP = "CONFIRM_SIGN_UP"
    RESET_PASSWORD = "RESET_PASSWORD"


class SignUpStep(StrEnum):
    CONFIRM_SIGN_UP = "CONFIRM_SIGN_UP"
    COMPLETE_AUTO_SIGN_IN = "COMPLETE_AUTO_SIGN_IN"
    DONE = "DONE"


class ResetPasswordStep(StrEnum):
    CONFIRM_RESET_PASSWORD_WITH_CODE = "CONFIRM_RESET_PASSWORD_WITH_CODE"
    DONE = "DONE"


class UpdateAttributeStep(StrEnum):
    CONFIRM_ATTRIBUTE_WITH_CODE = "CONFIRM_ATTRIBUTE_WITH_CODE"
    DONE = "DONE"


class Challenge(StrEnum):
    """Cognito ``ChallengeName`` values the sign-in flows answer."""

    PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
    NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
    SMS_MFA = "SMS_MFA"
    SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
    EMAIL_OTP = "EMAIL_OTP"
    SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
    MFA_SETUP = "MFA_SETUP"
    CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
    DEVICE_SRP_AUTH = "DEVICE_SRP_AUTH"
    DEVICE_PASSWORD_VERIFIER = "DEVICE_PASSWORD_VERIFIER"
    SELECT_CHALLENGE = "SELECT_CHALLENGE"  # USER_AUTH: choose a first factor
    SMS_OTP = "SMS_OTP"  # USER_AUTH first factor (EMAIL_OTP is both a first factor and e-mail MFA)
    PASSWORD = "PASSWORD"  # USER_AUTH first factors chosen in SELECT_CHALLENGE, answered with the password
    PASSWORD_SRP = "PASSWORD_SRP"
    WEB_AUTHN = "WEB_AUTHN"  # USER_AUTH's passkey first factor, answered by the context's passkey authenticator


class HubEvent(StrEnum):
    """Amplify's Hub event names on the ``auth`` channel."""

    SIGNED_IN = "signedIn"
    SIGNED_OUT = "signedOut"
    TOKEN_REFRESH = "tokenRefresh"
    TOKEN_REFRESH_FAILURE = "tokenRefresh_failure"
    SIGN_UP = "signUp"
    AUTO_SIGN_IN = "autoSignIn"
    AUTO_SIGN_IN_FAILURE = "autoSignIn_failure"
    SIGN_IN_WITH_REDIRECT = "signInWithRedirect"
    SIGN_IN_WITH_REDIRECT_FAILURE = "signInWithRedirect_failure"
    CUSTOM_OAUTH_STATE = "customOAuthState"


#: Amplify's short MFA names <-> Cognito's challenge / setting names.
MFA_TO_COGNITO = {"SMS": "SMS_MFA", "TOTP": "SOFTWARE_TOKEN_MFA", "EMAIL": "EMAIL_OTP"}
COGNITO_TO_MFA = {v: k for k, v in MFA_TO_COGNITO.items()}
