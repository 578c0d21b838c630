"""Groups: Create/Get/Update/Delete/ListGroups, membership, ListUsersInGroup,
AdminListGroupsForUser, and the ``cognito:groups`` claim ordered by precedence."""

from __future__ import annotations

import pytest

from tests.conftest import create_pool
from tests.server.helpers import UNKNOWN_POOL, claims, ok, rejected, tokens_for, unique

ROLE = "arn:aws:iam::123456789012:role/{}"


def group(pool: dict, name: str, **extra) -> dict:
    return {"UserPoolId": pool["pool_id"], "GroupName": name, **extra}


def test_create_and_get_group(server, pool):
    created = ok(server, "CreateGroup", group(pool, "staff", Description="Staff", Precedence=3, RoleArn=ROLE.format("staff")))["Group"]
    assert created["GroupName"] == "staff" and created["UserPoolId"] == pool["pool_id"]
    assert created["Description"] == "Staff" and created["Precedence"] == 3 and created["RoleArn"] == ROLE.format("staff")
    assert "CreationDate" in created and "LastModifiedDate" in created
    assert ok(server, "GetGroup", group(pool, "staff"))["Group"] == created


def test_duplicate_group_is_group_exists(server, pool):
    ok(server, "CreateGroup", group(pool, "staff"))
    rejected(server, "CreateGroup", group(pool, "staff", Precedence=1), "GroupExistsException")


def test_same_group_name_in_two_pools(server, pool):
    from tests.conftest import create_pool

    other = create_pool(server)
    ok(server, "CreateGroup", group(pool, "staff"))
    ok(server, "CreateGroup", group(other, "staff"))


def test_group_validation(server, pool):
    rejected(server, "CreateGroup", group(pool, "bad", RoleArn="not-an-arn"), "InvalidParameterException")
    rejected(server, "CreateGroup", group(pool, "bad", Precedence=-1), "InvalidParameterException")
    rejected(server, "CreateGroup", group(pool, "g" * 129), "InvalidParameterException")


def test_unknown_group(server, pool, user):
    for op in ("GetGroup", "UpdateGroup", "DeleteGroup", "ListUsersInGroup"):
        rejected(server, op, group(pool, "nope"), "ResourceNotFoundException")
    for op in ("AdminAddUserToGroup", "AdminRemoveUserFromGroup"):
        rejected(server, op, group(pool, "nope", Username=user), "ResourceNotFoundException")


def test_update_group_changes_only_what_it_names(server, pool):
    ok(server, "CreateGroup", group(pool, "staff", Description="old", Precedence=5))
    updated = ok(server, "UpdateGroup", group(pool, "staff", Precedence=1))["Group"]
    assert updated["Precedence"] == 1 and updated["Description"] == "old"
    assert ok(server, "GetGroup", group(pool, "staff"))["Group"]["Precedence"] == 1


def test_membership_and_listings(server, pool, make_user):
    ada, alan = make_user(pool), make_user(pool)
    for name in ("a-team", "b-team"):
        ok(server, "CreateGroup", group(pool, name))
    ok(server, "AdminAddUserToGroup", group(pool, "a-team", Username=ada))
    ok(server, "AdminAddUserToGroup", group(pool, "a-team", Username=ada))  # idempotent
    ok(server, "AdminAddUserToGroup", group(pool, "b-team", Username=ada))
    ok(server, "AdminAddUserToGroup", group(pool, "b-team", Username=alan))
    listed = ok(server, "AdminListGroupsForUser", {"UserPoolId": pool["pool_id"], "Username": ada})["Groups"]
    assert sorted(g["GroupName"] for g in listed) == ["a-team", "b-team"]
    members = ok(server, "ListUsersInGroup", group(pool, "b-team"))["Users"]
    assert sorted(u["Username"] for u in members) == sorted([ada, alan])
    assert all(u["UserStatus"] == "CONFIRMED" for u in members)
    ok(server, "AdminRemoveUserFromGroup", group(pool, "b-team", Username=ada))
    assert [u["Username"] for u in ok(server, "ListUsersInGroup", group(pool, "b-team"))["Users"]] == [alan]


def test_list_groups_pages(server, pool):
    made = [f"g{i}" for i in range(5)]
    for name in made:
        ok(server, "CreateGroup", group(pool, name))
    seen: list[str] = []
    token = None
    while True:
        page = ok(server, "ListGroups", {"UserPoolId": pool["pool_id"], "Limit": 2, **({"NextToken": token} if token else {})})
        assert len(page["Groups"]) <= 2
        seen += [g["GroupName"] for g in page["Groups"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == made


def test_list_users_in_group_pages(server, pool, make_user):
    ok(server, "CreateGroup", group(pool, "crowd"))
    made = {make_user(pool, groups=["crowd"]) for _ in range(3)}
    first = ok(server, "ListUsersInGroup", group(pool, "crowd", Limit=2))
    second = ok(server, "ListUsersInGroup", group(pool, "crowd", Limit=2, NextToken=first["NextToken"]))
    assert {u["Username"] for u in first["Users"] + second["Users"]} == made
    assert "NextToken" not in second


def test_bad_group_list_tokens(server, pool, user):
    ok(server, "CreateGroup", group(pool, "g"))
    rejected(server, "ListGroups", {"UserPoolId": pool["pool_id"], "NextToken": "junk"}, "InvalidParameterException")
    rejected(server, "ListUsersInGroup", group(pool, "g", NextToken="junk"), "InvalidParameterException")
    rejected(server, "AdminListGroupsForUser", {"UserPoolId": pool["pool_id"], "Username": user, "NextToken": "junk"},
             "InvalidParameterException")


def test_groups_claim_is_ordered_by_precedence(server, pool, make_user):
    for name, precedence in (("zeta", 1), ("alpha", 5), ("mid", 3), ("none", None)):
        ok(server, "CreateGroup", group(pool, name, **({"Precedence": precedence} if precedence is not None else {}),
                                        RoleArn=ROLE.format(name)))
    username = make_user(pool, groups=["alpha", "none", "zeta", "mid"])
    result = tokens_for(server, pool, username)
    access, id_token = claims(result["AccessToken"]), claims(result["IdToken"])
    assert access["cognito:groups"] == ["zeta", "mid", "alpha", "none"]
    assert id_token["cognito:groups"] == ["zeta", "mid", "alpha", "none"]
    assert id_token["cognito:preferred_role"] == ROLE.format("zeta")
    assert id_token["cognito:roles"][0] == ROLE.format("zeta") and len(id_token["cognito:roles"]) == 4


def test_no_groups_no_groups_claim(server, pool, user):
    result = tokens_for(server, pool, user)
    assert "cognito:groups" not in claims(result["AccessToken"]) and "cognito:groups" not in claims(result["IdToken"])


def test_membership_changes_show_in_the_next_tokens(server, pool, make_user):
    ok(server, "CreateGroup", group(pool, "staff"))
    username = make_user(pool)
    first = tokens_for(server, pool, username)
    ok(server, "AdminAddUserToGroup", group(pool, "staff", Username=username))
    refreshed = server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=first["RefreshToken"])
    assert claims(refreshed["AuthenticationResult"]["AccessToken"])["cognito:groups"] == ["staff"]


@pytest.mark.parametrize("rotation", [False, True], ids=["read", "rotating"])
def test_a_refresh_issues_the_groups_roles_and_attributes_of_now(server, make_user, rotation):
    # A plain refresh reads the token, the user's groups and attributes in one statement; a
    # rotating one (a transaction, the token's row locked) reads them apart: the same claims.
    extra = {"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}} if rotation else {}
    pool = create_pool(server, client_args=extra)
    other = make_user(pool, attributes={"given_name": "Other"}, groups=["elsewhere"])
    username = make_user(pool, attributes={"given_name": "Ada"})
    first = tokens_for(server, pool, username)
    ok(server, "CreateGroup", group(pool, "low", Precedence=9, RoleArn=ROLE.format("low")))
    ok(server, "CreateGroup", group(pool, "high", Precedence=1, RoleArn=ROLE.format("high")))
    for name in ("low", "high"):
        ok(server, "AdminAddUserToGroup", group(pool, name, Username=username))
    ok(server, "AdminUpdateUserAttributes", {"UserPoolId": pool["pool_id"], "Username": username,
                                             "UserAttributes": [{"Name": "family_name", "Value": "Lovelace"}]})
    ok(server, "AdminDeleteUserAttributes", {"UserPoolId": pool["pool_id"], "Username": username,
                                             "UserAttributeNames": ["given_name"]})
    refreshed = server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=first["RefreshToken"])
    result = refreshed["AuthenticationResult"]
    assert ("RefreshToken" in result) is rotation
    access, id_token = claims(result["AccessToken"]), claims(result["IdToken"])
    assert access["cognito:groups"] == id_token["cognito:groups"] == ["high", "low"]
    assert id_token["cognito:roles"] == [ROLE.format("high"), ROLE.format("low")]
    assert id_token["cognito:preferred_role"] == ROLE.format("high")
    assert id_token["family_name"] == "Lovelace" and "given_name" not in id_token
    assert id_token["email"] == f"{username}@example.com" and id_token["cognito:username"] == username
    assert claims(tokens_for(server, pool, other)["IdToken"])["cognito:groups"] == ["elsewhere"]


def test_deleting_a_group_removes_its_memberships(server, pool, make_user):
    ok(server, "CreateGroup", group(pool, "temp"))
    username = make_user(pool, groups=["temp"])
    ok(server, "DeleteGroup", group(pool, "temp"))
    rejected(server, "GetGroup", group(pool, "temp"), "ResourceNotFoundException")
    assert ok(server, "AdminListGroupsForUser", {"UserPoolId": pool["pool_id"], "Username": username})["Groups"] == []
    assert "cognito:groups" not in claims(tokens_for(server, pool, username)["AccessToken"])
    ok(server, "CreateGroup", group(pool, "temp"))
    assert ok(server, "ListUsersInGroup", group(pool, "temp"))["Users"] == []


def test_deleting_a_user_removes_its_memberships(server, pool, make_user):
    ok(server, "CreateGroup", group(pool, "staff"))
    username = make_user(pool, groups=["staff"])
    server.admin.admin_delete_user(UserPoolId=pool["pool_id"], Username=username)
    assert ok(server, "ListUsersInGroup", group(pool, "staff"))["Users"] == []


def test_groups_of_an_unknown_pool(server):
    rejected(server, "ListGroups", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")
    rejected(server, "CreateGroup", {"UserPoolId": UNKNOWN_POOL, "GroupName": unique()}, "ResourceNotFoundException")


def test_preferred_role_is_the_best_placed_group_role(server, pool, make_user):
    ok(server, "CreateGroup", group(pool, "no-role", Precedence=0))
    ok(server, "CreateGroup", group(pool, "reader", Precedence=2, RoleArn=ROLE.format("reader")))
    ok(server, "CreateGroup", group(pool, "writer", Precedence=4, RoleArn=ROLE.format("writer")))
    token = claims(tokens_for(server, pool, make_user(pool, groups=["writer", "reader", "no-role"]))["IdToken"])
    assert token["cognito:preferred_role"] == ROLE.format("reader")
    assert token["cognito:roles"] == [ROLE.format("reader"), ROLE.format("writer")]


def test_groups_tied_with_different_roles_prefer_none(server, pool, make_user):
    """Cognito: two groups of equal precedence with different roles leave cognito:preferred_role out."""
    ok(server, "CreateGroup", group(pool, "left", Precedence=1, RoleArn=ROLE.format("left")))
    ok(server, "CreateGroup", group(pool, "right", Precedence=1, RoleArn=ROLE.format("right")))
    ok(server, "CreateGroup", group(pool, "same", Precedence=1, RoleArn=ROLE.format("left")))
    tied = claims(tokens_for(server, pool, make_user(pool, groups=["left", "right"]))["IdToken"])
    assert "cognito:preferred_role" not in tied and len(tied["cognito:roles"]) == 2
    same = claims(tokens_for(server, pool, make_user(pool, groups=["left", "same"]))["IdToken"])
    assert same["cognito:preferred_role"] == ROLE.format("left")
