"""The names a sign-in speaks in: Cognito's AuthFlow and ChallengeName values, the
ExplicitAuthFlows entries that allow each flow, and PreTokenGeneration's trigger sources.

The MFA challenges are named after the MFA methods (``server/mfa.py`` defines those, since
SetUserMFAPreference and GetUser use them too); every other name is defined here only.
"""

from __future__ import annotations

from userpool.server.mfa import EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA

# AuthFlowType
USER_SRP_AUTH = "USER_SRP_AUTH"
USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
ADMIN_USER_PASSWORD_AUTH = "ADMIN_USER_PASSWORD_AUTH"
ADMIN_NO_SRP_AUTH = "ADMIN_NO_SRP_AUTH"  # the legacy name of ADMIN_USER_PASSWORD_AUTH
REFRESH_TOKEN_AUTH = "REFRESH_TOKEN_AUTH"
REFRESH_TOKEN = "REFRESH_TOKEN"  # the legacy name of REFRESH_TOKEN_AUTH
CUSTOM_AUTH = "CUSTOM_AUTH"
USER_AUTH = "USER_AUTH"  # choice-based sign-in: passwords, one-time codes, passkeys (flows/user_auth.py)

# ExplicitAuthFlowsType: what a client must allow for each flow
ALLOW_USER_SRP_AUTH = "ALLOW_USER_SRP_AUTH"
ALLOW_USER_PASSWORD_AUTH = "ALLOW_USER_PASSWORD_AUTH"
ALLOW_ADMIN_USER_PASSWORD_AUTH = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
ALLOW_REFRESH_TOKEN_AUTH = "ALLOW_REFRESH_TOKEN_AUTH"
ALLOW_CUSTOM_AUTH = "ALLOW_CUSTOM_AUTH"
ALLOW_USER_AUTH = "ALLOW_USER_AUTH"

# ChallengeNameType
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
MFA_SETUP = "MFA_SETUP"
SELECT_CHALLENGE = "SELECT_CHALLENGE"  # USER_AUTH: pick a first factor from AvailableChallenges
PASSWORD = "PASSWORD"  # USER_AUTH first factors (also AllowedFirstAuthFactors' AuthFactorType values) ...
PASSWORD_SRP = "PASSWORD_SRP"
SMS_OTP = "SMS_OTP"  # ... with EMAIL_OTP, which names the e-mail MFA challenge too
WEB_AUTHN = "WEB_AUTHN"
SRP_A = "SRP_A"  # not a challenge Cognito asks: the first entry of a custom-after-SRP history

# Challenge sessions that are not Cognito challenge names (AuthSession.challenge)
EMAIL_OTP_SIGN_IN = "EMAIL_OTP:first-factor"  # answered as EMAIL_OTP; told apart from e-mail MFA by its session
SIGN_UP_SESSION = "SIGN_UP"  # ConfirmSignUp's Session: InitiateAuth USER_AUTH with it signs the new user in

# PreTokenGeneration triggerSource values
TOKENS_AUTHENTICATION = "TokenGeneration_Authentication"
TOKENS_NEW_PASSWORD = "TokenGeneration_NewPasswordChallenge"
TOKENS_REFRESH = "TokenGeneration_RefreshTokens"
TOKENS_HOSTED_AUTH = "TokenGeneration_HostedAuth"  # Cognito's source for the hosted sign-in page

__all__ = [
    "ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "CUSTOM_AUTH", "CUSTOM_CHALLENGE",
    "EMAIL_OTP", "EMAIL_OTP_SIGN_IN", "MFA_SETUP", "NEW_PASSWORD_REQUIRED", "PASSWORD", "PASSWORD_SRP", "PASSWORD_VERIFIER", "REFRESH_TOKEN", "REFRESH_TOKEN_AUTH",
    "SELECT_CHALLENGE", "SELECT_MFA_TYPE", "SIGN_UP_SESSION", "SMS_MFA", "SMS_OTP", "SOFTWARE_TOKEN_MFA", "SRP_A", "TOKENS_AUTHENTICATION", "TOKENS_HOSTED_AUTH",
    "TOKENS_NEW_PASSWORD", "TOKENS_REFRESH", "USER_AUTH", "USER_PASSWORD_AUTH", "USER_SRP_AUTH", "WEB_AUTHN",
]
