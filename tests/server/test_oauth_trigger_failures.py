"""A PreTokenGeneration trigger that fails inside managed login: OAuth's error shapes, never a
500, no tokens, and the grant presented left as it was.

Where the trigger runs decides where it fails: for the authorization code (and implicit) grant
the tokens are made when the person signs in on the hosted page (triggerSource
``TokenGeneration_HostedAuth``), so a failure is shown on that page and no code is issued; a
code already issued is redeemed with the tokens made at sign-in. The refresh_token grant runs the
trigger at the token endpoint (``TokenGeneration_RefreshTokens``): a failure there is
``invalid_request`` and the refresh token still works once the trigger does.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.server.helpers import changed_tables, state
from tests.server.oauth_helpers import Browser, Page, claims, exchange, oauth_pool, redirect_params, token

H = "python:tests.triggers.lambdas:"
WORKS = {"PreTokenGeneration": H + "token_v1"}  # adds team=blue
FAILS = {"PreTokenGeneration": H + "refuse"}  # raises "sign-ups are closed"
BAD_ANSWER = {"PreTokenGeneration": H + "token_bad"}  # a badly shaped answer


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def set_trigger(server: RunningServer, pool: dict[str, Any], lambda_config: dict[str, str]) -> None:
    server.admin.update_user_pool(UserPoolId=pool["pool_id"], LambdaConfig=lambda_config, AutoVerifiedAttributes=["email"])


@pytest.mark.parametrize("broken", [FAILS, BAD_ANSWER], ids=["raises", "bad-answer"])
@pytest.mark.parametrize("rotation", [False, True], ids=["plain", "rotating"])
def test_refresh_grant_with_a_failing_trigger_is_invalid_request_and_keeps_the_refresh_token(
    server: RunningServer, make_user: Any, browser: Browser, broken: dict[str, str], rotation: bool,
) -> None:
    extra = {"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}} if rotation else {}
    pool = oauth_pool(server, secret=True, pool_args={"LambdaConfig": WORKS}, **extra)
    basic = (pool["client_id"], pool["client_secret"])
    code = redirect_params(browser.sign_in(pool, make_user(pool), scope="openid email"))["code"]
    first = exchange(server, pool, code).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}

    set_trigger(server, pool, broken)
    before = state(server)
    refused = token(server, pool, refresh, auth=basic)
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["error"] == "invalid_request" and "PreTokenGeneration" in body["error_description"]
    assert not {"access_token", "id_token", "refresh_token"} & set(body)
    assert changed_tables(before, state(server)) == set()  # not rotated, not retired, not revoked

    set_trigger(server, pool, WORKS)
    again = token(server, pool, refresh, auth=basic)
    assert again.status_code == 200, again.text
    assert claims(again.json()["id_token"])["team"] == "blue"
    assert ("refresh_token" in again.json()) is rotation


def test_hosted_sign_in_with_a_failing_trigger_shows_the_error_and_issues_no_code(
    server: RunningServer, make_user: Any, browser: Browser,
) -> None:
    pool = oauth_pool(server, pool_args={"LambdaConfig": FAILS})
    username = make_user(pool)
    page = browser.sign_in(pool, username, state="s1")
    assert isinstance(page, Page), "no redirect to the app: no code was issued"
    assert page.status == 400
    assert "PreTokenGeneration failed with error sign-ups are closed" in page.text
    assert page.form.fields.get("username") is not None  # the sign-in form again, to retry
    assert len(browser.http.cookies) == 1, "only the CSRF cookie: no hosted session was started"


def test_a_code_issued_before_the_trigger_broke_is_redeemed_with_its_sign_in_tokens(
    server: RunningServer, make_user: Any, browser: Browser,
) -> None:
    """The code carries the tokens made at sign-in; redeeming it runs no trigger, so a trigger
    broken in between does not strand it, and the code is used up as any redeemed code is."""
    pool = oauth_pool(server, pool_args={"LambdaConfig": WORKS})
    code = redirect_params(browser.sign_in(pool, make_user(pool), scope="openid"))["code"]
    set_trigger(server, pool, FAILS)
    redeemed = exchange(server, pool, code)
    assert redeemed.status_code == 200, redeemed.text
    assert claims(redeemed.json()["id_token"])["team"] == "blue"
    replay = exchange(server, pool, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("response_type", ["code", "token"])
def test_silent_authorize_with_a_failing_trigger_redirects_an_error_without_tokens(
    server: RunningServer, make_user: Any, browser: Browser, response_type: str,
) -> None:
    pool = oauth_pool(server, pool_args={"LambdaConfig": WORKS})
    redirect_params(browser.sign_in(pool, make_user(pool), scope="openid"))  # the browser now has a session
    set_trigger(server, pool, FAILS)
    before = state(server)
    landed = browser.authorize(pool, response_type=response_type, scope="openid", state="keep")
    assert isinstance(landed, httpx.Response) and landed.status_code == 302
    got = redirect_params(landed)
    assert got["error"] == "invalid_request" and got["state"] == "keep"
    assert "PreTokenGeneration" in got["error_description"]
    assert not {"code", "access_token", "id_token"} & set(got)
    assert changed_tables(before, state(server)) == set()
