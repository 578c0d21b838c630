"""Define/Create/VerifyAuthChallenge handlers: a two-question quiz, three tries at most."""

from __future__ import annotations

from typing import Any

from tests.triggers import record

Event = dict[str, Any]


def define(event: Event, context: Any) -> Event:
    record(event, context)
    session = event["request"]["session"]
    response = event["response"]
    last = session[-1] if session else None
    customs = [s for s in session if s["challengeName"] == "CUSTOM_CHALLENGE"]
    if last and last["challengeName"] == "SRP_A":
        response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    elif last and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif len(customs) >= 3:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


def create(event: Event, context: Any) -> Event:
    record(event, context)
    n = sum(1 for s in event["request"]["session"] if s["challengeName"] == "CUSTOM_CHALLENGE")
    event["response"]["publicChallengeParameters"] = {"question": f"{n + 1} + 1 = ?"}
    event["response"]["privateChallengeParameters"] = {"answer": str(n + 2)}
    event["response"]["challengeMetadata"] = f"QUIZ-{n + 1}"
    return event


def verify(event: Event, context: Any) -> Event:
    record(event, context)
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event


def define_broken(event: Event, context: Any) -> Event:
    event["response"]["issueTokens"] = "maybe"
    return event


def define_raises(event: Event, context: Any) -> Event:
    raise RuntimeError("define is down")
