"""Handlers for each trigger and for each way a trigger can go wrong."""

from __future__ import annotations

import time
from typing import Any

from tests.triggers import record

Event = dict[str, Any]


class Refused(Exception):
    """What a handler raises to refuse: Cognito reports its message."""


def record_only(event: Event, context: Any) -> Event:
    record(event, context)
    return event


# ---------------------------------------------------------------- PreSignUp


def auto_confirm(event: Event, context: Any) -> Event:
    record(event, context)
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = "email" in event["request"]["userAttributes"]
    return event


def refuse(event: Event, context: Any) -> Event:
    record(event, context)
    raise Refused("sign-ups are closed")


def slow(event: Event, context: Any) -> Event:
    time.sleep(3)
    return event


def not_an_event(event: Event, context: Any) -> Any:
    return "ok"


def returns_nothing(event: Event, context: Any) -> None:
    return None


def wrong_type(event: Event, context: Any) -> Event:
    event["response"]["autoConfirmUser"] = "yes"
    return event


# ---------------------------------------------------------------- sign-in


def refuse_blocked(event: Event, context: Any) -> Event:
    """PreAuthentication: users with custom:blocked = 1 may not sign in."""
    record(event, context)
    if event["request"]["userAttributes"].get("custom:blocked") == "1":
        raise Refused("account blocked")
    return event


# ---------------------------------------------------------------- PreTokenGeneration


def token_v1(event: Event, context: Any) -> Event:
    record(event, context)
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"team": "blue", "sub": "forged", "family_name": "Overridden"},
        "claimsToSuppress": ["given_name", "family_name", "iss"],
        "groupOverrideDetails": {"groupsToOverride": ["from-trigger"], "iamRolesToOverride": [], "preferredRole": None},
    }
    return event


def token_v2(event: Event, context: Any) -> Event:
    record(event, context)
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"team": "red"}, "claimsToSuppress": ["email"]},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": {"id": 7, "tier": "gold"}, "roles": ["reader", "writer"], "client_id": "x"},
            "claimsToSuppress": ["auth_time"],
            "scopesToAdd": ["orders/read", "orders/write"],
            "scopesToSuppress": ["orders/write"],
        },
    }
    return event


def token_v3_machine(event: Event, context: Any) -> Event:
    """V3_0: changes a client-credentials token (and only says so for that source)."""
    record(event, context)
    if event["triggerSource"] == "TokenGeneration_ClientCredentials":
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": {"ignored": "no id token"}},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": event["request"]["clientMetadata"]["tenant"], "sub": "forged"},
                "claimsToSuppress": ["auth_time"],
                "scopesToAdd": ["https://api.example.com/write"],
                "scopesToSuppress": ["https://api.example.com/read"],
            },
        }
    return event


def token_bad(event: Event, context: Any) -> Event:
    event["response"]["claimsOverrideDetails"] = {"claimsToSuppress": "email"}
    return event


# ---------------------------------------------------------------- CustomMessage


def custom_message(event: Event, context: Any) -> Event:
    record(event, context)
    code, username = event["request"]["codeParameter"], event["request"]["usernameParameter"]
    if event["triggerSource"] == "CustomMessage_AdminCreateUser":
        event["response"]["emailMessage"] = f"Welcome aboard {username}! Your first password: {code}"
        event["response"]["emailSubject"] = "Welcome"
    else:
        event["response"]["emailMessage"] = f"<p>Hello! Your code is <b>{code}</b>.</p>"
        event["response"]["emailSubject"] = f"[{event['triggerSource']}] your code"
        event["response"]["smsMessage"] = f"Code {code}"
    return event


def custom_message_without_code(event: Event, context: Any) -> Event:
    event["response"]["emailMessage"] = "Hello! There is no code here."
    return event


# ---------------------------------------------------------------- UserMigration

LEGACY_PASSWORD = "Legacy-Passw0rd!"


def migrate(event: Event, context: Any) -> Event:
    """A legacy directory that knows every ``legacy-*`` user, with one password for all."""
    record({k: v for k, v in event.items() if k != "request"} | {"request": {
        k: ("***" if k == "password" else v) for k, v in event["request"].items()}}, context)
    name = event["userName"]
    if not name.startswith("legacy-"):
        raise Refused("User not found in the legacy directory")
    if event["triggerSource"] == "UserMigration_Authentication" and event["request"]["password"] != LEGACY_PASSWORD:
        raise Refused("Bad password")
    event["response"]["userAttributes"] = {
        "email": f"{name}@legacy.example.com",
        "email_verified": "true",
        "given_name": "Legacy",
    }
    event["response"]["finalUserStatus"] = "CONFIRMED"
    event["response"]["messageAction"] = "SUPPRESS"
    return event


# ---------------------------------------------------------------- custom senders


def email_sender(event: Event, context: Any) -> Event:
    record(event, context)
    return event
