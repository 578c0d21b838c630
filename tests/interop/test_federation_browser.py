"""Federation through a real browser: pool A of a ``userpool serve`` names pool B (of the same
server) as its OIDC identity provider. Headless Chromium starts at A's /oauth2/authorize, meets
B's hosted sign-in page, signs in there, comes back through A's /oauth2/idpresponse and lands at
the relying party's callback with a code; the code's ID token is the federated user's."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from tests.conftest import PASSWORD, RunningServer
from tests.interop.browser import Chromium, look
from tests.interop.managed_login import RelyingParty, hosted_pool, make_hosted_user

pytestmark = pytest.mark.interop

SIGN_IN_HEADING = "Sign in with your username and password"


def federated_pools(server: RunningServer, app: RelyingParty) -> tuple[dict[str, Any], dict[str, Any]]:
    """(provider pool B, app pool A): A's client offers COGNITO and "Corp" (B's issuer)."""
    provider = hosted_pool(server, callback=f"{server.url}/oauth2/idpresponse", secret=True, scopes=["openid", "email"])
    pool = hosted_pool(server, callback=app.callback)
    server.admin.create_identity_provider(
        UserPoolId=pool["pool_id"], ProviderName="Corp", ProviderType="OIDC",
        ProviderDetails={"client_id": provider["client_id"], "client_secret": provider["client_secret"],
                         "authorize_scopes": "openid email", "attributes_request_method": "GET",
                         "oidc_issuer": provider["issuer"]},
        AttributeMapping={"email": "email", "username": "sub"},
    )
    client = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"])["UserPoolClient"]
    settings = {k: client[k] for k in ("ExplicitAuthFlows", "AllowedOAuthFlowsUserPoolClient", "AllowedOAuthFlows",
                                       "AllowedOAuthScopes", "CallbackURLs")}
    server.admin.update_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"],
                                         SupportedIdentityProviders=["COGNITO", "Corp"], **settings)
    return provider, pool


def authorize_url(server: RunningServer, pool: dict[str, Any], state: str, **extra: str) -> str:
    query = {"client_id": pool["client_id"], "response_type": "code", "scope": "openid email",
             "redirect_uri": pool["callback"], "state": state, **extra}
    return f"{server.url}/oauth2/authorize?{urlencode(query)}"


def sign_in_at_provider(browser: Chromium, server: RunningServer, provider: dict[str, Any], username: str) -> None:
    """On B's hosted page (checked by URL and screenshot), sign in as B's user."""
    page = browser.view()
    parts = urlsplit(page["url"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{server.url}/login", page["url"]
    assert parse_qs(parts.query)["client_id"] == [provider["client_id"]]  # B's page, for A's provider client
    look(browser.screenshot("provider-login"), SIGN_IN_HEADING, "Username", "Password")
    assert browser.count("form[name=cognitoSignInForm] input[name=password]") == 1
    browser.fill("input[name=username]", username)
    browser.fill("input[name=password]", PASSWORD)
    browser.click("button[name=signInSubmitButton]")


def code_tokens(server: RunningServer, pool: dict[str, Any], app: RelyingParty, state: str) -> dict[str, Any]:
    """The one callback the app got (its state, a code) exchanged at A's token endpoint."""
    assert len(app.hits) == 1, app.hits
    params = parse_qs(urlsplit(app.hits[0]).query)
    assert params["state"] == [state] and params["code"][0]
    reply = httpx.post(f"{server.url}/oauth2/token", timeout=30, data={
        "grant_type": "authorization_code", "client_id": pool["client_id"], "code": params["code"][0],
        "redirect_uri": pool["callback"]})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def provider_sub(server: RunningServer, provider: dict[str, Any], username: str) -> str:
    attributes = server.admin.admin_get_user(UserPoolId=provider["pool_id"], Username=username)["UserAttributes"]
    return str(next(a["Value"] for a in attributes if a["Name"] == "sub"))


def assert_federated(server: RunningServer, pool: dict[str, Any], tokens: dict[str, Any], employee: str, sub: str) -> None:
    id_token = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert id_token["cognito:username"] == f"Corp_{sub}" and id_token["aud"] == pool["client_id"]
    assert id_token["email"] == f"{employee}@example.com"  # AttributeMapping email -> email
    [identity] = id_token["identities"]
    assert identity["providerName"] == "Corp" and identity["providerType"] == "OIDC" and identity["userId"] == sub
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["username"] == f"Corp_{sub}"
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=f"Corp_{sub}")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"


def test_identity_provider_parameter_goes_to_the_provider_pool_and_back(
    server: RunningServer, relying_party: RelyingParty, chromium_tls: Chromium
) -> None:
    provider, pool = federated_pools(server, relying_party)
    employee = make_hosted_user(server, provider)
    state = "st-" + uuid.uuid4().hex[:8]
    chromium_tls.goto(authorize_url(server, pool, state, identity_provider="Corp"))
    sign_in_at_provider(chromium_tls, server, provider, employee)
    assert "callback received" in chromium_tls.view()["text"]
    assert_federated(server, pool, code_tokens(server, pool, relying_party, state), employee,
                     provider_sub(server, provider, employee))


def test_the_sign_in_page_button_starts_the_federated_sign_in(
    server: RunningServer, relying_party: RelyingParty, chromium_tls: Chromium
) -> None:
    provider, pool = federated_pools(server, relying_party)
    employee = make_hosted_user(server, provider)
    state = "st-" + uuid.uuid4().hex[:8]
    chromium_tls.goto(authorize_url(server, pool, state))  # no identity_provider: A's own page, with the button
    assert urlsplit(chromium_tls.view()["url"]).path == "/login"
    look(chromium_tls.screenshot("app-login"), "Sign in with your corporate ID", "Continue with Corp", SIGN_IN_HEADING)
    assert chromium_tls.count("a.idpButton-customizable") == 1
    chromium_tls.click("a.idpButton-customizable")
    sign_in_at_provider(chromium_tls, server, provider, employee)
    assert_federated(server, pool, code_tokens(server, pool, relying_party, state), employee,
                     provider_sub(server, provider, employee))
