"""Model-driven fuzzing of the wire API (hypothesis over botocore's cognito-idp model).

Requests are generated from the input shapes of every operation the server implements
(``operations.HANDLERS``), of operations it does not, and of names that are no operation at
all, and sent over HTTP to a real ``userpool serve`` from several keep-alive connections:

* valid-looking requests: members within their lengths, patterns and enums, often the real
  ids of a pool, app clients, users, groups, tokens and challenge sessions made for the run
  ("worlds", renewed as the fuzzer deletes and disables things);
* mutated ones: missing required members, extra members, wrong JSON types, huge numbers,
  huge strings, NUL, lone surrogates and other hostile text in any member;
* hostile bodies and headers: invalid UTF-8, truncated and non-object JSON, NaN, deeply
  nested JSON, bodies over the size limit, wrong content types, missing or unknown targets,
  admin calls unsigned, signed with the wrong secret, with a stale date or a tampered body.

Every answer must be a 2xx JSON object or a Cognito-shaped 4xx; never a 5xx, never a hang
(client timeout), and afterwards the server is alive, logged no internal error, and its
database passes ``PRAGMA integrity_check``. The counts go to ``.results/fuzz.json``.

Size: ``USERPOOL_FUZZ_EXAMPLES`` requests (default 2,500, about a minute on 2 cores);
docs/SECURITY.md quotes a run of 20,000 or more.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import socket
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer
from tests.hardening.support import (
    CONTENT_TYPE,
    TARGET_PREFIX,
    Stopwatch,
    Wire,
    env_int,
    integrity,
    internal_errors,
    record,
    shape_problem,
    sign,
)
from userpool import srp
from userpool.server import wire as server_wire
from userpool.server.operations import HANDLERS

MODEL = server_wire.service_model()
IMPLEMENTED = sorted(HANDLERS)
UNIMPLEMENTED = sorted(set(MODEL.operation_names) - set(HANDLERS))
NOT_OPERATIONS = ["", "Nope", "initiateauth", "InitiateAuth%20", "../InitiateAuth", "InitiateAuth.", "A" * 300, "__class__"]
EXAMPLES = env_int("USERPOOL_FUZZ_EXAMPLES", 2500)
BATCH = 12
THREADS = 4
WORLD_EVERY = 300  # requests
DESTRUCTIVE = {
    "AdminDeleteUser", "DeleteUser", "AdminDisableUser", "DeleteUserPool", "GlobalSignOut", "AdminUserGlobalSignOut",
    "AdminResetUserPassword", "AdminSetUserPassword", "ChangePassword", "ConfirmForgotPassword", "RevokeToken", "UpdateUserPool",
    "DeleteGroup", "DeleteUserPoolClient", "UpdateUserPoolClient", "GetTokensFromRefreshToken", "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge", "SetUserMFAPreference", "AdminSetUserMFAPreference",
}
MAX_BODY = server_wire.MAX_BODY_BYTES

HOSTILE_TEXT = [
    "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e\u0645", "😀" * 50, "\u0301" * 20, "' OR '1'='1' --", '"; DROP TABLE users; --',
    "../../../../etc/passwd", "%s%s%n", "${jndi:ldap://x}", "{{7*7}}", "<script>alert(1)</script>", " ", "\t\n\r", "\\",
    "null", "true", "0", "-1", "9" * 400, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "\uffff", "\ufeffBOM",
]


def is_admin(op: str) -> bool:
    return not server_wire.is_public(MODEL.operation_model(op))


# ------------------------------------------------------------------ worlds: real ids to aim at
#
# Strategies never see real ids (hypothesis needs generation that does not depend on outside
# state); they produce placeholders such as @@POOL@@ that ``World.fill`` replaces, at send
# time, with the ids of the current world.


@dataclass
class World:
    values: dict[str, str]

    def fill(self, content: bytes) -> bytes:
        if b"@@" not in content:
            return content
        for name, value in self.values.items():
            content = content.replace(f"@@{name}@@".encode(), json.dumps(value)[1:-1].encode())
        return content


def build_world(w: Wire, server: RunningServer, other: World | None) -> World:
    """A pool with two app clients (one with a secret), three users (confirmed, temporary
    password, unconfirmed), a group, tokens, challenge sessions and real codes."""
    tag = uuid.uuid4().hex[:6]
    pool_id = w.ok(
        "CreateUserPool",
        {"PoolName": f"fuzz-{tag}", "AutoVerifiedAttributes": ["email"],
         "Schema": [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]},
        signed=True,
    )["UserPool"]["Id"]
    client_id = w.ok(
        "CreateUserPoolClient",
        {"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows": ALL_FLOWS, "PreventUserExistenceErrors": "ENABLED",
         "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}},
        signed=True,
    )["UserPoolClient"]["ClientId"]
    secret_client = w.ok(
        "CreateUserPoolClient",
        {"UserPoolId": pool_id, "ClientName": "server", "GenerateSecret": True, "ExplicitAuthFlows": ALL_FLOWS},
        signed=True,
    )["UserPoolClient"]
    users = [f"alice-{tag}", f"bob-{tag}", f"carol-{tag}"]
    for name, temp in zip(users[:2], (False, True), strict=True):
        w.ok("AdminCreateUser", {"UserPoolId": pool_id, "Username": name, "MessageAction": "SUPPRESS", "TemporaryPassword": PASSWORD,
                                 "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}]},
             signed=True)
        if not temp:
            w.ok("AdminSetUserPassword", {"UserPoolId": pool_id, "Username": name, "Password": PASSWORD, "Permanent": True}, signed=True)
    w.ok("SignUp", {"ClientId": client_id, "Username": users[2], "Password": PASSWORD,
                    "UserAttributes": [{"Name": "email", "Value": f"{users[2]}@example.com"}]})
    w.ok("CreateGroup", {"UserPoolId": pool_id, "GroupName": "staff"}, signed=True)
    w.ok("AdminAddUserToGroup", {"UserPoolId": pool_id, "Username": users[0], "GroupName": "staff"}, signed=True)
    w.ok("ForgotPassword", {"ClientId": client_id, "Username": users[0]})
    # managed login: an identity provider, a resource server and a domain to aim at
    w.ok("CreateIdentityProvider", {"UserPoolId": pool_id, "ProviderName": "Corp", "ProviderType": "OIDC",
                                    "ProviderDetails": OIDC_DETAILS, "IdpIdentifiers": ["corp.example.com"]}, signed=True)
    w.ok("CreateResourceServer", {"UserPoolId": pool_id, "Identifier": "api", "Name": "api",
                                  "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]}, signed=True)
    w.ok("CreateUserPoolDomain", {"UserPoolId": pool_id, "Domain": f"fuzz-{tag}"}, signed=True)
    values = {
        "POOL": pool_id, "CLIENT": client_id, "SECRETCLIENT": secret_client["ClientId"], "SECRET": secret_client["ClientSecret"],
        "USER0": users[0], "USER1": users[1], "USER2": users[2], "GROUP": "staff",
        "SECRETHASH": srp.secret_hash(secret_client["ClientSecret"], users[0], secret_client["ClientId"]),
        "SIGNUPCODE": server.last_code(users[2]), "RESETCODE": server.last_code(users[0]),
        "SRPA": srp.client_ephemeral().srp_a, "DOMAIN": f"fuzz-{tag}",
    }
    for i in range(2):
        result = w.ok("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                       "AuthParameters": {"USERNAME": users[0], "PASSWORD": PASSWORD}})["AuthenticationResult"]
        values.update({f"ACCESS{i}": result["AccessToken"], f"IDTOKEN{i}": result["IdToken"], f"REFRESH{i}": result["RefreshToken"]})
    values["SESSION0"] = w.ok("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_SRP_AUTH",
                                               "AuthParameters": {"USERNAME": users[0], "SRP_A": values["SRPA"]}})["ChallengeParameters"]["SECRET_BLOCK"]
    values["SESSION1"] = w.ok("InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                               "AuthParameters": {"USERNAME": users[1], "PASSWORD": PASSWORD}})["Session"]
    for name in ("POOL", "CLIENT", "ACCESS0", "REFRESH0"):
        values[f"OTHER{name}"] = (other.values if other else values)[name]
    return World(values)


# ------------------------------------------------------------------ strategies from the model

OIDC_DETAILS = {"client_id": "rp", "client_secret": "rp-secret", "authorize_scopes": "openid",
                "attributes_request_method": "GET", "oidc_issuer": "https://idp.example.com"}
_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+@="
_ATTRS = ["email", "email_verified", "name", "phone_number", "phone_number_verified", "custom:tier", "given_name", "sub", "updated_at",
          "birthdate", "dev:custom:tier", "nope"]
# The few patterns that plain text from _SAFE would not satisfy.
_PATTERNS: dict[str, st.SearchStrategy[str]] = {
    "^[0-9a-fA-F]+$": st.text("0123456789abcdef", min_size=1, max_size=32),
    "Level[1-4]": st.sampled_from(["Level1", "Level2", "Level3", "Level4"]),
    "import-[0-9a-zA-Z-]+": st.sampled_from(["import-Nope1234", "import-x"]),
    "[\\w-]+_[0-9a-zA-Z]+": st.sampled_from(["us-east-1_Nope12345", "eu-west-1_abc"]),
    "[\\w-]+_[0-9a-f-]+": st.sampled_from(["us-east-1_0123abcd-0000"]),
}
_ARN = st.sampled_from(["arn:aws:iam::123456789012:role/x", "arn:aws:lambda:us-east-1:123456789012:function:f"])


def text_for(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    low = int(meta.get("min", 0))
    high = int(meta.get("max", 64))
    enum = getattr(shape, "enum", None)
    if enum:
        return st.sampled_from(list(enum))
    pattern = meta.get("pattern", "")
    if pattern in _PATTERNS:
        return _PATTERNS[pattern]
    if pattern.lstrip("(").startswith("arn:"):
        return _ARN
    if "{####}" in pattern:
        return st.sampled_from(["Your code is {####}", "{####}"])
    return st.text(alphabet=_SAFE, min_size=low, max_size=max(low, min(high, 40)))


def _ph(*names: str) -> st.SearchStrategy[str]:
    return st.sampled_from([f"@@{n}@@" for n in names])


# Members whose name says what they are: real ids (as placeholders) and meaningful values.
SEMANTIC: dict[str, st.SearchStrategy[Any]] = {
    "UserPoolId": st.one_of(_ph("POOL", "POOL", "POOL", "OTHERPOOL"), st.just("us-east-1_Nope12345")),
    "ClientId": st.one_of(_ph("CLIENT", "CLIENT", "SECRETCLIENT", "OTHERCLIENT"), st.just("x" * 26)),
    "Username": st.one_of(_ph("USER0", "USER0", "USER1", "USER2"), st.sampled_from(["ghost", "ghost@example.com"])),
    "AccessToken": st.one_of(_ph("ACCESS0", "ACCESS1", "ACCESS0", "IDTOKEN0", "REFRESH0", "OTHERACCESS0"), st.just("a.b.c")),
    "RefreshToken": st.one_of(_ph("REFRESH0", "REFRESH1", "REFRESH0", "ACCESS0", "OTHERREFRESH0"), st.just("nope")),
    "Token": st.one_of(_ph("REFRESH0", "REFRESH1", "ACCESS0"), st.just("nope")),
    "GroupName": st.one_of(_ph("GROUP", "GROUP"), st.just("ghosts")),
    "Session": st.one_of(_ph("SESSION0", "SESSION1"), st.just("bm9wZQ==" * 4)),
    "ClientSecret": st.one_of(_ph("SECRET"), st.just("wrong")),
    "SecretHash": st.one_of(_ph("SECRETHASH"), st.just("bad")),
    "Password": st.sampled_from([PASSWORD, "N3w-Passw0rd!", "short", "nouppercase1!", "Passw0rd! "]),
    "ConfirmationCode": st.one_of(_ph("SIGNUPCODE", "RESETCODE"), st.from_regex(r"[0-9]{6}", fullmatch=True)),
    "Code": st.from_regex(r"[0-9]{6}", fullmatch=True),
    "AttributeName": st.sampled_from(_ATTRS),
}
for _alias in ("ProposedPassword", "PreviousPassword", "TemporaryPassword"):
    SEMANTIC[_alias] = SEMANTIC["Password"]

AUTH_PARAMETERS = st.fixed_dictionaries(
    {},
    optional={
        "USERNAME": st.one_of(_ph("USER0", "USER1", "USER2"), st.just("ghost")),
        "PASSWORD": st.sampled_from([PASSWORD, "wrong-Passw0rd!"]),
        "SRP_A": st.one_of(_ph("SRPA", "SRPA"), st.sampled_from(["0", "00" * 384, "zz", srp.pad_hex(srp.N)])),
        "REFRESH_TOKEN": st.one_of(_ph("REFRESH0", "REFRESH1"), st.just("nope")),
        "SECRET_HASH": st.one_of(_ph("SECRETHASH"), st.just("bad")),
        "DEVICE_KEY": st.just("us-east-1_dev"),
    },
)
CHALLENGE_RESPONSES = st.fixed_dictionaries(
    {},
    optional={
        "USERNAME": st.one_of(_ph("USER0", "USER1"), st.just("ghost")),
        "PASSWORD_CLAIM_SECRET_BLOCK": st.one_of(_ph("SESSION0"), st.just("bm9wZQ==")),
        "PASSWORD_CLAIM_SIGNATURE": st.sampled_from(["bm9wZQ==", "!!!", ""]),
        "TIMESTAMP": st.just(srp.cognito_timestamp()),
        "NEW_PASSWORD": st.sampled_from([PASSWORD, "weak"]),
        "userAttributes.name": st.just("Bob"),
        "SOFTWARE_TOKEN_MFA_CODE": st.just("123456"),
        "SMS_MFA_CODE": st.just("123456"),
        "ANSWER": st.just("42"),
        "SECRET_HASH": _ph("SECRETHASH"),
    },
)
# Known-good requests (placeholders filled per world), mixed in so that the operations whose
# success needs several members to agree (a flow, its parameters, a session) also succeed.
_NEW_NAME = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=12)
CURATED: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "InitiateAuth": st.sampled_from([
        {"ClientId": "@@CLIENT@@", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "@@USER0@@", "PASSWORD": PASSWORD}},
        {"ClientId": "@@CLIENT@@", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "@@USER0@@", "SRP_A": "@@SRPA@@"}},
        {"ClientId": "@@CLIENT@@", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "ghost", "SRP_A": "@@SRPA@@"}},
        {"ClientId": "@@CLIENT@@", "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": "@@REFRESH1@@"}},
        {"ClientId": "@@SECRETCLIENT@@", "AuthFlow": "USER_PASSWORD_AUTH",
         "AuthParameters": {"USERNAME": "@@USER0@@", "PASSWORD": PASSWORD, "SECRET_HASH": "@@SECRETHASH@@"}},
    ]),
    "AdminInitiateAuth": st.just({"UserPoolId": "@@POOL@@", "ClientId": "@@CLIENT@@", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                  "AuthParameters": {"USERNAME": "@@USER0@@", "PASSWORD": PASSWORD}}),
    "RespondToAuthChallenge": st.just({"ClientId": "@@CLIENT@@", "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "@@SESSION1@@",
                                       "ChallengeResponses": {"USERNAME": "@@USER1@@", "NEW_PASSWORD": PASSWORD}}),
    "AdminRespondToAuthChallenge": st.just({"UserPoolId": "@@POOL@@", "ClientId": "@@CLIENT@@", "ChallengeName": "NEW_PASSWORD_REQUIRED",
                                            "Session": "@@SESSION1@@", "ChallengeResponses": {"USERNAME": "@@USER1@@", "NEW_PASSWORD": PASSWORD}}),
    "SignUp": st.fixed_dictionaries({"ClientId": st.just("@@CLIENT@@"), "Username": _NEW_NAME, "Password": st.just(PASSWORD),
                                     "UserAttributes": st.just([{"Name": "email", "Value": "new@example.com"}])}),
    "ConfirmSignUp": st.just({"ClientId": "@@CLIENT@@", "Username": "@@USER2@@", "ConfirmationCode": "@@SIGNUPCODE@@"}),
    "ConfirmForgotPassword": st.just({"ClientId": "@@CLIENT@@", "Username": "@@USER0@@", "ConfirmationCode": "@@RESETCODE@@", "Password": PASSWORD}),
    "ChangePassword": st.just({"AccessToken": "@@ACCESS1@@", "PreviousPassword": PASSWORD, "ProposedPassword": PASSWORD}),
    "GetTokensFromRefreshToken": st.just({"ClientId": "@@CLIENT@@", "RefreshToken": "@@REFRESH1@@"}),
    "AdminDisableUser": st.just({"UserPoolId": "@@POOL@@", "Username": "@@USER2@@"}),
    "AdminEnableUser": st.just({"UserPoolId": "@@POOL@@", "Username": "@@USER2@@"}),
    "AdminDeleteUserAttributes": st.just({"UserPoolId": "@@POOL@@", "Username": "@@USER0@@", "UserAttributeNames": ["custom:tier"]}),
    "DeleteUserAttributes": st.just({"AccessToken": "@@ACCESS0@@", "UserAttributeNames": ["name"]}),
    "DeleteUserPoolClient": st.just({"UserPoolId": "@@OTHERPOOL@@", "ClientId": "@@OTHERCLIENT@@"}),
}
_OAUTH_CLIENT = {
    "AllowedOAuthFlowsUserPoolClient": True, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "api/read"],
    "CallbackURLs": ["https://app.example.com/cb"], "SupportedIdentityProviders": ["COGNITO", "Corp"],
}
_SOURCE = {"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "fuzz-subject"}
CURATED.update({
    "CreateUserPoolClient": st.just({"UserPoolId": "@@POOL@@", "ClientName": "web", **_OAUTH_CLIENT}),
    "UpdateUserPoolClient": st.just({"UserPoolId": "@@POOL@@", "ClientId": "@@CLIENT@@", "ExplicitAuthFlows": ALL_FLOWS,
                                     **_OAUTH_CLIENT}),
    "CreateIdentityProvider": st.fixed_dictionaries({
        "UserPoolId": st.just("@@POOL@@"), "ProviderName": _NEW_NAME, "ProviderType": st.just("OIDC"),
        "ProviderDetails": st.just(OIDC_DETAILS), "AttributeMapping": st.just({"email": "email"}),
    }),
    "UpdateIdentityProvider": st.just({"UserPoolId": "@@POOL@@", "ProviderName": "Corp", "ProviderDetails": {"authorize_scopes": "openid"}}),
    "GetIdentityProviderByIdentifier": st.just({"UserPoolId": "@@POOL@@", "IdpIdentifier": "corp.example.com"}),
    "DescribeIdentityProvider": st.just({"UserPoolId": "@@POOL@@", "ProviderName": "Corp"}),
    "UpdateResourceServer": st.just({"UserPoolId": "@@POOL@@", "Identifier": "api", "Name": "api",
                                     "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]}),
    "CreateUserPoolDomain": st.fixed_dictionaries({  # the world's pool has its prefix domain already
        "UserPoolId": st.just("@@POOL@@"), "Domain": _NEW_NAME.map(lambda n: f"auth.{n}.example.com"),
        "CustomDomainConfig": st.just({"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/fuzz"}),
    }),
    "DescribeResourceServer": st.just({"UserPoolId": "@@POOL@@", "Identifier": "api"}),
    "DescribeUserPoolDomain": st.just({"Domain": "@@DOMAIN@@"}),
    "UpdateUserPoolDomain": st.just({"UserPoolId": "@@POOL@@", "Domain": "@@DOMAIN@@", "ManagedLoginVersion": 2}),
    "SetUICustomization": st.just({"UserPoolId": "@@POOL@@", "ClientId": "@@CLIENT@@", "CSS": ".label-customizable{color:red}",
                                   "ImageFile": "iVBORw0KGgoAAAAA"}),
    "AdminLinkProviderForUser": st.just({"UserPoolId": "@@POOL@@", "SourceUser": _SOURCE,
                                         "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": "@@USER0@@"}}),
    "AdminDisableProviderForUser": st.sampled_from([
        {"UserPoolId": "@@POOL@@", "User": _SOURCE},
        {"UserPoolId": "@@POOL@@", "User": {**_SOURCE, "ProviderName": "Cognito", "ProviderAttributeValue": "@@USER0@@"}},
    ]),
})
_CACHE: dict[tuple[str, str, int], st.SearchStrategy[Any]] = {}


def value_for(shape: Shape, name: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """The strategy for one member, from its shape (built once and cached)."""
    key = (shape.name, name, depth)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _value_for(shape, name, depth)
    return found


def _value_for(shape: Shape, name: str, depth: int) -> st.SearchStrategy[Any]:
    if shape.type_name == "string" and name in SEMANTIC:
        return SEMANTIC[name]
    if name == "AuthParameters":
        return AUTH_PARAMETERS
    if name == "ChallengeResponses":
        return CHALLENGE_RESPONSES
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if depth > 4:
            return st.just({})
        required = {m: value_for(s, m, depth + 1) for m, s in shape.members.items() if m in shape.required_members}
        optional = {m: value_for(s, m, depth + 1) for m, s in shape.members.items() if m not in shape.required_members}
        return st.fixed_dictionaries(required, optional=optional)
    if t == "list":
        if name in ("UserAttributes", "ValidationData"):
            item = st.fixed_dictionaries(
                {"Name": st.sampled_from(_ATTRS), "Value": st.sampled_from(["x@example.com", "true", "Bob", "+15555550100", "1", ""])}
            )
        elif name in ("UserAttributeNames", "AttributesToGet", "ReadAttributes", "WriteAttributes"):
            item = st.sampled_from(_ATTRS)
        else:
            item = value_for(shape.member, "member", depth + 1)
        low = min(int(meta.get("min", 0)), 3)
        return st.lists(item, min_size=low, max_size=max(low, min(int(meta.get("max", 3)), 3)))
    if t == "map":
        return st.dictionaries(text_for(shape.key), value_for(shape.value, "value", depth + 1), max_size=3)
    if t == "string":
        return text_for(shape)
    if t in ("integer", "long"):
        low = meta.get("min", -5)
        high = meta.get("max", 10**6)
        edges = [low, high, low - 1, high + 1, 2**31 - 1, 2**31, 2**63, -(2**63) - 1, 10**30]
        return st.one_of(st.integers(low, high), st.integers(low, high), st.sampled_from(edges))
    if t in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if t == "boolean":
        return st.booleans()
    if t == "timestamp":
        return st.integers(0, 2**31)
    if t == "blob":
        return st.just("aGVsbG8=")
    return st.none()


# ------------------------------------------------------------------ requests


@dataclass
class Req:
    kind: str  # valid, mutated, raw, headers, unknown
    op: str
    content: bytes
    signing: str = "none"  # none, good, bad-secret, stale, tampered
    headers: dict[str, str] = field(default_factory=dict)
    target: str | None = None  # None: the op's own target
    chunked: bool = False  # sent with Transfer-Encoding: chunked (no Content-Length)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()


def signing_for(op: str) -> st.SearchStrategy[str]:
    if is_admin(op):
        return st.sampled_from(["good"] * 16 + ["none", "bad-secret", "stale", "tampered"])
    return st.sampled_from(["none"] * 18 + ["good", "bad-secret"])


hostile_value = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([10**30, -(10**30), 2**63, -1, 0, 1.5, -0.0, 1e308, True, False, None, [], {}, [None], {"": None}]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=30),
    st.sampled_from([1000, 70_000, 300_000]).map(lambda n: "A" * n),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append((*prefix, i))
            out.extend(_paths(v, (*prefix, i)))
    return out


def _set(value: Any, path: tuple[Any, ...], new: Any, delete: bool = False) -> None:
    for p in path[:-1]:
        value = value[p]
    if delete:
        del value[path[-1]]
    else:
        value[path[-1]] = new


@st.composite
def mutated(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        how = draw(st.sampled_from(["drop", "extra", "replace", "replace", "nest"]))
        if how == "extra" or not paths:
            body[draw(st.sampled_from(["Bogus", "__proto__", "constructor", "userPoolId", "ClientID", ""]))] = copy.deepcopy(draw(hostile_value))
            continue
        path = draw(st.sampled_from(paths))
        if how == "drop":
            _set(body, path, None, delete=True)
        elif how == "replace":
            _set(body, path, copy.deepcopy(draw(hostile_value)))  # never alias a strategy's own objects
        else:
            depth = draw(st.sampled_from([5, 31, 33, 200]))
            nested: Any = "x"
            for _ in range(depth):
                nested = {"a": nested} if draw(st.booleans()) else [nested]
            _set(body, path, nested)
    return body


RAW_BODIES = [
    b"", b" ", b"{", b"}", b"[]", b"[1,2]", b"1", b'"s"', b"null", b"true", b"{}{}", b'{"a":1,}', b"{'a': 1}", b"\xff\xfe\xfd",
    b'{"ClientId": "\xff\xfe"}', b'{"ClientId": "\xc3\x28"}', b'{"ClientId": "\xed\xa0\x80"}', b'{"ClientId": "\\ud800"}',
    b'{"Username": "\\u0000"}', b'{"Limit": NaN}', b'{"Limit": Infinity}', b'{"Limit": -Infinity}', b'{"MaxResults": 1e400}',
    b'{"MaxResults": ' + b"9" * 5000 + b"}", b'{"Precedence": 99999999999999999999999999}', b'{"a": "\\x41"}', b"\x00" * 10,
    b'{"ClientId": "a", "ClientId": "b"}', b'\xef\xbb\xbf{"ClientId": "bom"}', b'{"AuthParameters": {"USERNAME": {"$gt": ""}}}',
]


@st.composite
def raw_body(draw: st.DrawFn, body: dict[str, Any]) -> bytes:
    how = draw(st.sampled_from(["fixed", "fixed", "truncated", "deep-list", "deep-dict", "oversize", "oversize-string", "at-limit"]))
    if how == "fixed":
        return draw(st.sampled_from(RAW_BODIES))
    if how == "truncated":
        full = _dump(body)
        return full[: draw(st.integers(0, max(0, len(full) - 1)))]
    if how == "deep-list":
        n = draw(st.sampled_from([33, 1000, 100_000]))
        return b"[" * n + b"]" * n
    if how == "deep-dict":
        n = draw(st.sampled_from([33, 1000, 50_000]))
        return b'{"a":' * n + b"1" + b"}" * n
    if how == "oversize":
        return b" " * (MAX_BODY + draw(st.sampled_from([1, 1000])))
    if how == "at-limit":
        filler = MAX_BODY - len(_dump({**body, "Pad": ""}))
        return _dump({**body, "Pad": "p" * max(0, filler)})
    return _dump({**body, "Pad": "p" * (MAX_BODY + 10)})


CONTENT_TYPES = ["application/json", "application/x-amz-json-1.0", "text/plain", "", "application/x-www-form-urlencoded",
                 "application/x-amz-json-1.1; charset=utf-8", "multipart/form-data; boundary=x", "APPLICATION/X-AMZ-JSON-1.1", "*/*"]


@st.composite
def request(draw: st.DrawFn, op: str | None) -> Req:
    """One request for ``op`` (implemented or not), or for no operation at all (``None``)."""
    if op is None:
        name = draw(st.sampled_from(NOT_OPERATIONS))
        return Req("unknown", name or "(empty)", _dump({}), target=draw(st.sampled_from([
            TARGET_PREFIX + name, "", "AWSCognitoIdentityProviderService", "AmazonCognitoIdentity.GetId", name, TARGET_PREFIX.lower() + "InitiateAuth",
        ])))
    shape = MODEL.operation_model(op).input_shape
    if op in CURATED and draw(st.integers(0, 3)) == 0:
        body = copy.deepcopy(draw(CURATED[op]))
    else:
        body = draw(value_for(shape, op)) if shape is not None else {}
    if op == "DeleteUserPool" and body.get("UserPoolId") == "@@POOL@@":
        body["UserPoolId"] = "@@OTHERPOOL@@"  # spare the current world; the previous one is fair game
    signing = draw(signing_for(op))
    if op not in HANDLERS:
        return Req("unimplemented", op, _dump(body), signing)
    mode = draw(st.sampled_from(["valid"] * 12 + ["mutated"] * 5 + ["raw"] * 2 + ["headers"]))
    if mode == "valid":
        return Req("valid", op, _dump(body), signing)
    if mode == "mutated":
        return Req("mutated", op, _dump(draw(mutated(body))), signing)
    if mode == "raw":
        return Req("raw", op, draw(raw_body(body)), signing, chunked=draw(st.integers(0, 3)) == 0)
    headers = {"Content-Type": draw(st.sampled_from(CONTENT_TYPES))}
    extra = draw(st.sampled_from([{}, {"X-Amz-Target": ""}, {"Content-Encoding": "gzip"}, {"Content-Encoding": "br"},
                                  {"X-Forwarded-For": "1.2.3.4"}, {"Authorization": "AWS4-HMAC-SHA256 nonsense"}]))
    return Req("headers", op, _dump(body), signing, {**headers, **extra})


# ------------------------------------------------------------------ sending


def send(w: Wire, req: Req, world: World) -> httpx.Response:
    target = TARGET_PREFIX + req.op if req.target is None else req.target
    content = world.fill(req.content)
    headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": target}
    if req.signing != "none":
        secret = w.secret if req.signing != "bad-secret" else "x" * 40
        when = datetime.now(UTC) - (timedelta(hours=1) if req.signing == "stale" else timedelta())
        signed_content = content if req.signing != "tampered" else content + b" "
        headers = sign(w.url, req.op, signed_content, w.key, secret, when=when)
        headers["X-Amz-Target"] = target
    headers.update(req.headers)
    if "X-Amz-Target" in req.headers and req.headers["X-Amz-Target"] == "":
        headers.pop("X-Amz-Target")
    if req.chunked:
        return w.post_chunked((content[i : i + 65536] for i in range(0, len(content), 65536)), headers)
    return w.post(content, headers)


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.by_op: Counter[str] = Counter()
        self.ok_by_op: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_error: Counter[str] = Counter()
        self.problems: list[str] = []
        self.timeouts = 0
        self.since_world = 0
        self.seconds_by_op: dict[str, float] = {}
        self.phase_seconds: dict[str, float] = {}

    def add(self, req: Req, r: httpx.Response | Exception) -> None:
        if not isinstance(r, Exception):
            self.seconds_by_op[req.op] = self.seconds_by_op.get(req.op, 0.0) + r.elapsed.total_seconds()
        self.requests += 1
        self.by_op[req.op] += 1
        self.by_kind[req.kind] += 1
        if isinstance(r, Exception):
            self.timeouts += isinstance(r, httpx.TimeoutException)
            self.problems.append(f"{req.kind} {req.op}: {type(r).__name__}: {r} body={req.content[:200]!r}")
            return
        self.by_status[r.status_code] += 1
        if 200 <= r.status_code < 300:
            self.ok_by_op[req.op] += 1
        else:
            self.by_error[r.headers.get("x-amzn-ErrorType", "?")] += 1
        problem = shape_problem(r)
        if problem:
            self.problems.append(f"{req.kind} {req.op} signing={req.signing} headers={req.headers}: {problem} body={req.content[:300]!r}")


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = RunningServer(tmp_path_factory.mktemp("fuzz-server"), "--rate-limits", "off")
    srv.start()
    yield srv
    srv.stop()


def _exercise(server: RunningServer, wire: Wire, examples: int) -> Tally:
    """Send about ``examples`` requests: 90% spread evenly over the implemented operations (one
    hypothesis run each, so every one is covered), the rest to operations this server does not
    implement and to names that are no operation. Generation runs while earlier batches are
    being sent (several threads, one keep-alive connection each)."""
    tally = Tally()
    worlds: list[World] = [build_world(wire, server, None)]
    executor = ThreadPoolExecutor(THREADS)
    # Operations that wreck a world (delete, disable, revoke, reset) run last, each on a fresh one.
    ordered = sorted(IMPLEMENTED, key=lambda op: (op in DESTRUCTIVE, op))
    groups: list[tuple[list[str | None], int]] = [([op], math.ceil(examples * 0.9 / len(IMPLEMENTED))) for op in ordered]
    groups += [(list(UNIMPLEMENTED), math.ceil(examples * 0.06)), ([None], math.ceil(examples * 0.04))]

    def one(req: Req, world: World) -> httpx.Response | Exception:
        try:
            return send(wire, req, world)
        except httpx.HTTPError as exc:  # a timeout or a dropped connection: reported as a problem
            return exc

    def _submit(batch: list[Req], pending: list[tuple[Req, Future[httpx.Response | Exception]]]) -> None:
        if tally.since_world >= WORLD_EVERY:
            t0 = time.perf_counter()
            worlds.append(build_world(wire, server, worlds[-1]))
            del worlds[:-2]
            tally.since_world = 0
            tally.phase_seconds["worlds"] = tally.phase_seconds.get("worlds", 0.0) + time.perf_counter() - t0
        tally.since_world += len(batch)
        pending.extend((req, executor.submit(one, req, worlds[-1])) for req in batch)

    for ops, budget in groups:
        if ops[0] in DESTRUCTIVE:
            tally.since_world = WORLD_EVERY
        pending: list[tuple[Req, Future[httpx.Response | Exception]]] = []
        _run_group(st.sampled_from(ops), budget, functools.partial(_submit, pending=pending))
        for req, future in pending:
            tally.add(req, future.result())
    executor.shutdown()
    return tally


def _run_group(ops: st.SearchStrategy[str | None], budget: int, submit: Any) -> None:
    """One hypothesis run: ``budget`` requests for the operations ``ops`` draws from."""

    @settings(
        max_examples=max(1, -(-budget // BATCH)), deadline=None, database=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        submit([data.draw(request(data.draw(ops)), label="request") for _ in range(BATCH)])

    run()


def _check_and_record(server: RunningServer, wire: Wire, tally: Tally, watch: Stopwatch, name: str) -> None:
    alive = server.proc is not None and server.proc.poll() is None
    health = httpx.get(server.url + "/", timeout=10).status_code if alive else None
    check = integrity(server)
    faults = internal_errors(server)
    covered = sorted(op for op in IMPLEMENTED if tally.by_op[op])
    figures = {
        "requests": tally.requests,
        "seconds": watch.seconds,
        "implemented_operations": len(IMPLEMENTED),
        "implemented_operations_covered": len(covered),
        "implemented_operations_with_2xx": len([op for op in IMPLEMENTED if tally.ok_by_op[op]]),
        "unimplemented_operations_tried": len([op for op in UNIMPLEMENTED if tally.by_op[op]]),
        "responses_5xx": sum(c for s, c in tally.by_status.items() if s >= 500),
        "malformed_answers": len(tally.problems),
        "timeouts": tally.timeouts,
        "by_kind": dict(tally.by_kind),
        "by_status": {str(k): v for k, v in sorted(tally.by_status.items())},
        "top_errors": dict(tally.by_error.most_common(15)),
        "integrity_check": check,
        "server_alive": alive and health == 200,
        "internal_errors_logged": len(faults),
        "implemented_operations_without_2xx": sorted(op for op in IMPLEMENTED if not tally.ok_by_op[op]),
        "phase_seconds": {k: round(v, 1) for k, v in tally.phase_seconds.items()},
        "slowest_operations_seconds": {op: round(s, 1) for op, s in sorted(tally.seconds_by_op.items(), key=lambda x: -x[1])[:8]},
    }
    record(name, figures)
    assert not tally.problems, f"{len(tally.problems)} bad answers, first ones:\n" + "\n".join(tally.problems[:10])
    assert covered == IMPLEMENTED, f"not covered: {sorted(set(IMPLEMENTED) - set(covered))}"
    assert check == "ok"
    assert alive and health == 200
    assert not faults, "\n".join(faults[:20])


@pytest.mark.slow
def test_fuzz_every_operation(fuzz_server: RunningServer) -> None:
    """``USERPOOL_FUZZ_EXAMPLES`` requests (default 2,500; docs/SECURITY.md quotes 20,000+)."""
    wire = Wire(fuzz_server)
    watch = Stopwatch()
    tally = _exercise(fuzz_server, wire, EXAMPLES)
    _check_and_record(fuzz_server, wire, tally, watch, "fuzz")


def test_fuzz_with_rate_limits_on(tmp_path: Any) -> None:
    """A short run against a server with tiny limits: refusals are Cognito-shaped too."""
    limits = tmp_path / "limits.json"
    # Cognito's categories at 5 per second; no guessing limits, whose 120 guesses a minute from one
    # address the fuzzer's set-up of fresh worlds would use up before the run starts.
    limits.write_text(json.dumps({"per_pool": dict.fromkeys(("UserAuthentication", "UserRead", "UserUpdate", "UserCreation"), 5),
                                  "guessing": None}))
    srv = RunningServer(tmp_path / "srv", "--rate-limits", str(limits))
    srv.start()
    try:
        wire = Wire(srv)
        tally = _exercise(srv, wire, min(EXAMPLES // 5, 600))
        record("fuzz", {"rate_limited_run": {"requests": tally.requests, "throttled": tally.by_error["TooManyRequestsException"],
                                             "responses_5xx": sum(c for s, c in tally.by_status.items() if s >= 500)}})
        assert not tally.problems, "\n".join(tally.problems[:10])
        assert tally.by_error["TooManyRequestsException"] > 0
        assert integrity(srv) == "ok"
        assert not internal_errors(srv)
    finally:
        srv.stop()


def _raw_exchange(port: int, data: bytes, *, close_early: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        if close_early:
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def test_malformed_http_leaves_the_server_serving(fuzz_server: RunningServer) -> None:
    """Below JSON: broken HTTP, lying lengths, bad chunking, huge headers, idle and abandoned
    connections. Whatever each gets back, the server keeps answering everyone else."""
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {CONTENT_TYPE}\r\nX-Amz-Target: {TARGET_PREFIX}InitiateAuth\r\n"
    cases = [
        (head + "Content-Length: 100\r\n\r\n" + '{"ClientId": "x"', True),  # shorter than announced, then gone
        (head + "Content-Length: 1000000000000\r\n\r\n{}", False),
        (head + "Content-Length: -1\r\n\r\n{}", False),
        (head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", False),
        (head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", False),
        (head + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n", False),
        (head + "X-Big: " + "a" * 200_000 + "\r\n\r\n", False),
        ("GARBAGE\x00\xff NOT HTTP\r\n\r\n", False),
        (head, True),  # headers never finished
    ]
    answers = [_raw_exchange(fuzz_server.port, data.encode("latin-1"), close_early=early) for data, early in cases]
    idle = [socket.create_connection(("127.0.0.1", fuzz_server.port), timeout=10) for _ in range(50)]
    try:
        for answer in answers:  # an HTTP answer of some kind (or none), never a 5xx
            assert not answer.startswith(b"HTTP/1.1 5"), answer[:200]
        wire = Wire(fuzz_server)
        r = wire.call("InitiateAuth", {"ClientId": "x" * 26, "AuthFlow": "USER_SRP_AUTH"})
        assert r.status_code == 400 and shape_problem(r) is None
        assert httpx.get(fuzz_server.url + "/", timeout=10).status_code == 200
    finally:
        for sock in idle:
            sock.close()
    assert not internal_errors(fuzz_server)
