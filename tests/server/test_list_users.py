"""ListUsers: Cognito's filter syntax, AttributesToGet, Limit and pagination."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import create_pool
from tests.server.helpers import UNKNOWN_POOL, ok, rejected


@pytest.fixture
def people(server, make_user):
    """A pool with four users of known names and states."""
    pool = create_pool(server, UsernameConfiguration={"CaseSensitive": False})
    make_user(pool, "ada", attributes={"given_name": "Ada", "family_name": "Lovelace", "email": "Ada@Example.com"})
    make_user(pool, "alan", attributes={"given_name": "Alan", "family_name": "Turing", "phone_number": "+441234567890"})
    make_user(pool, "grace", attributes={"given_name": "Grace", "family_name": "Hopper", "name": 'Grace "Amazing" Hopper'})
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username="edsger", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "given_name", "Value": "Edsger"}])
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username="grace")
    return pool


def names(server, pool, **args) -> list[str]:
    return sorted(u["Username"] for u in server.admin.list_users(UserPoolId=pool["pool_id"], **args)["Users"])


def test_list_users_returns_user_types(server, people):
    users = server.admin.list_users(UserPoolId=people["pool_id"])["Users"]
    assert sorted(u["Username"] for u in users) == ["ada", "alan", "edsger", "grace"]
    ada = next(u for u in users if u["Username"] == "ada")
    assert ada["UserStatus"] == "CONFIRMED" and ada["Enabled"] is True
    assert {"Name": "given_name", "Value": "Ada"} in ada["Attributes"]
    assert "UserCreateDate" in ada and "UserLastModifiedDate" in ada


@pytest.mark.parametrize(
    "expression,expected",
    [
        ('username = "ada"', ["ada"]),
        ('username = "ADA"', ["ada"]),  # the pool is case-insensitive
        ('username ^= "a"', ["ada", "alan"]),
        ('given_name = "Alan"', ["alan"]),
        ('given_name ^= "Gr"', ["grace"]),
        ('family_name = "turing"', []),  # attribute values compare exactly
        ('email = "ada@example.com"', ["ada"]),  # e-mail addresses compare without case
        ('email ^= "ADA@"', ["ada"]),
        ('phone_number = "+441234567890"', ["alan"]),
        ('name = "Grace \\"Amazing\\" Hopper"', ["grace"]),
        ('cognito:user_status = "FORCE_CHANGE_PASSWORD"', ["edsger"]),
        ('cognito:user_status = "confirmed"', ["ada", "alan", "grace"]),  # case-insensitive, as documented
        ('status = "Enabled"', ["ada", "alan", "edsger"]),
        ('status = "Disabled"', ["grace"]),
        ('given_name = "Nobody"', []),
        ('  given_name  =  "Ada"  ', ["ada"]),
        ("", ["ada", "alan", "edsger", "grace"]),
    ],
)
def test_filters(server, people, expression, expected):
    assert names(server, people, Filter=expression) == expected


def test_filter_on_sub(server, people):
    sub = next(a["Value"] for a in server.admin.admin_get_user(UserPoolId=people["pool_id"], Username="alan")["UserAttributes"]
               if a["Name"] == "sub")
    assert names(server, people, Filter=f'sub = "{sub}"') == ["alan"]


def test_prefix_filter_treats_like_wildcards_literally(server, make_user):
    pool = create_pool(server)
    make_user(pool, "a_b")
    make_user(pool, "axb")
    make_user(pool, "a%c")
    assert names(server, pool, Filter='username ^= "a_"') == ["a_b"]
    assert names(server, pool, Filter='username ^= "a%"') == ["a%c"]


@pytest.mark.parametrize(
    "expression",
    [
        "given_name = Ada",  # value not quoted
        'given_name == "Ada"',
        'given_name != "Ada"',
        'custom:team = "x"',  # custom attributes are not searchable
        'address = "x"',
        'given_name = "Ada" and family_name = "Lovelace"',
        'status = "enabled"',  # status is case-sensitive
        "nonsense",
    ],
)
def test_bad_filters_are_invalid_parameter(server, people, expression):
    rejected(server, "ListUsers", {"UserPoolId": people["pool_id"], "Filter": expression}, "InvalidParameterException")


def test_attributes_to_get_limits_the_attributes(server, people):
    users = server.admin.list_users(UserPoolId=people["pool_id"], AttributesToGet=["given_name"], Filter='username ^= "a"')["Users"]
    for u in users:
        assert [a["Name"] for a in u["Attributes"]] == ["given_name"]
        assert u["UserStatus"] and "Enabled" in u


def test_attributes_to_get_unknown_attribute_is_refused(server, people):
    rejected(server, "ListUsers", {"UserPoolId": people["pool_id"], "AttributesToGet": ["shoe_size"]}, "InvalidParameterException")


def test_pagination_visits_every_user_once(server, make_user):
    pool = create_pool(server)
    made = {make_user(pool) for _ in range(5)}
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = server.admin.list_users(UserPoolId=pool["pool_id"], Limit=2, **({"PaginationToken": token} if token else {}))
        assert len(page["Users"]) <= 2
        seen += [u["Username"] for u in page["Users"]]
        pages += 1
        token = page.get("PaginationToken")
        if not token:
            break
    assert sorted(seen) == sorted(made) and pages == 3


def test_pagination_with_a_filter(server, make_user):
    pool = create_pool(server)
    for i in range(4):
        make_user(pool, f"team-{i}")
    make_user(pool, "other")
    first = server.admin.list_users(UserPoolId=pool["pool_id"], Limit=3, Filter='username ^= "team-"')
    second = server.admin.list_users(UserPoolId=pool["pool_id"], Limit=3, Filter='username ^= "team-"',
                                     PaginationToken=first["PaginationToken"])
    assert sorted(u["Username"] for u in first["Users"] + second["Users"]) == [f"team-{i}" for i in range(4)]
    assert "PaginationToken" not in second


def _token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", ["garbage", "%%%", _token({"a": 1}), _token([1, 2]), _token(["not-a-user-key"]), _token([True])])
def test_bad_pagination_token_is_invalid_parameter(server, people, token):
    rejected(server, "ListUsers", {"UserPoolId": people["pool_id"], "PaginationToken": token}, "InvalidParameterException")


def test_limit_above_sixty_is_refused(server, people):
    rejected(server, "ListUsers", {"UserPoolId": people["pool_id"], "Limit": 61}, "InvalidParameterException", message="60")


def test_list_users_of_an_unknown_pool(server):
    rejected(server, "ListUsers", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")


def test_users_of_other_pools_are_not_listed(server, people, make_user):
    other = create_pool(server)
    make_user(other, "ada")
    assert names(server, people, Filter='username = "ada"') == ["ada"]
    assert len(ok(server, "ListUsers", {"UserPoolId": other["pool_id"]})["Users"]) == 1
