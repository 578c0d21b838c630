"""App clients' managed-login (OAuth 2.0) settings on Create/UpdateUserPoolClient, with
Cognito's rules: redirect URLs, flows, scopes, identity providers. A refused update leaves
the client exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.helpers import rejected

OIDC = {
    "client_id": "rp", "client_secret": "rp-secret", "authorize_scopes": "openid",
    "attributes_request_method": "GET", "oidc_issuer": "https://idp.example.com",
}
WEB = {
    "AllowedOAuthFlowsUserPoolClient": True,
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email", "profile"],
    "CallbackURLs": ["https://app.example.com/callback", "http://localhost:3000/cb"],
    "LogoutURLs": ["https://app.example.com/signed-out"],
    "DefaultRedirectURI": "https://app.example.com/callback",
    "SupportedIdentityProviders": ["COGNITO"],
}


def create(server: Any, pool: dict[str, Any], **settings: Any) -> dict[str, Any]:
    made: dict[str, Any] = server.admin.create_user_pool_client(UserPoolId=pool["pool_id"], ClientName="web", **settings)[
        "UserPoolClient"
    ]
    return made


def test_a_web_client_with_code_flow(server, pool):
    made = create(server, pool, **WEB)
    for key, value in WEB.items():
        assert made[key] == value, key
    described = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=made["ClientId"])
    assert described["UserPoolClient"]["AllowedOAuthFlows"] == ["code"]


def test_custom_scopes_and_identity_providers(server, pool):
    pid = pool["pool_id"]
    server.admin.create_resource_server(UserPoolId=pid, Identifier="https://api.example.com", Name="api",
                                        Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    server.admin.create_identity_provider(UserPoolId=pid, ProviderName="Corp", ProviderType="OIDC", ProviderDetails=OIDC)
    made = create(server, pool, **{**WEB, "AllowedOAuthScopes": ["openid", "https://api.example.com/read"],
                                   "SupportedIdentityProviders": ["COGNITO", "Corp"]})
    assert made["AllowedOAuthScopes"] == ["openid", "https://api.example.com/read"]
    assert made["SupportedIdentityProviders"] == ["COGNITO", "Corp"]


def test_client_credentials_with_a_secret_and_custom_scopes(server, pool):
    pid = pool["pool_id"]
    server.admin.create_resource_server(UserPoolId=pid, Identifier="billing", Name="billing",
                                        Scopes=[{"ScopeName": "charge", "ScopeDescription": "charge"}])
    made = create(server, pool, GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                  AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["billing/charge"])
    assert made["ClientSecret"] and made["AllowedOAuthFlows"] == ["client_credentials"]
    # an update keeps the secret, so client_credentials stays allowed
    server.admin.update_user_pool_client(UserPoolId=pid, ClientId=made["ClientId"], AllowedOAuthFlowsUserPoolClient=True,
                                         AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["billing/charge"])


@pytest.mark.parametrize("url", ["myapp://callback", "com.example.app:/oauth", "http://127.0.0.1:8080/cb", "http://[::1]/cb"])
def test_app_schemes_and_loopback_are_accepted(server, pool, url):
    create(server, pool, **{**WEB, "CallbackURLs": [url], "DefaultRedirectURI": url})


@pytest.mark.parametrize(
    ("change", "name", "message"),
    [
        ({"CallbackURLs": ["http://app.example.com/cb"]}, "InvalidParameterException", "https"),
        ({"CallbackURLs": ["https://app.example.com/cb#frag"], "DefaultRedirectURI": None}, "InvalidParameterException", "fragment"),
        ({"CallbackURLs": ["/relative/path"], "DefaultRedirectURI": None}, "InvalidParameterException", "absolute"),
        ({"CallbackURLs": ["javascript://alert(1)"], "DefaultRedirectURI": None}, "InvalidParameterException", "CallbackURLs"),
        ({"CallbackURLs": ["https:///no-host"], "DefaultRedirectURI": None}, "InvalidParameterException", "CallbackURLs"),
        ({"LogoutURLs": ["http://evil.example/out"]}, "InvalidParameterException", "LogoutURLs"),
        ({"DefaultRedirectURI": "https://elsewhere.example.com/"}, "InvalidParameterException", "DefaultRedirectURI"),
        ({"CallbackURLs": [], "DefaultRedirectURI": None}, "InvalidOAuthFlowException", "CallbackUrls can not be empty"),
        ({"AllowedOAuthFlows": ["code", "client_credentials"]}, "InvalidOAuthFlowException", "along with code"),
        ({"AllowedOAuthFlows": ["client_credentials"]}, "InvalidOAuthFlowException", "does not have a client secret"),
        ({"AllowedOAuthFlows": []}, "InvalidOAuthFlowException", "AllowedOAuthFlows"),
        ({"AllowedOAuthScopes": []}, "InvalidOAuthFlowException", "AllowedOAuthScopes"),
        ({"AllowedOAuthScopes": ["openid", "admin"]}, "ScopeDoesNotExistException", "Invalid scope requested: admin"),
        ({"AllowedOAuthScopes": ["https://api.example.com/nope"]}, "ScopeDoesNotExistException", "nope"),
        ({"SupportedIdentityProviders": ["COGNITO", "Facebook"]}, "InvalidParameterException",
         "The provider Facebook does not exist for User Pool"),
    ],
)
def test_bad_oauth_settings_are_refused(server, pool, change, name, message):
    settings = {k: v for k, v in {**WEB, **change}.items() if v is not None}
    body = {"UserPoolId": pool["pool_id"], "ClientName": "web", **settings}
    rejected(server, "CreateUserPoolClient", body, name, message=message)
    # the same on an update, and the client is unchanged afterwards
    before = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"])["UserPoolClient"]
    rejected(server, "UpdateUserPoolClient", {**body, "ClientId": pool["client_id"]}, name, message=message)
    after = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"])["UserPoolClient"]
    assert after == before


def test_client_credentials_needs_custom_scopes(server, pool):
    body = {"UserPoolId": pool["pool_id"], "ClientName": "m2m", "GenerateSecret": True, "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["openid"]}
    rejected(server, "CreateUserPoolClient", body, "InvalidOAuthFlowException", message="custom scopes")


def test_a_deleted_scope_cannot_be_newly_allowed(server, pool):
    pid = pool["pool_id"]
    server.admin.create_resource_server(UserPoolId=pid, Identifier="tmp", Name="tmp",
                                        Scopes=[{"ScopeName": "x", "ScopeDescription": "x"}])
    server.admin.delete_resource_server(UserPoolId=pid, Identifier="tmp")
    body = {"UserPoolId": pid, "ClientName": "web", **WEB, "AllowedOAuthScopes": ["tmp/x"]}
    rejected(server, "CreateUserPoolClient", body, "ScopeDoesNotExistException")
