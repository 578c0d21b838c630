"""PreventUserExistenceErrors: a caller cannot tell a known user from an unknown one.

Same error names and messages for USER_PASSWORD_AUTH and SRP (a stable fake salt, failing at
PASSWORD_VERIFIER like a wrong password), the same lockout after five failures, simulated
delivery details for ForgotPassword and ResendConfirmationCode, CodeMismatch and then the
same attempt limit for ConfirmForgotPassword. The count of checks goes to
``.results/enumeration.json``. Response times are a measurement, not a test:
``bench/enumeration_timing.py``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.support import Wire, record, shape_problem
from userpool import srp


@pytest.fixture(scope="module")
def enum_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = RunningServer(tmp_path_factory.mktemp("enumeration"), "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()
    record("enumeration", {"identical_answer_checks": dict(CHECKS), "identical_answer_checks_total": sum(CHECKS.values())})


class Pool:
    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.w = Wire(server)
        self.pool_id = self.w.ok("CreateUserPool", {"PoolName": "enum", "AutoVerifiedAttributes": ["email"]}, signed=True)["UserPool"]["Id"]
        self.client_id = self.w.ok(
            "CreateUserPoolClient",
            {"UserPoolId": self.pool_id, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS, "PreventUserExistenceErrors": "ENABLED"},
            signed=True,
        )["UserPoolClient"]["ClientId"]

    def user(self, prefix: str = "known") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.w.ok("AdminCreateUser", {"UserPoolId": self.pool_id, "Username": name, "MessageAction": "SUPPRESS",
                                      "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"},
                                                         {"Name": "email_verified", "Value": "true"}]}, signed=True)
        self.w.ok("AdminSetUserPassword", {"UserPoolId": self.pool_id, "Username": name, "Password": PASSWORD, "Permanent": True}, signed=True)
        return name

    def password_auth(self, username: str, password: str = "Wrong-passw0rd!") -> httpx.Response:
        return self.w.call("InitiateAuth", {"ClientId": self.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                            "AuthParameters": {"USERNAME": username, "PASSWORD": password}})

    def srp_start(self, username: str) -> tuple[srp.ClientEphemeral, dict[str, str]]:
        eph = srp.client_ephemeral()
        r = self.w.call("InitiateAuth", {"ClientId": self.client_id, "AuthFlow": "USER_SRP_AUTH",
                                         "AuthParameters": {"USERNAME": username, "SRP_A": eph.srp_a}})
        assert r.status_code == 200, r.text
        return eph, r.json()["ChallengeParameters"]

    def srp_answer(self, eph: srp.ClientEphemeral, params: dict[str, str], password: str = "Wrong-passw0rd!") -> httpx.Response:
        signature, timestamp = srp.password_claim(eph, self.pool_id, params["USER_ID_FOR_SRP"], password, params["SALT"],
                                                  params["SRP_B"], params["SECRET_BLOCK"])
        return self.w.call("RespondToAuthChallenge", {
            "ClientId": self.client_id, "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {"USERNAME": params["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                                   "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp},
        })

    def call(self, op: str, **body: Any) -> httpx.Response:
        return self.w.call(op, {"ClientId": self.client_id, **body})

    def push_locks(self, known: str) -> None:
        """Move both locks an hour ahead, so the next checks do not race the 1-second lock."""
        self.server.execute("UPDATE users SET locked_until = locked_until + 3600 WHERE username = ?", known)
        self.server.execute("UPDATE unknown_users SET locked_until = locked_until + 3600 WHERE locked_until IS NOT NULL")


def answer(r: httpx.Response) -> tuple[str, str]:
    """What a caller sees of an error: its name and message (ids masked)."""
    assert shape_problem(r) is None, shape_problem(r)
    if r.status_code == 200:
        return ("ok", "")
    body = r.json()
    return body["__type"], body["message"]


def delivery_shape(r: httpx.Response) -> tuple[str, str, str]:
    assert r.status_code == 200, r.text
    d = r.json()["CodeDeliveryDetails"]
    return re.sub(r"[a-z0-9]", "x", d["Destination"]), d["DeliveryMedium"], d["AttributeName"]


CHECKS: dict[str, int] = {}


def check(name: str, known: Any, unknown: Any) -> None:
    assert known == unknown, f"{name}: known {known!r} != unknown {unknown!r}"
    CHECKS[name] = CHECKS.get(name, 0) + 1


def test_password_flow_errors_and_lockout_are_the_same(enum_server: RunningServer) -> None:
    p = Pool(enum_server)
    known, unknown = p.user(), f"ghost-{uuid.uuid4().hex[:8]}"
    for _ in range(5):  # five counted failures: no lock yet
        check("USER_PASSWORD_AUTH wrong password", answer(p.password_auth(known)), answer(p.password_auth(unknown)))
    p.push_locks(known)
    check("USER_PASSWORD_AUTH while locked", answer(p.password_auth(known)), answer(p.password_auth(unknown)))
    assert answer(p.password_auth(unknown)) == ("NotAuthorizedException", "Password attempts exceeded")
    check("USER_PASSWORD_AUTH right password while locked", answer(p.password_auth(known, PASSWORD)), answer(p.password_auth(unknown, PASSWORD)))
    # SRP while locked: the challenge is issued, the answer refused the same way
    k_eph, k_params = p.srp_start(known)
    u_eph, u_params = p.srp_start(unknown)
    check("SRP answer while locked", answer(p.srp_answer(k_eph, k_params)), answer(p.srp_answer(u_eph, u_params)))


def test_srp_gives_an_unknown_user_a_stable_salt_and_fails_like_a_wrong_password(enum_server: RunningServer) -> None:
    p = Pool(enum_server)
    known, unknown = p.user(), f"ghost-{uuid.uuid4().hex[:8]}"
    k1 = p.srp_start(known)[1]
    k2 = p.srp_start(known)[1]
    u1 = p.srp_start(unknown)[1]
    u2 = p.srp_start(unknown)[1]
    check("SRP challenge members", sorted(k1), sorted(u1))
    assert u1["SALT"] == u2["SALT"] and k1["SALT"] == k2["SALT"], "salts must be stable across calls"
    check("SRP salt stable across calls", k1["SALT"] == k2["SALT"], u1["SALT"] == u2["SALT"])
    check("SRP_B changes per call", k1["SRP_B"] != k2["SRP_B"], u1["SRP_B"] != u2["SRP_B"])
    check("SRP USER_ID_FOR_SRP is the name given", k1["USER_ID_FOR_SRP"] == known, u1["USER_ID_FOR_SRP"] == unknown)
    for _ in range(3):
        ke, kp = p.srp_start(known)
        ue, up = p.srp_start(unknown)
        check("SRP PASSWORD_VERIFIER wrong password", answer(p.srp_answer(ke, kp)), answer(p.srp_answer(ue, up)))
    # the unknown user's fake verifier rejects every password, including the "right" one
    ue, up = p.srp_start(unknown)
    assert answer(p.srp_answer(ue, up, PASSWORD)) == ("NotAuthorizedException", "Incorrect username or password.")


def test_fake_salts_look_like_real_ones(enum_server: RunningServer) -> None:
    """Real salts are 16 random bytes: odd and even alike, the same lengths; so are the fake ones."""
    p = Pool(enum_server)
    fake = [p.srp_start(f"nobody-{i}")[1]["SALT"] for i in range(40)]
    assert {int(s, 16) % 2 for s in fake} == {0, 1}
    assert {len(s) for s in fake} <= {32, 34} and all(re.fullmatch(r"[0-9a-f]+", s) for s in fake)


def test_recovery_answers_are_the_same(enum_server: RunningServer) -> None:
    p = Pool(enum_server)
    known, unknown = p.user(), f"ghost-{uuid.uuid4().hex[:8]}"
    k, u = p.call("ForgotPassword", Username=known), p.call("ForgotPassword", Username=unknown)
    check("ForgotPassword delivery details", delivery_shape(k), delivery_shape(u))
    assert p.call("ForgotPassword", Username=unknown).json() == u.json(), "simulated details must be stable"
    # a weak new password is refused first in both cases
    check("ConfirmForgotPassword weak password",
          answer(p.call("ConfirmForgotPassword", Username=known, ConfirmationCode="000000", Password="weak")),
          answer(p.call("ConfirmForgotPassword", Username=unknown, ConfirmationCode="000000", Password="weak")))
    real = enum_server.last_code(known)
    wrong = "000000" if real != "000000" else "111111"
    for _ in range(5):  # CodeMismatch, counted, then the attempt limit, in step
        check("ConfirmForgotPassword wrong code",
              answer(p.call("ConfirmForgotPassword", Username=known, ConfirmationCode=wrong, Password=PASSWORD)),
              answer(p.call("ConfirmForgotPassword", Username=unknown, ConfirmationCode=wrong, Password=PASSWORD)))
    check("ConfirmForgotPassword after the attempt limit",
          answer(p.call("ConfirmForgotPassword", Username=known, ConfirmationCode=wrong, Password=PASSWORD)),
          answer(p.call("ConfirmForgotPassword", Username=unknown, ConfirmationCode=wrong, Password=PASSWORD)))
    assert answer(p.call("ConfirmForgotPassword", Username=unknown, ConfirmationCode=wrong, Password=PASSWORD))[0] == "LimitExceededException"
    # a new code starts the count again, for both
    p.call("ForgotPassword", Username=known), p.call("ForgotPassword", Username=unknown)
    check("ConfirmForgotPassword after a new code",
          answer(p.call("ConfirmForgotPassword", Username=known, ConfirmationCode=wrong, Password=PASSWORD)),
          answer(p.call("ConfirmForgotPassword", Username=unknown, ConfirmationCode=wrong, Password=PASSWORD)))
    # sign-up codes: an unconfirmed user and an unknown one
    signed_up = f"new-{uuid.uuid4().hex[:8]}"
    assert p.call("SignUp", Username=signed_up, Password=PASSWORD,
                  UserAttributes=[{"Name": "email", "Value": f"{signed_up}@example.com"}]).status_code == 200
    check("ResendConfirmationCode delivery details",
          delivery_shape(p.call("ResendConfirmationCode", Username=signed_up)), delivery_shape(p.call("ResendConfirmationCode", Username=unknown)))
    check("ConfirmSignUp wrong code",
          answer(p.call("ConfirmSignUp", Username=signed_up, ConfirmationCode=wrong)), answer(p.call("ConfirmSignUp", Username=unknown, ConfirmationCode=wrong)))
