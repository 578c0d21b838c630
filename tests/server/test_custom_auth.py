"""Custom authentication over HTTP: CUSTOM_AUTH with Define/Create/VerifyAuthChallenge python:
handlers, CUSTOM_CHALLENGE round trips and the ``session`` history the triggers see,
custom-after-SRP (``CHALLENGE_NAME: SRP_A``), and the failures."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import RunningServer, create_pool
from tests.server.helpers import changed_tables, claims, srp_start, state, unique
from tests.triggers import recorded

Q = "python:tests.triggers.custom_auth:"
QUIZ = {"DefineAuthChallenge": Q + "define", "CreateAuthChallenge": Q + "create", "VerifyAuthChallengeResponse": Q + "verify"}


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def begin(server: RunningServer, pool: dict[str, Any], username: str, **params: str) -> dict[str, Any]:
    return dict(server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": username, **params}
    ))


def reply(server: RunningServer, pool: dict[str, Any], step: dict[str, Any], text: str) -> dict[str, Any]:
    return dict(server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="CUSTOM_CHALLENGE", Session=step["Session"],
        ChallengeResponses={"USERNAME": step["ChallengeParameters"]["USERNAME"], "ANSWER": text},
    ))


def test_custom_challenges_until_the_right_answer_with_the_session_history(server, make_user):
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    step = begin(server, pool, username)
    assert step["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert step["ChallengeParameters"] == {"question": "1 + 1 = ?", "USERNAME": username}
    step2 = reply(server, pool, step, "3")
    assert step2["ChallengeName"] == "CUSTOM_CHALLENGE" and step2["ChallengeParameters"]["question"] == "2 + 1 = ?"
    with pytest.raises(ClientError) as exc:  # a session answers once
        reply(server, pool, step, "2")
    assert error(exc)[0] == "NotAuthorizedException"
    done = reply(server, pool, step2, "3")
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username

    defines = [e["event"] for e in recorded(server.data_dir, pool["pool_id"], "DefineAuthChallenge_Authentication")]
    assert [d["request"]["session"] for d in defines] == [
        [],
        [{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "QUIZ-1"}],
        [{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "QUIZ-1"},
         {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "QUIZ-2"}],
    ]
    assert defines[0]["request"]["userNotFound"] is False and defines[0]["request"]["userAttributes"]["email"]
    create = recorded(server.data_dir, pool["pool_id"], "CreateAuthChallenge_Authentication")[0]["event"]
    assert create["request"]["challengeName"] == "CUSTOM_CHALLENGE" and create["callerContext"]["clientId"] == pool["client_id"]
    verify = recorded(server.data_dir, pool["pool_id"], "VerifyAuthChallengeResponse_Authentication")[0]["event"]
    assert verify["request"]["privateChallengeParameters"] == {"answer": "2"} and verify["request"]["challengeAnswer"] == "3"


def test_define_can_fail_the_sign_in(server, make_user):
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    step = begin(server, pool, username)
    for _ in range(2):
        step = reply(server, pool, step, "wrong")
    with pytest.raises(ClientError) as exc:
        reply(server, pool, step, "wrong")
    assert error(exc) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as exc:
        reply(server, pool, step, "4")
    assert error(exc)[0] == "NotAuthorizedException"


def test_custom_challenge_after_srp(server, make_user):
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    srp = srp_start(pool, username)
    params = srp.get_auth_params()
    step = begin(server, pool, username, CHALLENGE_NAME="SRP_A", SRP_A=params["SRP_A"])
    assert step["ChallengeName"] == "PASSWORD_VERIFIER"
    answers = srp.process_challenge(step["ChallengeParameters"], params)
    custom = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert "AccessToken" in reply(server, pool, custom, "2")["AuthenticationResult"]
    sessions = [e["event"]["request"]["session"] for e in recorded(server.data_dir, pool["pool_id"], "DefineAuthChallenge")]
    assert [[s["challengeName"] for s in history] for history in sessions] == [
        ["SRP_A"], ["SRP_A", "PASSWORD_VERIFIER"], ["SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"],
    ]
    assert all(s["challengeResult"] for s in sessions[-1])


def test_custom_after_srp_with_a_wrong_password_fails_like_a_password_sign_in(server, make_user):
    pool = create_pool(server, LambdaConfig=QUIZ)
    username = make_user(pool)
    srp = srp_start(pool, username, "Wr0ng-passw0rd!")
    params = srp.get_auth_params()
    step = begin(server, pool, username, CHALLENGE_NAME="SRP_A", SRP_A=params["SRP_A"])
    with pytest.raises(ClientError) as exc:
        server.public.respond_to_auth_challenge(
            ClientId=pool["client_id"], ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=srp.process_challenge(step["ChallengeParameters"], params),
        )
    assert error(exc) == ("NotAuthorizedException", "Incorrect username or password.")


def test_custom_auth_needs_the_flow_and_a_define_trigger(server, make_user):
    bare = create_pool(server)
    with pytest.raises(ClientError) as exc:
        begin(server, bare, make_user(bare))
    assert error(exc)[0] == "InvalidParameterException"
    no_flow = create_pool(server, LambdaConfig=QUIZ, client_args={"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]})
    with pytest.raises(ClientError) as exc:
        begin(server, no_flow, make_user(no_flow))
    assert error(exc)[0] == "InvalidParameterException" and "CUSTOM_AUTH" in error(exc)[1]


def test_unknown_users_reach_the_triggers_when_existence_is_hidden(server):
    pool = create_pool(server, LambdaConfig=QUIZ, client_args={"PreventUserExistenceErrors": "ENABLED"})
    ghost = unique("ghost")
    step = begin(server, pool, ghost)
    assert step["ChallengeName"] == "CUSTOM_CHALLENGE"
    [define] = recorded(server.data_dir, pool["pool_id"], "DefineAuthChallenge")
    assert define["event"]["request"]["userNotFound"] is True
    with pytest.raises(ClientError) as exc:  # even the right answer gives no tokens to nobody
        reply(server, pool, step, "2")
    assert error(exc) == ("NotAuthorizedException", "Incorrect username or password.")
    visible = create_pool(server, LambdaConfig=QUIZ)
    with pytest.raises(ClientError) as exc:
        begin(server, visible, ghost)
    assert error(exc)[0] == "UserNotFoundException"


def test_define_trigger_failures_change_nothing(server, make_user):
    broken = create_pool(server, LambdaConfig={**QUIZ, "DefineAuthChallenge": Q + "define_broken"})
    username = make_user(broken)
    before = state(server)
    with pytest.raises(ClientError) as exc:
        begin(server, broken, username)
    assert error(exc)[0] == "InvalidLambdaResponseException"
    assert changed_tables(before, state(server)) == set()
    raising = create_pool(server, LambdaConfig={**QUIZ, "DefineAuthChallenge": Q + "define_raises"})
    username = make_user(raising)
    before = state(server)
    with pytest.raises(ClientError) as exc:
        begin(server, raising, username)
    assert error(exc) == ("UserLambdaValidationException", "DefineAuthChallenge failed with error define is down.")
    assert changed_tables(before, state(server)) == set()

