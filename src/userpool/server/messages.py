"""The messages Cognito answers with in more than one place, each written once.

SDKs and apps match some of these strings (Amplify shows them to the user), so every
operation that fails for the same reason says it in the same words.
"""

from __future__ import annotations

USER_DISABLED = "User is disabled."
WRONG_PASSWORD = "Incorrect username or password."  # also the answer for an unknown user, when names are hidden
USER_NOT_FOUND = "User does not exist."
USERNAME_CLIENT_NOT_FOUND = "Username/client id combination not found."
RESET_REQUIRED = "Password reset required for the user"
INVALID_SESSION = "Invalid session for the user."
SESSION_EXPIRED = "Invalid session for the user, session is expired."
WRONG_CODE = "Invalid code or auth state for the user."
TOTP_ALREADY_USED = "Your software token has already been used once."  # ExpiredCodeException: a TOTP step spent
AUTH_FLOW_NOT_SUPPORTED = "Initiate Auth method not supported."  # an AuthFlow the operation does not take
EMAIL_TAKEN = "An account with the given email already exists."  # UsernameExistsException: a new user's sign-in email
EMAIL_ALIAS_TAKEN = "An account with the email already exists."  # AliasExistsException: an existing user's email
POOL_NOT_FOUND = "User pool {} does not exist."  # ResourceNotFoundException, formatted with the pool id
NOT_IN_SCHEMA = "Attribute does not exist in the schema."
SCHEMA_MISMATCH = "Attributes did not conform to the schema: "
