"""sign_in_with_redirect / sign_out of a hosted session against a real ``userpool serve``.

The browser is tests/server/oauth_helpers.Browser (HTTP, cookies, the hosted page's forms): the
client's ``browser_opener`` hands it the authorize URL, it signs in on the hosted page and
follows the redirect to the client's loopback listener, as the system browser would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.conftest import PASSWORD, free_port
from tests.server.oauth_helpers import Browser, Page, oauth_pool
from userpool.auth import Hub, errors


class HostedUser:
    """An opener: the person at the browser, signing in with ``username`` on the hosted page."""

    def __init__(self, server: Any, username: str, password: str = PASSWORD,
                 tamper: Callable[[str], str] | None = None) -> None:
        self.browser = Browser(server)
        self.username, self.password, self.tamper = username, password, tamper
        self.opened: list[str] = []
        self.landed: list[httpx.Response] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        response = self.browser.follow_to_app(self.browser.get(url))
        if isinstance(response, Page):  # the sign-in page (no hosted session yet)
            assert response.status == 200 and response.forms, response.text
            response = self.browser.follow_to_app(
                self.browser.submit(response.form, username=self.username, password=self.password))
        assert isinstance(response, httpx.Response) and response.status_code == 302, response
        location = response.headers["location"]
        self.landed.append(httpx.get(self.tamper(location) if self.tamper else location, timeout=10))
        return True


def _with_state(location: str, state: str) -> str:
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, "state": state})))


def _hosted_pool(server: Any, secret: bool = False) -> dict[str, Any]:
    sign_in_port, sign_out_port = free_port(), free_port()
    callback, signed_out = f"http://localhost:{sign_in_port}/callback", f"http://127.0.0.1:{sign_out_port}/signed-out"
    pool = oauth_pool(server, secret=secret, AllowedOAuthFlows=["code"], CallbackURLs=[callback], LogoutURLs=[signed_out])
    pool["oauth"] = {"domain": server.url, "scopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
                     "redirect_sign_in": [callback], "redirect_sign_out": [signed_out]}
    return pool


@pytest.fixture
def hosted(server: Any) -> Iterator[dict[str, Any]]:
    """A pool + code-flow client whose callback and sign-out URLs are loopback ones."""
    yield _hosted_pool(server)


def _events(hub: Hub) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []
    hub.listen("auth", lambda capsule: seen.append((capsule.payload.event, capsule.payload.data)))
    return seen


def test_sign_in_with_redirect_stores_a_session_that_refreshes(server, hosted, make_user, connect):
    username = make_user(hosted)
    person, hub = HostedUser(server, username), Hub()
    seen = _events(hub)
    client = connect(hosted, oauth=hosted["oauth"], browser_opener=person, hub=hub)

    assert client.sign_in_with_redirect(custom_state="back to /orders") is None

    query = parse_qs(urlsplit(person.opened[0]).query)
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["identity_provider"] == ["COGNITO"] and query["redirect_uri"] == hosted["oauth"]["redirect_sign_in"]
    assert query["scope"] == ["openid email profile aws.cognito.signin.user.admin"]
    assert person.landed[0].status_code == 200 and "close this window" in person.landed[0].text
    session = client.fetch_auth_session()
    assert session.tokens is not None and session.tokens.access_token.payload["username"] == username
    assert session.tokens.id_token is not None and session.tokens.id_token.payload["email"] == f"{username}@example.com"
    assert client.get_current_user().username == username
    assert [e for e, _ in seen] == ["customOAuthState", "signInWithRedirect", "signedIn"]
    assert seen[0][1] == "back to /orders" and seen[2][1].username == username

    refreshed = client.fetch_auth_session(force_refresh=True)
    assert refreshed.tokens is not None and refreshed.tokens.access_token.raw != session.tokens.access_token.raw
    assert client.fetch_user_attributes()["email"] == f"{username}@example.com"  # the access token works on the wire
    with pytest.raises(errors.UserAlreadyAuthenticatedException):
        client.sign_in_with_redirect()


def test_a_client_with_a_secret_authenticates_at_the_token_endpoint(server, make_user, connect):
    pool = _hosted_pool(server, secret=True)
    person = HostedUser(server, make_user(pool))
    client = connect(pool, oauth=pool["oauth"], browser_opener=person)
    client.sign_in_with_redirect()
    assert client.fetch_auth_session(force_refresh=True).tokens is not None


@pytest.mark.parametrize("global_sign_out", [False, True])
def test_sign_out_revokes_and_ends_the_hosted_session(server, hosted, make_user, connect, global_sign_out):
    username = make_user(hosted)
    person = HostedUser(server, username)
    client = connect(hosted, oauth=hosted["oauth"], browser_opener=person, redirect_timeout=10)
    client.sign_in_with_redirect()
    refresh_token = client.context.tokens.load().refresh_token

    client.sign_out(global_sign_out=global_sign_out)

    assert client.fetch_auth_session().tokens is None
    logout = urlsplit(person.opened[-1])
    assert logout.path == "/logout"
    assert parse_qs(logout.query) == {"client_id": [hosted["client_id"]], "logout_uri": hosted["oauth"]["redirect_sign_out"]}
    assert person.landed[-1].status_code == 200  # the browser came back to the sign-out listener
    refused = server.call("GetTokensFromRefreshToken", {"ClientId": hosted["client_id"], "RefreshToken": refresh_token})
    assert refused.status_code == 400 and refused.json()["__type"] == "NotAuthorizedException"
    again = person.browser.authorize(hosted, redirect_uri=hosted["oauth"]["redirect_sign_in"][0])
    assert isinstance(again, Page) and again.forms, "the hosted session outlived sign_out"


def test_a_tampered_state_is_refused_and_nothing_is_stored(server, hosted, make_user, connect):
    username = make_user(hosted)
    person, hub = HostedUser(server, username, tamper=lambda loc: _with_state(loc, "forged")), Hub()
    seen = _events(hub)
    client = connect(hosted, oauth=hosted["oauth"], browser_opener=person, hub=hub)

    with pytest.raises(errors.OAuthSignInException, match="validating the state"):
        client.sign_in_with_redirect()

    assert client.context.tokens.load() is None and client.fetch_auth_session().tokens is None
    assert [e for e, _ in seen] == ["signInWithRedirect_failure"]


def test_an_error_redirect_is_an_oauth_sign_in_error(server, hosted, connect):
    def deny(url: str) -> None:  # the person declines: the server sends the browser back with an error
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        stray = urlunsplit(urlsplit(query["redirect_uri"])._replace(path="/favicon.ico"))
        assert httpx.get(stray, timeout=10).status_code == 404  # another path neither answers nor ends the wait
        back = query["redirect_uri"] + "?" + urlencode(
            {"error": "access_denied", "error_description": "The user declined", "state": query["state"]})
        assert "declined" in httpx.get(back, timeout=10).text

    client = connect(hosted, oauth=hosted["oauth"], browser_opener=deny)
    with pytest.raises(errors.OAuthSignInException, match="The user declined"):
        client.sign_in_with_redirect()
    assert client.fetch_auth_session().tokens is None


def test_the_servers_own_error_redirect_is_refused(server, hosted, make_user, connect):
    """An identity provider the client does not support: the server redirects with an error."""
    person = HostedUser(server, make_user(hosted))
    client = connect(hosted, oauth=hosted["oauth"], browser_opener=person)
    with pytest.raises(errors.OAuthSignInException, match="does not support the identity provider NoSuchProvider"):
        client.sign_in_with_redirect({"custom": "NoSuchProvider"})
    assert "identity_provider=NoSuchProvider" in person.opened[0] and client.fetch_auth_session().tokens is None


def test_a_redirect_that_never_comes_times_out(server, hosted, connect):
    client = connect(hosted, oauth=hosted["oauth"], browser_opener=lambda url: True, redirect_timeout=0.5)
    with pytest.raises(errors.OAuthSignInException, match="No redirect"):
        client.sign_in_with_redirect()


def test_without_oauth_configuration(server, hosted, connect):
    client = connect(hosted, browser_opener=lambda url: True)
    with pytest.raises(errors.OAuthNotConfigureException):
        client.sign_in_with_redirect()


# ---------------------------------------------------------------- userpool login --browser

_BROWSER_SCRIPT = '''
import os, sys
from types import SimpleNamespace
import httpx
sys.path.insert(0, os.environ["TEST_REPO"])
from tests.server.oauth_helpers import Browser, Page
url = sys.argv[1]
with open(os.environ["TEST_BROWSER_LOG"], "a") as log:
    log.write(url + "\\n")
browser = Browser(SimpleNamespace(url=os.environ["TEST_SERVER_URL"]))
response = browser.follow_to_app(browser.get(url))
if isinstance(response, Page):
    response = browser.follow_to_app(browser.submit(
        response.form, username=os.environ["TEST_USERNAME"], password=os.environ["TEST_PASSWORD"]))
httpx.get(response.headers["location"], timeout=10)
'''


def test_userpool_login_browser_end_to_end(server, hosted, make_user, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    username = make_user(hosted)
    script, log = tmp_path / "browser.py", tmp_path / "browser.log"
    script.write_text(_BROWSER_SCRIPT)
    repo = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "BROWSER": f"{sys.executable} {script} %s", "TEST_BROWSER_LOG": str(log),
           "TEST_SERVER_URL": server.url, "TEST_USERNAME": username, "TEST_PASSWORD": PASSWORD, "TEST_REPO": repo,
           "USERPOOL_CONFIG_DIR": str(tmp_path / "cfg")}

    def userpool(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "userpool.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)

    done = userpool("login", "--browser", "--endpoint", server.url, "--user-pool-id", hosted["pool_id"],
                    "--client-id", hosted["client_id"], "--domain", server.url,
                    "--redirect-uri", hosted["oauth"]["redirect_sign_in"][0],
                    "--logout-uri", hosted["oauth"]["redirect_sign_out"][0], "--scope", "openid", "--scope", "email")
    assert done.returncode == 0, done.stderr
    assert f"Signed in as {username}" in done.stdout and "/oauth2/authorize?" in done.stderr
    assert "scope=openid+email" in log.read_text()

    whoami = userpool("whoami", "--json")  # the saved configuration and session, in a new process
    assert whoami.returncode == 0, whoami.stderr
    assert '"username": "' + username + '"' in whoami.stdout

    logout = userpool("logout")
    assert logout.returncode == 0, logout.stderr
    opened = log.read_text().splitlines()
    assert len(opened) == 2 and urlsplit(opened[1]).path == "/logout"
    assert userpool("token").returncode != 0
