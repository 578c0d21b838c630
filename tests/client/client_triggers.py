"""Lambda-style custom-auth triggers for the custom-challenge tests.

The pools in test_http_mfa.py name them as ``python:client_triggers:<function>``; they are
ordinary ``handler(event, context)`` functions in Cognito's event shape.
"""

from __future__ import annotations

from typing import Any


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = event["request"]["session"]
    response = event["response"]
    last = session[-1] if session else None
    if last and last["challengeName"] == "SRP_A":
        response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    elif last and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif (last and last["challengeName"] == "PASSWORD_VERIFIER" and not last["challengeResult"]) or sum(1 for s in session if s["challengeName"] == "CUSTOM_CHALLENGE") >= 3:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    attempt = sum(1 for s in event["request"]["session"] if s["challengeName"] == "CUSTOM_CHALLENGE")
    event["response"]["publicChallengeParameters"] = {"question": f"{attempt + 2}+2?"}
    event["response"]["privateChallengeParameters"] = {"answer": str(attempt + 4)}
    event["response"]["challengeMetadata"] = f"QUESTION-{attempt}"
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event
