"""Managed login's management operations (issue 10): user pool domains, resource servers and
the hosted UI's customization, through boto3 signed with SigV4. Every refusal is a
Cognito-shaped 400 that leaves the database as it was (``rejected`` compares every table)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import create_pool
from tests.server.helpers import UNKNOWN_POOL, rejected

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def prefix(stem: str = "login") -> str:
    return f"{stem}-{uuid.uuid4().hex[:10]}"


# ------------------------------------------------------------------ domains


def test_prefix_domain_round_trip(server, pool):
    name = prefix()
    out = server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=name)
    assert out["ManagedLoginVersion"] == 1 and "CloudFrontDomain" not in out
    d = server.admin.describe_user_pool_domain(Domain=name)["DomainDescription"]
    assert d["UserPoolId"] == pool["pool_id"] and d["Domain"] == name and d["Status"] == "ACTIVE"
    assert d["AWSAccountId"].isdigit() and d["Version"] and d["CloudFrontDistribution"] == "127.0.0.1"
    assert "CustomDomainConfig" not in d
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    assert described["Domain"] == name and "CustomDomain" not in described
    server.admin.delete_user_pool_domain(UserPoolId=pool["pool_id"], Domain=name)
    assert server.admin.describe_user_pool_domain(Domain=name)["DomainDescription"] == {}
    assert "Domain" not in server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]


def test_custom_domain_alongside_a_prefix_domain(server, pool):
    name, custom = prefix(), f"auth.{uuid.uuid4().hex[:8]}.example.com"
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=name)
    out = server.admin.create_user_pool_domain(
        UserPoolId=pool["pool_id"], Domain=custom, CustomDomainConfig={"CertificateArn": CERT}, ManagedLoginVersion=2
    )
    assert out == {"ManagedLoginVersion": 2, "CloudFrontDomain": "127.0.0.1", "ResponseMetadata": out["ResponseMetadata"]}
    d = server.admin.describe_user_pool_domain(Domain=custom)["DomainDescription"]
    assert d["CustomDomainConfig"] == {"CertificateArn": CERT} and d["ManagedLoginVersion"] == 2
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    assert (described["Domain"], described["CustomDomain"]) == (name, custom)


def test_update_domain_certificate_and_version(server, pool):
    custom = f"id.{uuid.uuid4().hex[:8]}.example.org"
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=custom, CustomDomainConfig={"CertificateArn": CERT})
    other = CERT.replace("0a1b2c3d", "ffffffff")
    out = server.admin.update_user_pool_domain(
        UserPoolId=pool["pool_id"], Domain=custom, CustomDomainConfig={"CertificateArn": other}, ManagedLoginVersion=2
    )
    assert out["ManagedLoginVersion"] == 2 and out["CloudFrontDomain"]
    d = server.admin.describe_user_pool_domain(Domain=custom)["DomainDescription"]
    assert d["CustomDomainConfig"]["CertificateArn"] == other and d["ManagedLoginVersion"] == 2


def test_unknown_domain_describes_as_empty(server):
    assert server.admin.describe_user_pool_domain(Domain=prefix("nobody"))["DomainDescription"] == {}


def test_a_domain_is_unique_across_pools(server, pool):
    name = prefix()
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=name)
    other = create_pool(server)
    rejected(server, "CreateUserPoolDomain", {"UserPoolId": other["pool_id"], "Domain": name}, "InvalidParameterException",
             message="Domain already associated with another user pool")
    assert server.admin.describe_user_pool_domain(Domain=name)["DomainDescription"]["UserPoolId"] == pool["pool_id"]


def test_one_prefix_domain_per_pool(server, pool):
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=prefix())
    second = prefix()
    rejected(server, "CreateUserPoolDomain", {"UserPoolId": pool["pool_id"], "Domain": second}, "InvalidParameterException",
             message="already has a domain")
    assert server.admin.describe_user_pool_domain(Domain=second)["DomainDescription"] == {}


@pytest.mark.parametrize("word", ["aws", "amazon", "cognito"])
def test_prefix_with_a_reserved_word_is_refused(server, pool, word):
    rejected(server, "CreateUserPoolDomain", {"UserPoolId": pool["pool_id"], "Domain": f"my-{word}-login"},
             "InvalidParameterException", message="reserved word")


@pytest.mark.parametrize("bad", ["auth.example.com", "Upper", "-dash", "a_b", "x" * 64])
def test_invalid_prefix_is_refused(server, pool, bad):
    rejected(server, "CreateUserPoolDomain", {"UserPoolId": pool["pool_id"], "Domain": bad}, "InvalidParameterException")


@pytest.mark.parametrize("bad", ["example.com", "auth..example.com", "auth.-x.example.com", "Auth.Example.com"])
def test_invalid_custom_domain_is_refused(server, pool, bad):
    body = {"UserPoolId": pool["pool_id"], "Domain": bad, "CustomDomainConfig": {"CertificateArn": CERT}}
    rejected(server, "CreateUserPoolDomain", body, "InvalidParameterException")


def test_custom_domain_needs_a_certificate(server, pool):
    body = {"UserPoolId": pool["pool_id"], "Domain": "auth.example.net", "CustomDomainConfig": {}}
    rejected(server, "CreateUserPoolDomain", body, "InvalidParameterException", message="certificateArn")


def test_bad_managed_login_version_is_refused(server, pool):
    body = {"UserPoolId": pool["pool_id"], "Domain": prefix(), "ManagedLoginVersion": 3}
    rejected(server, "CreateUserPoolDomain", body, "InvalidParameterException", message="ManagedLoginVersion")


def test_domain_operations_on_an_unknown_pool(server):
    for op in ("CreateUserPoolDomain", "UpdateUserPoolDomain", "DeleteUserPoolDomain"):
        body: dict[str, Any] = {"UserPoolId": UNKNOWN_POOL, "Domain": prefix()}
        if op == "UpdateUserPoolDomain":
            body["ManagedLoginVersion"] = 2
        rejected(server, op, body, "ResourceNotFoundException", message=UNKNOWN_POOL)


def test_delete_or_update_of_another_pools_domain_is_refused(server, pool):
    name = prefix()
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=name)
    other = create_pool(server)
    rejected(server, "DeleteUserPoolDomain", {"UserPoolId": other["pool_id"], "Domain": name}, "InvalidParameterException",
             message="No such domain or user pool exists")
    rejected(server, "UpdateUserPoolDomain", {"UserPoolId": other["pool_id"], "Domain": name, "ManagedLoginVersion": 2},
             "InvalidParameterException", message="No such domain or user pool exists")
    assert server.admin.describe_user_pool_domain(Domain=name)["DomainDescription"]["ManagedLoginVersion"] == 1


def test_update_of_a_prefix_domain_certificate_is_refused(server, pool):
    name = prefix()
    server.admin.create_user_pool_domain(UserPoolId=pool["pool_id"], Domain=name)
    body = {"UserPoolId": pool["pool_id"], "Domain": name, "CustomDomainConfig": {"CertificateArn": CERT}}
    rejected(server, "UpdateUserPoolDomain", body, "InvalidParameterException", message="custom domain")
    rejected(server, "UpdateUserPoolDomain", {"UserPoolId": pool["pool_id"], "Domain": name}, "InvalidParameterException")


def test_deleting_the_pool_frees_its_domain(server):
    doomed = create_pool(server)
    name = prefix()
    server.admin.create_user_pool_domain(UserPoolId=doomed["pool_id"], Domain=name)
    server.admin.delete_user_pool(UserPoolId=doomed["pool_id"])
    assert server.admin.describe_user_pool_domain(Domain=name)["DomainDescription"] == {}
    again = create_pool(server)
    server.admin.create_user_pool_domain(UserPoolId=again["pool_id"], Domain=name)


def test_domain_operations_need_a_signature(server, pool):
    rejected(server, "DescribeUserPoolDomain", {"Domain": prefix()}, "MissingAuthenticationTokenException",
             status=403, signed=False)


# ------------------------------------------------------------------ resource servers


def scopes(*names: str) -> list[dict[str, str]]:
    return [{"ScopeName": n, "ScopeDescription": f"{n} things"} for n in names]


def test_resource_server_round_trip(server, pool):
    made = server.admin.create_resource_server(
        UserPoolId=pool["pool_id"], Identifier="https://api.example.com", Name="api", Scopes=scopes("read", "write")
    )["ResourceServer"]
    assert made == {"UserPoolId": pool["pool_id"], "Identifier": "https://api.example.com", "Name": "api",
                    "Scopes": scopes("read", "write")}
    got = server.admin.describe_resource_server(UserPoolId=pool["pool_id"], Identifier="https://api.example.com")
    assert got["ResourceServer"] == made
    updated = server.admin.update_resource_server(
        UserPoolId=pool["pool_id"], Identifier="https://api.example.com", Name="api v2", Scopes=scopes("admin")
    )["ResourceServer"]
    assert updated["Name"] == "api v2" and updated["Scopes"] == scopes("admin")
    emptied = server.admin.update_resource_server(UserPoolId=pool["pool_id"], Identifier="https://api.example.com", Name="x")
    assert emptied["ResourceServer"]["Scopes"] == []
    server.admin.delete_resource_server(UserPoolId=pool["pool_id"], Identifier="https://api.example.com")
    rejected(server, "DescribeResourceServer", {"UserPoolId": pool["pool_id"], "Identifier": "https://api.example.com"},
             "ResourceNotFoundException")


def test_list_resource_servers_pages(server, pool):
    for i in range(5):
        server.admin.create_resource_server(UserPoolId=pool["pool_id"], Identifier=f"api-{i}", Name=f"n{i}", Scopes=scopes("r"))
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"UserPoolId": pool["pool_id"], "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = server.admin.list_resource_servers(**kwargs)
        assert len(page["ResourceServers"]) <= 2
        seen += [rs["Identifier"] for rs in page["ResourceServers"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"api-{i}" for i in range(5)]
    assert server.admin.list_resource_servers(UserPoolId=pool["pool_id"], MaxResults=50)["ResourceServers"][0]["Scopes"] == scopes("r")


def test_resource_server_errors(server, pool):
    pid = pool["pool_id"]
    server.admin.create_resource_server(UserPoolId=pid, Identifier="orders", Name="orders", Scopes=scopes("read"))
    rejected(server, "CreateResourceServer", {"UserPoolId": pid, "Identifier": "orders", "Name": "again"},
             "InvalidParameterException", message="already exists")
    rejected(server, "CreateResourceServer", {"UserPoolId": pid, "Identifier": "dup", "Name": "d", "Scopes": scopes("a", "a")},
             "InvalidParameterException", message="Duplicate scope")
    rejected(server, "UpdateResourceServer", {"UserPoolId": pid, "Identifier": "orders", "Name": "o", "Scopes": scopes("b", "b")},
             "InvalidParameterException", message="Duplicate scope")
    rejected(server, "CreateResourceServer", {"UserPoolId": pid, "Identifier": "many", "Name": "m",
                                              "Scopes": scopes(*(f"s{i}" for i in range(101)))},
             "InvalidParameterException", message="100")
    rejected(server, "CreateResourceServer", {"UserPoolId": pid, "Identifier": "bad", "Name": "b",
                                              "Scopes": [{"ScopeName": "has/slash", "ScopeDescription": "d"}]},
             "InvalidParameterException", message="scopeName")
    for op in ("UpdateResourceServer", "DeleteResourceServer", "DescribeResourceServer"):
        body = {"UserPoolId": pid, "Identifier": "nope", "Name": "n"}
        rejected(server, op, body, "ResourceNotFoundException", message="nope")
    for op in ("CreateResourceServer", "ListResourceServers"):
        rejected(server, op, {"UserPoolId": UNKNOWN_POOL, "Identifier": "x", "Name": "n"}, "ResourceNotFoundException",
                 message=UNKNOWN_POOL)
    rejected(server, "ListResourceServers", {"UserPoolId": pid, "NextToken": "garbage"}, "InvalidParameterException")
    got = server.admin.describe_resource_server(UserPoolId=pid, Identifier="orders")["ResourceServer"]
    assert got["Name"] == "orders" and got["Scopes"] == scopes("read")


def test_resource_servers_per_pool_are_limited(server, pool):
    for i in range(25):
        server.admin.create_resource_server(UserPoolId=pool["pool_id"], Identifier=f"rs{i:02d}", Name="n")
    rejected(server, "CreateResourceServer", {"UserPoolId": pool["pool_id"], "Identifier": "one-more", "Name": "n"},
             "LimitExceededException")


# ------------------------------------------------------------------ UI customization


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_ui_customization_for_the_pool_and_a_client(server, pool):
    pid, cid = pool["pool_id"], pool["client_id"]
    empty = server.admin.get_ui_customization(UserPoolId=pid)["UICustomization"]
    assert empty == {"UserPoolId": pid, "ClientId": "ALL"}
    css = ".submitButton-customizable { background-color: #123456; }\n.label-customizable{color:red}"
    made = server.admin.set_ui_customization(UserPoolId=pid, CSS=css, ImageFile=PNG)["UICustomization"]
    assert made["ClientId"] == "ALL" and made["CSS"] == css and made["CSSVersion"] and made["ImageUrl"]
    logo = httpx.get(made["ImageUrl"])
    assert logo.status_code == 200 and logo.content == PNG and logo.headers["content-type"] == "image/png"
    # a client without its own customization gets the pool's
    inherited = server.admin.get_ui_customization(UserPoolId=pid, ClientId=cid)["UICustomization"]
    assert inherited["ClientId"] == "ALL" and inherited["CSS"] == css
    own = server.admin.set_ui_customization(UserPoolId=pid, ClientId=cid, CSS=".banner-customizable{padding:0}", ImageFile=JPEG)
    assert own["UICustomization"]["ClientId"] == cid
    mine = server.admin.get_ui_customization(UserPoolId=pid, ClientId=cid)["UICustomization"]
    assert mine["CSS"] == ".banner-customizable{padding:0}"
    assert httpx.get(mine["ImageUrl"]).headers["content-type"] == "image/jpeg"
    # deleting the client removes its own customization
    server.admin.delete_user_pool_client(UserPoolId=pid, ClientId=cid)
    assert httpx.get(mine["ImageUrl"]).status_code == 404


def test_set_with_nothing_clears_the_customization(server, pool):
    pid = pool["pool_id"]
    server.admin.set_ui_customization(UserPoolId=pid, CSS=".logo-customizable{max-width:60%}")
    cleared = server.admin.set_ui_customization(UserPoolId=pid)["UICustomization"]
    assert "CSS" not in cleared and "ImageUrl" not in cleared
    assert "CSS" not in server.admin.get_ui_customization(UserPoolId=pid)["UICustomization"]


@pytest.mark.parametrize(
    "css",
    [
        "body { color: red }",
        ".submitButton-customizable { color: red } div { x: y }",
        ".label-customizable { background: url(https://evil.example/x.png) }",
        "@import url(https://evil.example/x.css);",
        ".label-customizable { color: red } </style><script>alert(1)</script>",
        ".label-customizable { color: red",
        ".label-customizable { content: '\\3c' }",
    ],
)
def test_css_outside_the_customizable_classes_is_refused(server, pool, css):
    rejected(server, "SetUICustomization", {"UserPoolId": pool["pool_id"], "CSS": css}, "InvalidParameterException")


def test_bad_images_are_refused(server, pool):
    pid = pool["pool_id"]
    rejected(server, "SetUICustomization", {"UserPoolId": pid, "ImageFile": b64(b"GIF89a" + b"\x00" * 10)},
             "InvalidParameterException", message="PNG or JPEG")
    rejected(server, "SetUICustomization", {"UserPoolId": pid, "ImageFile": "not base64!"}, "InvalidParameterException")
    rejected(server, "SetUICustomization", {"UserPoolId": pid, "ImageFile": b64(PNG + b"\x00" * 100 * 1024)},
             "InvalidParameterException")


def test_ui_customization_unknown_pool_or_client(server, pool):
    rejected(server, "SetUICustomization", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")
    rejected(server, "GetUICustomization", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")
    other = create_pool(server)
    for op in ("SetUICustomization", "GetUICustomization"):
        rejected(server, op, {"UserPoolId": pool["pool_id"], "ClientId": other["client_id"]}, "ResourceNotFoundException")


def test_logo_of_nothing_is_not_found(server):
    assert httpx.get(f"{server.url}/ui-logo/{UNKNOWN_POOL}/ALL").status_code == 404


MANAGED_LOGIN_TABLES = ("user_pool_domains", "resource_servers", "ui_customizations", "identity_providers", "idp_identifiers",
                        "provider_links", "oauth_codes", "hosted_sessions")
OIDC = {"client_id": "rp", "client_secret": "s", "authorize_scopes": "openid", "attributes_request_method": "GET",
        "oidc_issuer": "https://idp.example.com"}


def hosted_rows(server: Any, pool: dict[str, Any], username: str, tag: str) -> str:
    """An authorization code and a hosted-UI session for ``username`` (as the hosted endpoints store them)."""
    sub = server.query("SELECT sub FROM users WHERE pool_id = ? AND username = ?", pool["pool_id"], username)[0][0]
    server.execute(
        "INSERT INTO oauth_codes (code_hash, pool_id, client_id, user_sub, redirect_uri, scope, auth_time, created_at, expires_at, extra)"
        " VALUES (?, ?, ?, ?, 'https://app.example.com/cb', 'openid', 1, 1, 2, '{}')",
        f"code-{tag}", pool["pool_id"], pool["client_id"], sub,
    )
    server.execute(
        "INSERT INTO hosted_sessions (session_hash, pool_id, user_sub, auth_time, created_at, expires_at, extra)"
        " VALUES (?, ?, ?, 1, 1, 2, '{}')",
        f"session-{tag}", pool["pool_id"], sub,
    )
    return str(sub)


def counts(server: Any, pool_id: str) -> dict[str, int]:
    return {t: server.query(f"SELECT COUNT(*) FROM {t} WHERE pool_id = ?", pool_id)[0][0] for t in MANAGED_LOGIN_TABLES}


def test_pool_deletion_removes_managed_login_rows(server, make_user):
    doomed = create_pool(server)
    pid = doomed["pool_id"]
    username = make_user(doomed)
    server.admin.create_user_pool_domain(UserPoolId=pid, Domain=prefix("gone"))
    server.admin.create_resource_server(UserPoolId=pid, Identifier="api", Name="api", Scopes=scopes("read"))
    server.admin.set_ui_customization(UserPoolId=pid, CSS=".label-customizable{color:red}")
    server.admin.create_identity_provider(UserPoolId=pid, ProviderName="Corp", ProviderType="OIDC", ProviderDetails=OIDC,
                                          IdpIdentifiers=["corp.example"])
    server.admin.admin_link_provider_for_user(
        UserPoolId=pid, DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
        SourceUser={"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "s1"},
    )
    hosted_rows(server, doomed, username, uuid.uuid4().hex)
    assert all(counts(server, pid).values()), counts(server, pid)
    server.admin.delete_user_pool(UserPoolId=pid)
    assert not any(counts(server, pid).values()), counts(server, pid)


def test_codes_and_sessions_go_with_their_user_and_client(server, pool, make_user):
    pid = pool["pool_id"]
    username = make_user(pool)
    hosted_rows(server, pool, username, uuid.uuid4().hex)
    server.admin.admin_delete_user(UserPoolId=pid, Username=username)
    assert (counts(server, pid)["oauth_codes"], counts(server, pid)["hosted_sessions"]) == (0, 0)
    other = make_user(pool)
    hosted_rows(server, pool, other, uuid.uuid4().hex)
    server.admin.delete_user_pool_client(UserPoolId=pid, ClientId=pool["client_id"])
    assert (counts(server, pid)["oauth_codes"], counts(server, pid)["hosted_sessions"]) == (0, 1)
