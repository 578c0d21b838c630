"""USER_AUTH under PreventUserExistenceErrors, through boto3: a name the pool does not know
is answered as a user who exists would be. Its offer (AvailableChallenges) is one a real user
could have and the same on every call; with PREFERRED_CHALLENGE of each kind it gets the
challenge a user gets, with parameters of the same shape (masked destinations, passkey
request options with one plausible credential); and the answers fail with the errors a wrong
answer for a real user gets. The comparison is always against a real user of the same pool."""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import ALL_FLOWS, RunningServer, create_pool
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.server.helpers import WRONG_PASSWORD, srp_start, tokens_for, unique, unknown_offered
from tests.server.test_user_auth import SMS, make
from tests.server.test_webauthn_registration import ORIGIN, RP_ID, register

FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
EVERYTHING = ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]


@pytest.fixture
def epool(server: RunningServer) -> dict[str, Any]:
    pool = create_pool(server, **SMS, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": FACTORS}},
                       client_args={"ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"],
                                    "PreventUserExistenceErrors": "ENABLED"})
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": RP_ID})
    return pool


@pytest.fixture
def known(server: RunningServer, epool: dict[str, Any]) -> str:
    """A user with every factor: a password, a verified e-mail and phone number, a passkey."""
    username = make(server, epool)
    register(server, tokens_for(server, epool, username)["AccessToken"], SoftwareAuthenticator(ORIGIN))
    return username


def initiate(server: RunningServer, pool: dict[str, Any], username: str, **params: str) -> dict[str, Any]:
    out = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_AUTH",
                                      AuthParameters={"USERNAME": username, **params})
    out.pop("ResponseMetadata")
    return dict(out)


def respond(server: RunningServer, pool: dict[str, Any], step: dict[str, Any], username: str, **answers: str) -> Any:
    return server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName=step["ChallengeName"], Session=step["Session"],
        ChallengeResponses={"USERNAME": username, **answers},
    )


def failure(call: Any) -> tuple[str, str]:
    """The error code and message a refused boto3 call gets."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call()
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def shape(step: dict[str, Any]) -> dict[str, Any]:
    """What a response says without its random parts: its members, the challenge, the offer and
    the names of its parameters."""
    return {"members": sorted(step), "ChallengeName": step.get("ChallengeName"),
            "AvailableChallenges": step.get("AvailableChallenges"), "parameters": sorted(step.get("ChallengeParameters", {}))}


# ------------------------------------------------------------------ the offer


def test_an_unknown_names_offer_is_stable_and_one_a_user_could_have(server, epool):
    offers = []
    for _ in range(30):
        ghost = unique("ghost")
        offer = initiate(server, epool, ghost)["AvailableChallenges"]
        assert initiate(server, epool, ghost)["AvailableChallenges"] == offer  # as a real user's: the same again
        assert offer and offer == [f for f in EVERYTHING if f in offer]  # in Cognito's order
        assert ("PASSWORD" in offer) == ("PASSWORD_SRP" in offer)  # a password serves both
        offers.append(tuple(offer))
    assert len(set(offers)) > 1  # not "every allowed factor" for every name: few users have them all


def test_select_challenge_is_the_same_for_a_user_and_an_unknown_name(server, epool, known):
    ghost = unknown_offered(server, epool, set(EVERYTHING), tries=1500)
    mine, theirs = initiate(server, epool, known), initiate(server, epool, ghost)
    assert shape(mine) == shape(theirs)
    assert mine["AvailableChallenges"] == EVERYTHING
    mine, theirs = respond(server, epool, mine, known, ANSWER="SMS_OTP"), respond(server, epool, theirs, ghost, ANSWER="SMS_OTP")
    mine.pop("ResponseMetadata"), theirs.pop("ResponseMetadata")
    assert shape(mine) == shape(theirs) and mine["ChallengeName"] == "SMS_OTP"


def test_a_preferred_factor_a_name_lacks_falls_back_to_the_choice_as_for_a_user(server, epool, make_user):
    without = make_user(epool)  # a password and a verified e-mail, no phone, no passkey
    ghost = next(n for n in (unique("ghost") for _ in range(200))
                 if "WEB_AUTHN" not in initiate(server, epool, n)["AvailableChallenges"])
    for username in (without, ghost):
        step = initiate(server, epool, username, PREFERRED_CHALLENGE="WEB_AUTHN")
        assert step["ChallengeName"] == "SELECT_CHALLENGE"
        assert step["AvailableChallenges"] == initiate(server, epool, username)["AvailableChallenges"]


def test_an_unknown_names_offer_follows_the_pools_rules(server):
    password_only = create_pool(server, client_args={"ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"],
                                                      "PreventUserExistenceErrors": "ENABLED"})
    for _ in range(10):
        assert initiate(server, password_only, unique("ghost"))["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


# ------------------------------------------------------------------ each preferred factor, and its wrong answer


def _masked(value: str) -> str:
    """A masked destination with its letters and digits blanked: ``a***@e***`` -> ``x***@x***``."""
    return re.sub(r"[a-z0-9]", "x", value)


def test_password_fails_alike(server, epool, known):
    ghost = unknown_offered(server, epool, {"PASSWORD"})
    errors = {failure(lambda u=u: initiate(server, epool, u, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=WRONG_PASSWORD))
              for u in (known, ghost)}
    assert errors == {("NotAuthorizedException", "Incorrect username or password.")}


def test_password_srp_fails_alike(server, epool, known):
    ghost = unknown_offered(server, epool, {"PASSWORD_SRP"})
    results = []
    for username in (known, ghost):
        srp = srp_start(epool, username, WRONG_PASSWORD)
        params = srp.get_auth_params()
        step = initiate(server, epool, username, PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=params["SRP_A"])
        answers = srp.process_challenge(step["ChallengeParameters"], params)
        error = failure(lambda a=answers: server.public.respond_to_auth_challenge(
            ClientId=epool["client_id"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=a))
        results.append((shape(step), error))
    assert results[0] == results[1]
    assert results[0][0]["ChallengeName"] == "PASSWORD_VERIFIER"
    assert results[0][1] == ("NotAuthorizedException", "Incorrect username or password.")


@pytest.mark.parametrize(("factor", "answer_key"), [("EMAIL_OTP", "EMAIL_OTP_CODE"), ("SMS_OTP", "SMS_OTP_CODE")])
def test_a_one_time_code_fails_alike(server, epool, known, factor, answer_key):
    ghost = unknown_offered(server, epool, {factor})
    results = []
    for username in (known, ghost):
        step = initiate(server, epool, username, PREFERRED_CHALLENGE=factor)
        masked = _masked(step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"])
        error = failure(lambda s=step, u=username: respond(server, epool, s, u, **{answer_key: "000000"}))
        results.append((shape(step), step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"], masked, error))
    assert results[0] == results[1]
    assert results[0][3][0] == "CodeMismatchException"


def test_a_passkey_fails_alike(server, epool, known):
    """The options name one credential id of the same length; an assertion a thief could make
    (a key of their own under the credential id the options name, the right challenge, origin
    and RP id) fails for the user and the unknown name with the same error."""
    ghost = unknown_offered(server, epool, {"WEB_AUTHN"})
    results = []
    for username in (known, ghost):
        step = initiate(server, epool, username, PREFERRED_CHALLENGE="WEB_AUTHN")
        options = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        [allowed] = options["allowCredentials"]
        thief = SoftwareAuthenticator(ORIGIN)
        thief.create({"rp": {"id": RP_ID}, "user": {"id": "eA"}, "challenge": options["challenge"]})
        [own] = list(thief.keys)
        thief.keys[allowed["id"]] = thief.keys.pop(own)
        thief.keys[allowed["id"]].counter = 10_000  # past any stored counter
        credential = thief.assert_with(allowed["id"], options["challenge"], RP_ID)
        credential["response"].pop("userHandle")
        error = failure(lambda s=step, u=username, c=credential: respond(server, epool, s, u, CREDENTIAL=json.dumps(c)))
        results.append((shape(step), sorted(options), sorted(allowed), len(allowed["id"]), options["userVerification"], error))
    assert results[0] == results[1]
    assert results[0][5] == ("NotAuthorizedException",
                             "The passkey assertion could not be verified: Could not verify authentication signature")
