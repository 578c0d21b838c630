"""The wire protocol: malformed requests, validation against botocore's model, SigV4 on admin
operations, CORS, and the JWKS / OpenID configuration documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.conftest import REGION, create_pool
from tests.server.helpers import (
    CONTENT_TYPE,
    PASSWORD,
    TARGET_PREFIX,
    UNKNOWN_POOL,
    assert_error,
    claims,
    ok,
    rejected,
    rpc,
    signed_headers,
    state,
    tokens_for,
    unique,
)

# ------------------------------------------------------------------ malformed bodies and headers


def test_invalid_json_is_a_serialization_error(server, pool):
    rejected(server, "SignUp", b'{"ClientId": "abc", ', "SerializationException")


def test_non_utf8_body_is_a_serialization_error(server, pool):
    rejected(server, "SignUp", b'{"ClientId": "\xff\xfe"}', "SerializationException")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_body_that_is_not_an_object_is_a_serialization_error(server, body):
    rejected(server, "SignUp", body, "SerializationException")


def test_empty_body_counts_as_no_members(server):
    body = rejected(server, "SignUp", b"", "InvalidParameterException")
    assert "Member must not be null" in body["message"]


def test_wrong_content_type_is_refused(server, pool):
    body = {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD}
    rejected(server, "SignUp", body, "SerializationException", headers={"Content-Type": "text/plain"})


def test_json_content_types_the_sdks_send_are_accepted(server, pool):
    for content_type in ("application/x-amz-json-1.1", "application/x-amz-json-1.1; charset=UTF-8", "application/json"):
        body = {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD}
        ok(server, "SignUp", body, headers={"Content-Type": content_type})


def test_unknown_target_is_unknown_operation(server):
    rejected(server, "NoSuchOperation", {}, "UnknownOperationException", signed=False)


@pytest.mark.parametrize("target", [None, "", "SomeOtherService.SignUp", "AWSCognitoIdentityProviderService"])
def test_missing_or_foreign_target_is_unknown_operation(server, target):
    before = state(server)
    headers = {"Content-Type": CONTENT_TYPE}
    if target is not None:
        headers["X-Amz-Target"] = target
    r = httpx.post(server.url + "/", content=b"{}", headers=headers)
    assert_error(r, "UnknownOperationException")
    assert state(server) == before


def test_operation_outside_this_server_is_unsupported(server):
    rejected(server, "GetLogDeliveryConfiguration", {}, "UnsupportedOperationException", message="not supported")


def test_body_over_the_size_limit_is_refused(server, pool):
    huge = json.dumps({"ClientId": pool["client_id"], "Username": "x", "Password": PASSWORD, "Pad": "x" * (1024 * 1024 + 1)})
    rejected(server, "SignUp", huge, "SerializationException", message="too large")


def test_body_over_the_size_limit_without_content_length_is_refused(server, pool):
    def chunks():
        yield b'{"ClientId": "' + pool["client_id"].encode() + b'", "Pad": "'
        for _ in range(80):
            yield b"x" * 16384
        yield b'"}'

    before = state(server)
    r = httpx.post(
        server.url + "/", content=chunks(), headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + "SignUp"}
    )
    assert_error(r, "SerializationException", message="too large")
    assert state(server) == before


def test_deep_nesting_is_refused(server, pool):
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    body = {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD, "ClientMetadata": nested}
    rejected(server, "SignUp", body, "SerializationException", message="nested")


def test_pathological_nesting_is_refused_without_a_fault(server):
    rejected(server, "SignUp", b"[" * 100_000 + b"]" * 100_000, "SerializationException")
    rejected(server, "SignUp", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "SerializationException")


# ------------------------------------------------------------------ validation against the model


@pytest.mark.parametrize(
    "member,value",
    [("ClientId", 5), ("Username", ["a"]), ("Password", {"a": 1}), ("UserAttributes", "email"), ("ClientMetadata", ["x"]),
     ("UserAttributes", [{"Name": 5, "Value": "x"}]), ("ValidationData", [5])],
)
def test_wrong_member_type_is_a_serialization_error(server, pool, member, value):
    body = {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD, member: value}
    rejected(server, "SignUp", body, "SerializationException")


def test_wrong_scalar_types_are_serialization_errors(server, pool, user):
    base = {"UserPoolId": pool["pool_id"], "Username": user, "Password": PASSWORD}
    rejected(server, "AdminSetUserPassword", {**base, "Permanent": "true"}, "SerializationException", message="boolean")
    rejected(server, "ListUsers", {"UserPoolId": pool["pool_id"], "Limit": "10"}, "SerializationException")
    rejected(server, "ListUsers", {"UserPoolId": pool["pool_id"], "Limit": True}, "SerializationException")
    rejected(server, "ListUserPools", {"MaxResults": 1.5}, "SerializationException")


def test_enum_violation_is_invalid_parameter(server, pool):
    body = {"ClientId": pool["client_id"], "AuthFlow": "MAGIC_AUTH", "AuthParameters": {}}
    out = rejected(server, "InitiateAuth", body, "InvalidParameterException", message="enum value set")
    assert "'MAGIC_AUTH' at 'authFlow'" in out["message"]


def test_length_violation_is_invalid_parameter(server, pool):
    body = {"ClientId": pool["client_id"], "Username": "u" * 129, "Password": PASSWORD}
    out = rejected(server, "SignUp", body, "InvalidParameterException", message="length less than or equal to 128")
    assert "at 'username'" in out["message"]


def test_pattern_violation_is_invalid_parameter(server):
    out = rejected(server, "DescribeUserPool", {"UserPoolId": "no underscore"}, "InvalidParameterException")
    assert "regular expression pattern" in out["message"] and "at 'userPoolId'" in out["message"]


def test_number_range_violation_is_invalid_parameter(server):
    rejected(server, "ListUserPools", {"MaxResults": 0}, "InvalidParameterException", message="greater than or equal to 1")
    rejected(server, "ListUserPools", {"MaxResults": 61}, "InvalidParameterException", message="less than or equal to 60")


def test_every_violation_is_reported_at_once(server):
    body = {"PoolName": "", "Policies": {"PasswordPolicy": {"MinimumLength": 2}}}
    rejected(server, "CreateUserPool", body, "InvalidParameterException", message="^2 validation errors detected")


def test_sensitive_values_are_not_echoed_in_validation_errors(server, pool):
    secret = "S3cret!" + "z" * 300
    out = rejected(server, "SignUp", {"ClientId": pool["client_id"], "Username": "bob", "Password": secret}, "InvalidParameterException")
    assert secret not in out["message"] and "***" in out["message"]


def test_explicit_nulls_for_optional_members_are_accepted(server, pool):
    """Legacy clients send optional members as JSON null (SignUp.ValidationData, ClientMetadata ...)."""
    username = unique()
    body = {
        "ClientId": pool["client_id"], "Username": username, "Password": PASSWORD, "SecretHash": None,
        "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"}], "ValidationData": None,
        "ClientMetadata": None, "AnalyticsMetadata": None, "UserContextData": None,
    }
    assert ok(server, "SignUp", body)["UserConfirmed"] is False
    ok(server, "AdminConfirmSignUp", {"UserPoolId": pool["pool_id"], "Username": username, "ClientMetadata": None})
    auth = {
        "ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
        "ClientMetadata": {}, "AnalyticsMetadata": None, "UserContextData": None,
    }
    assert ok(server, "InitiateAuth", auth)["AuthenticationResult"]["AccessToken"]
    listed = ok(server, "ListUsers", {"UserPoolId": pool["pool_id"], "AttributesToGet": None, "Filter": None, "Limit": None})
    assert [u["Username"] for u in listed["Users"]] == [username]


def test_null_entries_inside_maps_and_lists_are_ignored(server, pool, user):
    body = {
        "ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD, "SECRET_HASH": None}, "ClientMetadata": {"k": None},
    }
    assert ok(server, "InitiateAuth", body)["AuthenticationResult"]["AccessToken"]


def test_unknown_members_are_ignored(server, pool):
    body = {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD, "FavouriteColour": "green"}
    assert ok(server, "SignUp", body)["UserSub"]


def test_validation_comes_before_any_change(server, pool):
    """A request with a good ClientId but a bad member is refused before the user is created."""
    body = {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD, "UserAttributes": [{"Value": "x"}]}
    rejected(server, "SignUp", body, "InvalidParameterException", message="userAttributes.1.member.name")


def test_responses_carry_a_request_id_and_the_json_content_type(server, pool):
    r = rpc(server, "DescribeUserPool", {"UserPoolId": pool["pool_id"]})
    assert r.status_code == 200 and r.headers["x-amzn-RequestId"]
    assert r.headers["content-type"].startswith(CONTENT_TYPE)
    r = rpc(server, "DescribeUserPool", {"UserPoolId": UNKNOWN_POOL})
    assert r.status_code == 400 and r.headers["x-amzn-RequestId"]


def test_timestamps_are_epoch_seconds(server, pool):
    described = ok(server, "DescribeUserPool", {"UserPoolId": pool["pool_id"]})["UserPool"]
    assert isinstance(described["CreationDate"], (int, float))
    assert abs(described["CreationDate"] - datetime.now(UTC).timestamp()) < 3600


# ------------------------------------------------------------------ SigV4 on admin operations


def _describe(pool_id: str) -> bytes:
    return json.dumps({"UserPoolId": pool_id}).encode()


def test_unsigned_admin_call_is_missing_authentication_token(server, pool):
    rejected(server, "DescribeUserPool", {"UserPoolId": pool["pool_id"]}, "MissingAuthenticationTokenException", status=403,
             signed=False)


def test_unknown_access_key_is_unrecognized_client(server, pool):
    content = _describe(pool["pool_id"])
    headers = signed_headers(server, "DescribeUserPool", content, key="AKIAUNKNOWNKEY000000")
    assert_error(httpx.post(server.url + "/", content=content, headers=headers), "UnrecognizedClientException", status=403)


def test_wrong_secret_is_invalid_signature(server, pool):
    content = _describe(pool["pool_id"])
    headers = signed_headers(server, "DescribeUserPool", content, secret="not-the-secret" * 3)
    assert_error(httpx.post(server.url + "/", content=content, headers=headers), "InvalidSignatureException", status=403,
                 message="signature")


def test_body_changed_after_signing_is_invalid_signature(server, pool):
    headers = signed_headers(server, "DescribeUserPool", _describe(pool["pool_id"]))
    r = httpx.post(server.url + "/", content=_describe(UNKNOWN_POOL), headers=headers)
    assert_error(r, "InvalidSignatureException", status=403)


def test_target_changed_after_signing_is_invalid_signature(server, pool, user):
    content = json.dumps({"UserPoolId": pool["pool_id"], "Username": user}).encode()
    headers = signed_headers(server, "AdminGetUser", content)
    before = state(server)
    r = httpx.post(server.url + "/", content=content, headers={**headers, "X-Amz-Target": TARGET_PREFIX + "AdminDeleteUser"})
    assert_error(r, "InvalidSignatureException", status=403)
    assert state(server) == before


@pytest.mark.parametrize("minutes", [-20, 20])
def test_signature_outside_the_time_window_is_refused(server, pool, minutes):
    content = _describe(pool["pool_id"])
    when = datetime.now(UTC) + timedelta(minutes=minutes)
    headers = signed_headers(server, "DescribeUserPool", content, when=when)
    assert_error(httpx.post(server.url + "/", content=content, headers=headers), "InvalidSignatureException", status=403,
                 message="Signature expired")


def test_signature_for_another_service_is_refused(server, pool):
    content = _describe(pool["pool_id"])
    headers = signed_headers(server, "DescribeUserPool", content, service="s3")
    assert_error(httpx.post(server.url + "/", content=content, headers=headers), "InvalidSignatureException", status=403)


def test_malformed_authorization_header_is_incomplete_signature(server, pool):
    r = rpc(server, "DescribeUserPool", {"UserPoolId": pool["pool_id"]}, signed=False,
            headers={"Authorization": "AWS4-HMAC-SHA256 Credential=oops"})
    assert_error(r, "IncompleteSignatureException", status=403)


def test_any_region_signs_and_a_new_pool_takes_the_signature_region(server):
    key, secret = server.credentials()
    admin = boto3.client(
        "cognito-idp", region_name="eu-west-2", endpoint_url=server.url, aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )
    created = admin.create_user_pool(PoolName="eu")["UserPool"]
    assert created["Id"].startswith("eu-west-2_")
    assert created["Arn"] == f"arn:aws:cognito-idp:eu-west-2:123456789012:userpool/{created['Id']}"
    assert admin.describe_user_pool(UserPoolId=created["Id"])["UserPool"]["Name"] == "eu"


def test_pools_belong_to_the_region_the_caller_signed_for(server, pool):
    """Cognito's endpoints are regional. ListUserPools lists the pools of the region it was signed
    for; a pool operation signed for another region than the pool id's answers ResourceNotFoundException
    "User pool <id> does not exist." (aws/aws-sdk-go#2436: `aws cognito-idp list-users --user-pool-id
    us-east-1_...` with another default region). Nothing changes on the refused call."""
    key, secret = server.credentials()
    west = boto3.client(
        "cognito-idp", region_name="us-west-2", endpoint_url=server.url, aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )
    created = west.create_user_pool(PoolName="west")["UserPool"]["Id"]
    assert created.startswith("us-west-2_")

    def listed(client) -> set[str]:
        ids, token = set(), None
        while True:
            page = client.list_user_pools(MaxResults=60, **({"NextToken": token} if token else {}))
            ids |= {p["Id"] for p in page["UserPools"]}
            if not (token := page.get("NextToken")):
                return ids

    west_ids, east_ids = listed(west), listed(server.admin)
    assert created in west_ids and pool["pool_id"] not in west_ids and all(i.startswith("us-west-2_") for i in west_ids)
    assert pool["pool_id"] in east_ids and created not in east_ids and all(i.startswith(f"{REGION}_") for i in east_ids)

    rejected(server, "DescribeUserPool", {"UserPoolId": created}, "ResourceNotFoundException",
             message=f"^User pool {created} does not exist\\.$")  # signed for us-east-1
    rejected(server, "DeleteUserPool", {"UserPoolId": pool["pool_id"]}, "ResourceNotFoundException",
             message=f"^User pool {pool['pool_id']} does not exist\\.$", region="us-west-2")
    assert west.describe_user_pool(UserPoolId=created)["UserPool"]["Name"] == "west"
    west.delete_user_pool(UserPoolId=created)


def test_public_operations_need_no_signature_but_accept_one(server, pool):
    username = unique()
    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username, "Password": PASSWORD}, signed=False)
    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD}, signed=True)


# ------------------------------------------------------------------ CORS


def test_cors_preflight_allows_a_browser_app_on_another_origin(server):
    r = httpx.options(
        server.url + "/",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://app.example.com")
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "x-amz-target" in allowed and "content-type" in allowed and "x-amz-user-agent" in allowed
    assert "POST" in r.headers["access-control-allow-methods"]


def test_cors_headers_on_answers_and_errors_expose_the_error_type(server, pool):
    origin = {"Origin": "https://app.example.com"}
    good = rpc(server, "SignUp", {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD}, headers=origin)
    bad = rpc(server, "SignUp", {"ClientId": pool["client_id"], "Username": "x", "Password": "short"}, headers=origin)
    for r in (good, bad):
        assert r.headers["access-control-allow-origin"] in ("*", "https://app.example.com")
        exposed = r.headers["access-control-expose-headers"].lower()
        assert "x-amzn-errortype" in exposed and "x-amzn-requestid" in exposed
    assert_error(bad, "InvalidPasswordException")
    assert all(r.headers["vary"] == "Origin" for r in (good, bad))


def test_calls_without_an_origin_get_no_cors_grant_but_the_vary_header(server, pool):
    # the wire edge answers them without the CORS middleware (app.WireEdge): the same headers it gave
    good = rpc(server, "SignUp", {"ClientId": pool["client_id"], "Username": unique(), "Password": PASSWORD})
    bad = rpc(server, "SignUp", {"ClientId": pool["client_id"], "Username": "x", "Password": "short"})
    for r in (good, bad):
        assert r.headers["vary"] == "Origin"
        assert "access-control-allow-origin" not in r.headers and "access-control-expose-headers" not in r.headers
        assert r.headers["content-type"] == CONTENT_TYPE and r.headers["x-amzn-requestid"]
    assert_error(bad, "InvalidPasswordException")


# ------------------------------------------------------------------ JWKS and OpenID configuration


def test_jwks_publishes_the_pool_key_that_signs_its_tokens(server, pool, user):
    jwks = httpx.get(pool["jwks_uri"]).json()
    assert len(jwks["keys"]) == 1
    key = jwks["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["e"] and key["n"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    token = tokens_for(server, pool, user)["AccessToken"]
    import jwt

    header = jwt.get_unverified_header(token)
    assert header["kid"] == key["kid"] and header["alg"] == "RS256"
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], issuer=pool["issuer"])
    assert claims["username"] == user


def test_pools_have_their_own_keys(server, pool):
    other = create_pool(server)
    mine = {k["kid"] for k in httpx.get(pool["jwks_uri"]).json()["keys"]}
    theirs = {k["kid"] for k in httpx.get(other["jwks_uri"]).json()["keys"]}
    assert mine and theirs and not mine & theirs


def test_openid_configuration_names_the_issuer_and_jwks(server, pool):
    r = httpx.get(f"{pool['issuer']}/.well-known/openid-configuration")
    assert r.status_code == 200
    doc = r.json()
    assert doc["issuer"] == pool["issuer"]
    assert doc["jwks_uri"] == pool["jwks_uri"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


@pytest.mark.parametrize("document", ["jwks.json", "openid-configuration"])
def test_well_known_documents_of_an_unknown_pool_are_404(server, document):
    r = httpx.get(f"{server.url}/{UNKNOWN_POOL}/.well-known/{document}")
    assert r.status_code == 404
    assert UNKNOWN_POOL in r.json()["message"]


def test_health_endpoint(server):
    r = httpx.get(server.url + "/")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_aws_issuer_style_and_public_url(tmp_path):
    """``--issuer-style aws``: Cognito's issuer URL in tokens; the documents still served here,
    at the ``--public-url`` the server is reached at."""
    from tests.conftest import RunningServer

    srv = RunningServer(tmp_path / "aws-style", "--issuer-style", "aws", "--public-url", "https://auth.example.test/")
    srv.start()
    try:
        pool = create_pool(srv)
        username = unique()
        srv.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
        srv.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
        issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool['pool_id']}"
        result = tokens_for(srv, pool, username)
        for token in (result["AccessToken"], result["IdToken"]):
            assert claims(token)["iss"] == issuer
        assert srv.public.get_user(AccessToken=result["AccessToken"])["Username"] == username
        doc = httpx.get(f"{srv.url}/{pool['pool_id']}/.well-known/openid-configuration").json()
        assert doc["issuer"] == issuer
        assert doc["jwks_uri"] == f"https://auth.example.test/{pool['pool_id']}/.well-known/jwks.json"
        assert httpx.get(f"{srv.url}/{pool['pool_id']}/.well-known/jwks.json").json()["keys"]
    finally:
        srv.stop()


def test_patterns_on_re_match_as_the_regex_module_does() -> None:
    # wire._pattern runs the model's plain-ASCII patterns on `re` (faster) and the rest on `regex`:
    # for every pattern `re` takes, both engines must agree on every probe.
    import re

    import botocore.session
    import regex

    from userpool.server import wire

    model = botocore.session.get_session().get_service_model("cognito-idp")
    patterns = {model.shape_for(n).metadata["pattern"] for n in model.shape_names if "pattern" in model.shape_for(n).metadata}
    probes = ["", "a", "A-b_c=d.e", "eyJhbGciOi.J9.x-_=", "abc def", "a\nb", "a\tb", "héllo", "名前", "x\x1cy", "a/b+c",
              "us-east-1_AbC123", "arn:aws:lambda:us-east-1:123456789012:function:f", "https://example.com/cb",
              "{####}", "Your code is {####}.", "0123abcd-0123-4567-89ab-0123456789ab", "a.", ".a", "~!$%&", "\u00a0"]
    on_re = [p for p in patterns if isinstance(wire._pattern(p), re.Pattern)]
    assert "[A-Za-z0-9-_=.]+" in on_re  # the access and refresh tokens' pattern, met on every call
    for p in on_re:
        slow = regex.compile(p)
        for probe in probes:
            assert bool(wire._pattern(p).fullmatch(probe)) == bool(slow.fullmatch(probe)), (p, probe)


def test_request_ids_are_random_version_4_uuids() -> None:
    import uuid

    from userpool.server.sealing import random_uuid

    ids = {random_uuid() for _ in range(2000)}
    assert len(ids) == 2000
    for text in list(ids)[:200]:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)


# ------------------------------------------------------------------ answers


def test_answers_carry_text_as_utf8_json_that_every_client_reads_back(server, pool):
    """Answers are orjson's compact JSON: non-ASCII text travels as UTF-8, as Cognito sends it."""
    name = unique("zoë-人")
    ok(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": name, "MessageAction": "SUPPRESS",
                                   "UserAttributes": [{"Name": "name", "Value": "Zoë \u2028 \"quoted\" \\ 人"}]}, signed=True)
    r = rpc(server, "AdminGetUser", {"UserPoolId": pool["pool_id"], "Username": name}, signed=True)
    assert r.status_code == 200
    assert "zoë-人".encode() in r.content and b"\\u" not in r.content
    attrs = {a["Name"]: a["Value"] for a in json.loads(r.content.decode("utf-8"))["UserAttributes"]}
    assert attrs["name"] == "Zoë \u2028 \"quoted\" \\ 人"
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=name)
    assert got["Username"] == name
    assert {a["Name"]: a["Value"] for a in got["UserAttributes"]}["name"] == "Zoë \u2028 \"quoted\" \\ 人"


def test_answer_bodies_orjson_cannot_write_fall_back_to_the_stdlib():
    from userpool.server.app import _json_body

    assert json.loads(_json_body({"A": "é", "N": 1.5, "L": [1, None, True]})) == {"A": "é", "N": 1.5, "L": [1, None, True]}
    assert json.loads(_json_body({"Big": 2**70})) == {"Big": 2**70}  # beyond orjson's 64-bit integers
    assert json.loads(_json_body({"Keys": {1: "one"}})) == {"Keys": {"1": "one"}}  # a non-string key
