"""Federation through an OIDC identity provider: here another pool of the same server plays
the provider, so the whole round trip (authorize -> provider's hosted page -> idpresponse ->
token exchange and ID-token check -> federated user -> code for the app) runs on loopback."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.server.oauth_helpers import Browser, Page, claims, exchange, oauth_pool, redirect_params
from tests.triggers import recorded


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def provider_and_app(server: RunningServer, *, app_pool_args: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    idp = oauth_pool(server, secret=True, CallbackURLs=[f"{server.url}/oauth2/idpresponse"],
                     AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email"])
    app = oauth_pool(server, pool_args=app_pool_args)
    server.admin.create_identity_provider(
        UserPoolId=app["pool_id"], ProviderName="Corp", ProviderType="OIDC", IdpIdentifiers=["corp-id"],
        ProviderDetails={"client_id": idp["client_id"], "client_secret": idp["client_secret"], "authorize_scopes": "openid email",
                         "attributes_request_method": "GET", "oidc_issuer": idp["issuer"]},
        AttributeMapping={"email": "email", "username": "sub"},
    )
    client = server.admin.describe_user_pool_client(UserPoolId=app["pool_id"], ClientId=app["client_id"])["UserPoolClient"]
    settings = {k: client[k] for k in ("ExplicitAuthFlows", "AllowedOAuthFlowsUserPoolClient", "AllowedOAuthFlows",
                                       "AllowedOAuthScopes", "CallbackURLs", "LogoutURLs")}
    server.admin.update_user_pool_client(UserPoolId=app["pool_id"], ClientId=app["client_id"],
                                         SupportedIdentityProviders=["COGNITO", "Corp"], **settings)
    return idp, app


def test_oidc_federation_creates_the_user_and_issues_identities(server: RunningServer, make_user: Any,
                                                                browser: Browser) -> None:
    handler = "python:tests.triggers.lambdas:record_only"
    idp, app = provider_and_app(server, app_pool_args={"LambdaConfig": {"PreSignUp": handler}})
    employee = make_user(idp)
    provider_login = browser.authorize(app, identity_provider="Corp", scope="openid email", state="app-state", nonce="app-n")
    assert isinstance(provider_login, Page) and provider_login.status == 200  # the provider's own sign-in page
    landed = browser.follow_to_app(browser.submit(provider_login.form, username=employee, password="Passw0rd!"))
    params = redirect_params(landed)
    assert params["state"] == "app-state"
    tokens = exchange(server, app, params["code"])
    assert tokens.status_code == 200, tokens.text
    id_token = claims(tokens.json()["id_token"])
    idp_sub = server.admin.admin_get_user(UserPoolId=idp["pool_id"], Username=employee)["UserAttributes"]
    sub = next(a["Value"] for a in idp_sub if a["Name"] == "sub")
    assert id_token["cognito:username"] == f"Corp_{sub}" and id_token["nonce"] == "app-n"
    assert id_token["email"] == f"{employee}@example.com"
    [identity] = id_token["identities"]
    assert identity["providerName"] == "Corp" and identity["providerType"] == "OIDC" and identity["userId"] == sub
    federated = server.admin.admin_get_user(UserPoolId=app["pool_id"], Username=f"Corp_{sub}")
    assert federated["UserStatus"] == "EXTERNAL_PROVIDER"
    assert [e["event"]["triggerSource"] for e in recorded(server.data_dir, app["pool_id"])] == ["PreSignUp_ExternalProvider"]
    # a second federated sign-in (by idp_identifier) finds the same user; no second PreSignUp
    again = Browser(server)
    try:
        login = again.authorize(app, idp_identifier="corp-id")
        assert isinstance(login, Page)
        code = redirect_params(again.follow_to_app(again.submit(login.form, username=employee, password="Passw0rd!")))["code"]
        assert claims(exchange(server, app, code).json()["access_token"])["username"] == f"Corp_{sub}"
    finally:
        again.close()
    assert len(recorded(server.data_dir, app["pool_id"])) == 1


def test_linked_provider_identity_signs_in_as_the_existing_user(server: RunningServer, make_user: Any,
                                                                browser: Browser) -> None:
    idp, app = provider_and_app(server)
    employee = make_user(idp)
    sub = next(a["Value"] for a in server.admin.admin_get_user(UserPoolId=idp["pool_id"], Username=employee)["UserAttributes"]
               if a["Name"] == "sub")
    native = make_user(app)
    server.admin.admin_link_provider_for_user(
        UserPoolId=app["pool_id"], DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": native},
        SourceUser={"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": sub},
    )
    login = browser.authorize(app, identity_provider="Corp")
    assert isinstance(login, Page)
    code = redirect_params(browser.follow_to_app(browser.submit(login.form, username=employee, password="Passw0rd!")))["code"]
    id_token = claims(exchange(server, app, code).json()["id_token"])
    assert id_token["cognito:username"] == native
    assert any(i["providerName"] == "Corp" for i in id_token["identities"])


def test_federation_refusals(server: RunningServer, browser: Browser) -> None:
    _, app = provider_and_app(server)
    unknown = browser.authorize(app, identity_provider="Nope", state="s")
    assert redirect_params(unknown)["error"] == "invalid_request"
    bad_identifier = browser.authorize(app, idp_identifier="nope")
    assert redirect_params(bad_identifier)["error"] == "invalid_request"
    # a callback that did not start in this browser (no state cookie), or with a forged state
    forged = browser.get("/oauth2/idpresponse", params={"code": "x", "state": "forged"})
    assert forged.status_code == 400 and "location" not in forged.headers
    outsider = Browser(server)
    try:
        start = outsider.http.get("/oauth2/authorize", params={"client_id": app["client_id"], "response_type": "code",
                                                                "redirect_uri": "https://app.example.com/callback",
                                                                "identity_provider": "Corp"})
        assert start.status_code == 302
        state = dict(p.split("=", 1) for p in start.headers["location"].split("?", 1)[1].split("&"))["state"]
    finally:
        outsider.close()
    replayed = browser.get("/oauth2/idpresponse", params={"code": "x", "state": state})
    assert replayed.status_code == 400  # the state is bound to the browser that started the sign-in


def test_sign_in_page_offers_the_provider_and_a_provider_only_client_goes_straight_there(
    server: RunningServer, make_user: Any, browser: Browser
) -> None:
    idp, app = provider_and_app(server)
    login = browser.authorize(app)
    assert isinstance(login, Page) and "Continue with Corp" in login.text and "username" in login.form.fields
    button = re.search(r'href="(/oauth2/authorize\?[^"]+)"', login.response.text)
    assert button is not None and "identity_provider=Corp" in button.group(1)
    client = server.admin.describe_user_pool_client(UserPoolId=app["pool_id"], ClientId=app["client_id"])["UserPoolClient"]
    settings = {k: client[k] for k in ("AllowedOAuthFlowsUserPoolClient", "AllowedOAuthFlows", "AllowedOAuthScopes",
                                       "CallbackURLs")}
    server.admin.update_user_pool_client(UserPoolId=app["pool_id"], ClientId=app["client_id"],
                                         SupportedIdentityProviders=["Corp"], **settings)
    straight = browser.http.get("/oauth2/authorize", params={"client_id": app["client_id"], "response_type": "code",
                                                              "redirect_uri": "https://app.example.com/callback"})
    assert straight.status_code == 302 and f"client_id={idp['client_id']}" in straight.headers["location"]
    employee = make_user(idp)
    provider_page = browser.follow_to_app(straight)
    assert isinstance(provider_page, Page)
    landed = browser.follow_to_app(browser.submit(provider_page.form, username=employee, password="Passw0rd!"))
    assert exchange(server, app, redirect_params(landed)["code"]).status_code == 200


def federated_sign_in(server: RunningServer, idp: dict[str, Any], app: dict[str, Any], employee: str) -> httpx.Response | Page:
    """One federated sign-in in a fresh browser (no managed-login session of either pool)."""
    browser = Browser(server)
    try:
        login = browser.authorize(app, identity_provider="Corp", scope="openid email")
        assert isinstance(login, Page) and login.status == 200
        return browser.follow_to_app(browser.submit(login.form, username=employee, password="Passw0rd!"))
    finally:
        browser.close()


def test_federated_sign_ins_fire_the_triggers_cognito_documents(server: RunningServer, make_user: Any) -> None:
    handler = "python:tests.triggers.lambdas:record_only"
    lambdas = dict.fromkeys(("PreSignUp", "PostConfirmation", "PreAuthentication", "PostAuthentication",
                             "PreTokenGeneration"), handler)
    idp, app = provider_and_app(server, app_pool_args={"LambdaConfig": lambdas})
    employee = make_user(idp)
    first = federated_sign_in(server, idp, app, employee)
    assert exchange(server, app, redirect_params(first)["code"]).status_code == 200
    events = [e["event"] for e in recorded(server.data_dir, app["pool_id"])]
    # the first sign-in creates the user: sign-up and confirmation, no authentication triggers
    assert [e["triggerSource"] for e in events] == [
        "PreSignUp_ExternalProvider", "PostConfirmation_ConfirmSignUp", "TokenGeneration_HostedAuth"]
    username = events[0]["userName"]
    assert username.startswith("Corp_") and {e["userName"] for e in events} == {username}
    assert events[1]["request"]["userAttributes"]["cognito:user_status"] == "EXTERNAL_PROVIDER"
    assert events[1]["callerContext"]["clientId"] == app["client_id"]
    assert events[1]["request"]["userAttributes"]["email"] == f"{employee}@example.com"
    again = federated_sign_in(server, idp, app, employee)
    assert exchange(server, app, redirect_params(again)["code"]).status_code == 200
    later = [e["event"] for e in recorded(server.data_dir, app["pool_id"])][3:]
    assert [e["triggerSource"] for e in later] == [
        "PreAuthentication_Authentication", "TokenGeneration_HostedAuth", "PostAuthentication_Authentication"]
    assert {e["userName"] for e in later} == {username}


def test_a_trigger_refusing_a_federated_sign_in_goes_back_to_the_app(server: RunningServer, make_user: Any) -> None:
    idp, app = provider_and_app(server, app_pool_args={"LambdaConfig": {"PreSignUp": "python:tests.triggers.lambdas:refuse"}})
    employee = make_user(idp)
    refused = redirect_params(federated_sign_in(server, idp, app, employee))
    assert refused["error"] == "invalid_request" and "sign-ups are closed" in refused["error_description"]
    assert "code" not in refused
    assert server.admin.list_users(UserPoolId=app["pool_id"])["Users"] == []  # nothing was created
    # the user exists (no PreSignUp now); a PreAuthentication refusal stops the later sign-in
    server.admin.update_user_pool(UserPoolId=app["pool_id"], LambdaConfig={})
    assert "code" in redirect_params(federated_sign_in(server, idp, app, employee))
    server.admin.update_user_pool(UserPoolId=app["pool_id"],
                                  LambdaConfig={"PreAuthentication": "python:tests.triggers.lambdas:refuse"})
    blocked = redirect_params(federated_sign_in(server, idp, app, employee))
    assert blocked["error"] == "invalid_request" and "PreAuthentication failed" in blocked["error_description"]


@pytest.mark.parametrize("sign_in_with", [["email"], ["phone_number"]])
def test_pools_whose_usernames_are_emails_or_phones_create_provider_sub_users(
    server: RunningServer, make_user: Any, sign_in_with: list[str]
) -> None:
    idp, app = provider_and_app(server, app_pool_args={"UsernameAttributes": sign_in_with})
    employee = make_user(idp)
    email = f"{employee}@example.com"
    # a pool user with the address the provider will map: both keep working
    server.admin.admin_create_user(UserPoolId=app["pool_id"], Username=email if sign_in_with == ["email"] else "+15550100",
                                   UserAttributes=[{"Name": "email", "Value": email}], MessageAction="SUPPRESS")
    native_name = email if sign_in_with == ["email"] else "+15550100"
    server.admin.admin_set_user_password(UserPoolId=app["pool_id"], Username=native_name, Password="Passw0rd!", Permanent=True)
    landed = federated_sign_in(server, idp, app, employee)
    tokens = exchange(server, app, redirect_params(landed)["code"])
    assert tokens.status_code == 200, tokens.text
    id_token = claims(tokens.json()["id_token"])
    sub = next(a["Value"] for a in server.admin.admin_get_user(UserPoolId=idp["pool_id"], Username=employee)["UserAttributes"]
               if a["Name"] == "sub")
    assert id_token["cognito:username"] == f"Corp_{sub}" and id_token["email"] == email
    assert id_token["identities"][0]["userId"] == sub
    federated = server.admin.admin_get_user(UserPoolId=app["pool_id"], Username=f"Corp_{sub}")
    assert federated["Username"] == f"Corp_{sub}" and federated["UserStatus"] == "EXTERNAL_PROVIDER"
    # the pool user still signs in by its address, and is not the federated user
    native = server.public.initiate_auth(ClientId=app["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": native_name, "PASSWORD": "Passw0rd!"})
    native_claims = claims(native["AuthenticationResult"]["IdToken"])
    assert native_claims["cognito:username"] != f"Corp_{sub}" and "identities" not in native_claims
    # a second federated sign-in finds the same user
    again = exchange(server, app, redirect_params(federated_sign_in(server, idp, app, employee))["code"])
    assert claims(again.json()["access_token"])["username"] == f"Corp_{sub}"
