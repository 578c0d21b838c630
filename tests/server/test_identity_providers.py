"""Identity providers (Create/Describe/Update/Delete/ListIdentityProviders,
GetIdentityProviderByIdentifier) and linked federated identities
(AdminLinkProviderForUser / AdminDisableProviderForUser), through boto3 signed with SigV4."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import create_pool
from tests.server.helpers import UNKNOWN_POOL, rejected, unique

OIDC = {
    "client_id": "rp-client",
    "client_secret": "s3cret-value-never-in-clear",
    "authorize_scopes": "openid email",
    "attributes_request_method": "GET",
    "oidc_issuer": "https://idp.example.com",
}
SAML = {"MetadataURL": "https://idp.example.com/saml/metadata"}
GOOGLE = {"client_id": "g-client", "client_secret": "g-secret", "authorize_scopes": "profile email openid"}


def create_oidc(server: Any, pool_id: str, name: str = "Corp", **extra: Any) -> dict[str, Any]:
    made: dict[str, Any] = server.admin.create_identity_provider(
        UserPoolId=pool_id, ProviderName=name, ProviderType="OIDC", ProviderDetails=dict(OIDC), **extra
    )["IdentityProvider"]
    return made


# ------------------------------------------------------------------ identity providers


def test_oidc_provider_round_trip(server, pool):
    pid = pool["pool_id"]
    made = create_oidc(server, pid, AttributeMapping={"email": "email"}, IdpIdentifiers=["corp.example.com"])
    assert made["ProviderType"] == "OIDC" and made["ProviderDetails"] == OIDC
    assert made["AttributeMapping"] == {"email": "email", "username": "sub"}
    assert made["IdpIdentifiers"] == ["corp.example.com"]
    got = server.admin.describe_identity_provider(UserPoolId=pid, ProviderName="Corp")["IdentityProvider"]
    assert got["ProviderDetails"] == OIDC and got["CreationDate"] and got["LastModifiedDate"]
    by_id = server.admin.get_identity_provider_by_identifier(UserPoolId=pid, IdpIdentifier="corp.example.com")
    assert by_id["IdentityProvider"]["ProviderName"] == "Corp"


def test_the_client_secret_is_sealed_at_rest(server, pool):
    create_oidc(server, pool["pool_id"])
    rows = server.query("SELECT details, client_secret_sealed FROM identity_providers WHERE pool_id = ?", pool["pool_id"])
    details, sealed = rows[0]
    assert OIDC["client_secret"] not in str(details) and OIDC["client_secret"] not in sealed


def test_update_merges_details_and_replaces_mapping_and_identifiers(server, pool):
    pid = pool["pool_id"]
    create_oidc(server, pid, IdpIdentifiers=["a.example"])
    updated = server.admin.update_identity_provider(
        UserPoolId=pid, ProviderName="Corp", ProviderDetails={"authorize_scopes": "openid"},
        AttributeMapping={"name": "name"}, IdpIdentifiers=["b.example"],
    )["IdentityProvider"]
    assert updated["ProviderDetails"] == {**OIDC, "authorize_scopes": "openid"}
    assert updated["AttributeMapping"] == {"name": "name", "username": "sub"}
    assert updated["IdpIdentifiers"] == ["b.example"]
    rejected(server, "GetIdentityProviderByIdentifier", {"UserPoolId": pid, "IdpIdentifier": "a.example"},
             "ResourceNotFoundException")
    assert server.admin.get_identity_provider_by_identifier(UserPoolId=pid, IdpIdentifier="b.example")


def test_saml_and_social_providers_are_stored(server, pool):
    pid = pool["pool_id"]
    saml = server.admin.create_identity_provider(UserPoolId=pid, ProviderName="Okta", ProviderType="SAML", ProviderDetails=SAML)
    assert saml["IdentityProvider"]["ProviderDetails"] == SAML
    google = server.admin.create_identity_provider(UserPoolId=pid, ProviderName="Google", ProviderType="Google",
                                                   ProviderDetails=GOOGLE)
    assert google["IdentityProvider"]["AttributeMapping"] == {"username": "sub"}


def test_list_identity_providers_pages(server, pool):
    pid = pool["pool_id"]
    names = [f"Idp{i}" for i in range(5)]
    for name in names:
        create_oidc(server, pid, name)
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"UserPoolId": pid, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = server.admin.list_identity_providers(**kwargs)
        assert len(page["Providers"]) <= 2
        assert all(set(p) == {"ProviderName", "ProviderType", "LastModifiedDate", "CreationDate"} for p in page["Providers"])
        seen += [p["ProviderName"] for p in page["Providers"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names


def test_delete_removes_the_provider_from_clients(server):
    p = create_pool(server)
    create_oidc(server, p["pool_id"], IdpIdentifiers=["x.example"])
    server.admin.update_user_pool_client(UserPoolId=p["pool_id"], ClientId=p["client_id"],
                                         SupportedIdentityProviders=["COGNITO", "Corp"])
    server.admin.delete_identity_provider(UserPoolId=p["pool_id"], ProviderName="Corp")
    client = server.admin.describe_user_pool_client(UserPoolId=p["pool_id"], ClientId=p["client_id"])["UserPoolClient"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    rejected(server, "DescribeIdentityProvider", {"UserPoolId": p["pool_id"], "ProviderName": "Corp"}, "ResourceNotFoundException")
    assert server.query("SELECT COUNT(*) FROM idp_identifiers WHERE pool_id = ?", p["pool_id"]) == [(0,)]


def test_duplicate_provider_is_refused(server, pool):
    create_oidc(server, pool["pool_id"])
    body = {"UserPoolId": pool["pool_id"], "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": OIDC}
    rejected(server, "CreateIdentityProvider", body, "DuplicateProviderException", message="Corp already exists")


def test_idp_identifiers_are_unique_in_a_pool(server, pool):
    pid = pool["pool_id"]
    create_oidc(server, pid, IdpIdentifiers=["shared.example"])
    body = {"UserPoolId": pid, "ProviderName": "Other", "ProviderType": "OIDC", "ProviderDetails": OIDC,
            "IdpIdentifiers": ["shared.example"]}
    rejected(server, "CreateIdentityProvider", body, "InvalidParameterException", message="already used")
    rejected(server, "CreateIdentityProvider", {**body, "IdpIdentifiers": ["twice", "twice"]}, "InvalidParameterException")
    create_oidc(server, pid, "Other")
    rejected(server, "UpdateIdentityProvider", {"UserPoolId": pid, "ProviderName": "Other", "IdpIdentifiers": ["shared.example"]},
             "InvalidParameterException", message="already used")
    # another pool may use the same identifier
    create_oidc(server, create_pool(server)["pool_id"], IdpIdentifiers=["shared.example"])


@pytest.mark.parametrize(
    ("provider_type", "name", "details", "message"),
    [
        ("OIDC", "Corp", {k: v for k, v in OIDC.items() if k != "client_id"}, "client_id"),
        ("OIDC", "Corp", {**OIDC, "attributes_request_method": "PUT"}, "attributes_request_method"),
        ("OIDC", "Corp", {k: v for k, v in OIDC.items() if k != "oidc_issuer"}, "oidc_issuer"),
        ("OIDC", "Corp", {**OIDC, "oidc_issuer": "http://idp.example.com"}, "https"),
        ("OIDC", "Corp", {**OIDC, "oidc_issuer": "not a url"}, "https"),
        ("SAML", "Okta", {}, "MetadataURL"),
        ("SAML", "Okta", {**SAML, "MetadataFile": "<xml/>"}, "Exactly one"),
        ("Google", "Gmail", GOOGLE, "must be Google"),
        ("Google", "Google", {"client_id": "x"}, "client_secret"),
        ("OIDC", "cognito", OIDC, "reserved"),
    ],
)
def test_bad_provider_details_are_refused(server, pool, provider_type, name, details, message):
    body = {"UserPoolId": pool["pool_id"], "ProviderName": name, "ProviderType": provider_type, "ProviderDetails": details}
    rejected(server, "CreateIdentityProvider", body, "InvalidParameterException", message=message)


def test_oidc_issuer_on_loopback_may_be_http(server, pool):
    details = {**OIDC, "oidc_issuer": "http://127.0.0.1:9999"}
    server.admin.create_identity_provider(UserPoolId=pool["pool_id"], ProviderName="Local", ProviderType="OIDC",
                                          ProviderDetails=details)


def test_bad_attribute_mapping_is_refused(server, pool):
    body = {"UserPoolId": pool["pool_id"], "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": OIDC}
    rejected(server, "CreateIdentityProvider", {**body, "AttributeMapping": {"custom:nope": "x"}}, "InvalidParameterException",
             message=r"AttributeMapping contains invalid mapping: \[custom:nope\]")
    rejected(server, "CreateIdentityProvider", {**body, "AttributeMapping": {"sub": "id"}}, "InvalidParameterException")


def test_bad_update_changes_nothing(server, pool):
    pid = pool["pool_id"]
    create_oidc(server, pid)
    rejected(server, "UpdateIdentityProvider", {"UserPoolId": pid, "ProviderName": "Corp",
                                                "ProviderDetails": {"attributes_request_method": "PATCH"}},
             "InvalidParameterException")
    got = server.admin.describe_identity_provider(UserPoolId=pid, ProviderName="Corp")["IdentityProvider"]
    assert got["ProviderDetails"] == OIDC


def test_unknown_provider_pool_or_identifier(server, pool):
    pid = pool["pool_id"]
    for op in ("DescribeIdentityProvider", "UpdateIdentityProvider", "DeleteIdentityProvider"):
        rejected(server, op, {"UserPoolId": pid, "ProviderName": "Nope"}, "ResourceNotFoundException", message="Nope")
    rejected(server, "GetIdentityProviderByIdentifier", {"UserPoolId": pid, "IdpIdentifier": "nope"}, "ResourceNotFoundException")
    for op in ("CreateIdentityProvider", "ListIdentityProviders", "DescribeIdentityProvider"):
        body = {"UserPoolId": UNKNOWN_POOL, "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": OIDC}
        rejected(server, op, body, "ResourceNotFoundException", message=UNKNOWN_POOL)
    rejected(server, "ListIdentityProviders", {"UserPoolId": pid, "NextToken": "bad"}, "InvalidParameterException")


# ------------------------------------------------------------------ linked identities


def link(server: Any, pool_id: str, username: str, provider: str, subject: str) -> None:
    server.admin.admin_link_provider_for_user(
        UserPoolId=pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
        SourceUser={"ProviderName": provider, "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": subject},
    )


def identities(server: Any, pool_id: str, username: str) -> list[dict[str, Any]]:
    attrs = server.admin.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
    raw = next((a["Value"] for a in attrs if a["Name"] == "identities"), "[]")
    value: list[dict[str, Any]] = json.loads(raw)
    return value


def test_link_and_disable_a_provider_identity(server, pool, user):
    pid = pool["pool_id"]
    create_oidc(server, pid)
    link(server, pid, user, "Corp", "subject-1")
    [entry] = identities(server, pid, user)
    assert entry["providerName"] == "Corp" and entry["userId"] == "subject-1" and entry["providerType"] == "OIDC"
    assert entry["primary"] is False and entry["issuer"] is None and isinstance(entry["dateCreated"], int)
    server.admin.admin_disable_provider_for_user(
        UserPoolId=pid, User={"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "subject-1"}
    )
    assert identities(server, pid, user) == []
    assert server.query("SELECT COUNT(*) FROM provider_links WHERE pool_id = ?", pid) == [(0,)]


def test_disable_cognito_user_drops_all_its_links(server, pool, user):
    pid = pool["pool_id"]
    create_oidc(server, pid)
    create_oidc(server, pid, "Other")
    link(server, pid, user, "Corp", "s1")
    link(server, pid, user, "Other", "s2")
    assert len(identities(server, pid, user)) == 2
    server.admin.admin_disable_provider_for_user(
        UserPoolId=pid, User={"ProviderName": "Cognito", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": user}
    )
    assert identities(server, pid, user) == []


def test_a_federated_user_is_disabled(server, pool):
    pid = pool["pool_id"]
    create_oidc(server, pid)
    server.admin.admin_create_user(UserPoolId=pid, Username="Corp_fed-sub", MessageAction="SUPPRESS")
    server.admin.admin_disable_provider_for_user(
        UserPoolId=pid, User={"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "fed-sub"}
    )
    assert server.admin.admin_get_user(UserPoolId=pid, Username="Corp_fed-sub")["Enabled"] is False
    # and its identity cannot be linked to another user: it has signed in before
    other = unique()
    server.admin.admin_create_user(UserPoolId=pid, Username=other, MessageAction="SUPPRESS")
    rejected(server, "AdminLinkProviderForUser", {
        "UserPoolId": pid,
        "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": other},
        "SourceUser": {"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "fed-sub"},
    }, "InvalidParameterException", message="Merging is not currently supported")


def test_link_errors(server, pool, user):
    pid = pool["pool_id"]
    create_oidc(server, pid)

    def body(dest: str = user, provider: str = "Corp", attribute: str = "Cognito_Subject", subject: str = "s") -> dict[str, Any]:
        return {
            "UserPoolId": pid,
            "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": dest},
            "SourceUser": {"ProviderName": provider, "ProviderAttributeName": attribute, "ProviderAttributeValue": subject},
        }

    rejected(server, "AdminLinkProviderForUser", body(dest="nobody-here"), "UserNotFoundException")
    rejected(server, "AdminLinkProviderForUser", body(provider="Nope"), "InvalidParameterException", message="does not exist")
    rejected(server, "AdminLinkProviderForUser", body(provider="Cognito"), "InvalidParameterException")
    rejected(server, "AdminLinkProviderForUser", body(attribute="email"), "InvalidParameterException", message="Cognito_Subject")
    rejected(server, "AdminLinkProviderForUser", body(subject=""), "InvalidParameterException")
    rejected(server, "AdminLinkProviderForUser", {**body(), "UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")
    for i in range(5):
        link(server, pid, user, "Corp", f"s{i}")
    rejected(server, "AdminLinkProviderForUser", body(subject="s0"), "AliasExistsException")
    rejected(server, "AdminLinkProviderForUser", body(subject="sixth"), "LimitExceededException")
    assert len(identities(server, pid, user)) == 5


def test_disable_errors(server, pool, user):
    pid = pool["pool_id"]
    create_oidc(server, pid)

    def body(provider: str, value: str, attribute: str = "Cognito_Subject") -> dict[str, Any]:
        return {"UserPoolId": pid, "User": {"ProviderName": provider, "ProviderAttributeName": attribute,
                                            "ProviderAttributeValue": value}}

    rejected(server, "AdminDisableProviderForUser", body("Corp", "never-seen"), "UserNotFoundException")
    rejected(server, "AdminDisableProviderForUser", body("Cognito", "nobody-at-all"), "UserNotFoundException")
    rejected(server, "AdminDisableProviderForUser", body("Cognito", user, "email"), "InvalidParameterException")
    rejected(server, "AdminDisableProviderForUser", body("Corp", ""), "InvalidParameterException")
    rejected(server, "AdminDisableProviderForUser", {**body("Corp", "x"), "UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")
