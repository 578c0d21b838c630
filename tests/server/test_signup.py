"""Sign-up: SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    PASSWORD,
    code_attempts,
    expire_codes,
    ok,
    outbox_for,
    rejected,
    rejected_recording,
    rpc,
    secret_hash,
    state,
    unique,
    user_column,
)


def sign_up(pool: dict[str, Any], username: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    body = {"ClientId": pool["client_id"], "Username": username, "Password": password, **extra}
    if pool.get("client_secret") and "SecretHash" not in extra:
        body["SecretHash"] = secret_hash(pool["client_secret"], username, pool["client_id"])
    if "UserAttributes" not in extra and "@" not in username:
        body["UserAttributes"] = [{"Name": "email", "Value": f"{username}@example.com"}]
    return body


def confirm(pool: dict[str, Any], username: str, code: str, **extra: Any) -> dict[str, Any]:
    body = {"ClientId": pool["client_id"], "Username": username, "ConfirmationCode": code, **extra}
    if pool.get("client_secret") and "SecretHash" not in extra:
        body["SecretHash"] = secret_hash(pool["client_secret"], username, pool["client_id"])
    return body


def status(server, pool, username) -> str:
    return str(server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"])


def attrs(server, pool, username) -> dict[str, str]:
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in got}


# ------------------------------------------------------------------ SignUp


def test_sign_up_creates_an_unconfirmed_user_and_sends_a_code(server, pool):
    username = unique()
    out = ok(server, "SignUp", sign_up(pool, username))
    assert out["UserConfirmed"] is False
    assert re.fullmatch(r"[0-9a-f-]{36}", out["UserSub"])
    assert out["CodeDeliveryDetails"] == {"Destination": f"{username[0]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    (message,) = outbox_for(server, pool["pool_id"], username)
    assert message["kind"] == "SIGN_UP" and message["destination"] == f"{username}@example.com"
    assert re.fullmatch(r"\d{6}", message["code"]) and message["code"] in message["message"]
    assert status(server, pool, username) == "UNCONFIRMED"
    assert attrs(server, pool, username)["sub"] == out["UserSub"]


def test_confirm_sign_up_confirms_and_verifies_the_address(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    assert ok(server, "ConfirmSignUp", confirm(pool, username, server.last_code(username, "SIGN_UP"))) == {}
    assert status(server, pool, username) == "CONFIRMED"
    assert attrs(server, pool, username)["email_verified"] == "true"
    r = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    assert r["AuthenticationResult"]["AccessToken"]


def test_sign_up_without_auto_verified_attributes_sends_nothing(server):
    pool = create_pool(server, AutoVerifiedAttributes=[])
    username = unique()
    out = ok(server, "SignUp", sign_up(pool, username))
    assert "CodeDeliveryDetails" not in out
    assert outbox_for(server, pool["pool_id"]) == []


def test_sign_up_with_phone_verification_sends_an_sms(server):
    pool = create_pool(server, AutoVerifiedAttributes=["phone_number"])
    username = unique()
    out = ok(server, "SignUp", sign_up(pool, username, UserAttributes=[{"Name": "phone_number", "Value": "+15555550123"}]))
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    assert out["CodeDeliveryDetails"]["AttributeName"] == "phone_number"
    assert out["CodeDeliveryDetails"]["Destination"].endswith("0123") and "555555" not in out["CodeDeliveryDetails"]["Destination"]


def test_existing_username_is_username_exists(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    rejected(server, "SignUp", sign_up(pool, username, password="Other-passw0rd"), "UsernameExistsException",
             message="already exists")


@pytest.mark.parametrize(
    "password,message",
    [
        ("Sh0rt!", "not long enough"),
        ("alllower1!", "uppercase"),
        ("ALLUPPER1!", "lowercase"),
        ("NoDigits!!", "numeric"),
        ("NoSymbols11", "symbol"),
    ],
)
def test_password_policy_violations_are_invalid_password(server, pool, password, message):
    rejected(server, "SignUp", sign_up(pool, unique(), password=password), "InvalidPasswordException", message=message)


def test_pool_password_policy_applies(server):
    pool = create_pool(server, Policies={"PasswordPolicy": {"MinimumLength": 6, "RequireSymbols": False,
                                                              "RequireUppercase": False, "RequireNumbers": False}})
    assert ok(server, "SignUp", sign_up(pool, unique(), password="simple"))["UserSub"]
    rejected(server, "SignUp", sign_up(pool, unique(), password="SIMPLE"), "InvalidPasswordException", message="lowercase")


def test_sign_up_without_a_password_is_refused(server, pool):
    """Passwordless sign-up needs passwordless sign-in, which this pool does not offer."""
    body = sign_up(pool, unique())
    del body["Password"]
    rejected(server, "SignUp", body, "InvalidParameterException")


def test_unknown_attribute_is_refused(server, pool):
    body = sign_up(pool, unique(), UserAttributes=[{"Name": "favourite_colour", "Value": "green"}])
    rejected(server, "SignUp", body, "InvalidParameterException", message="favourite_colour")


def test_invalid_email_is_refused(server, pool):
    body = sign_up(pool, unique(), UserAttributes=[{"Name": "email", "Value": "not-an-email"}])
    rejected(server, "SignUp", body, "InvalidParameterException", message="email")


def test_missing_required_attribute_is_refused(server):
    pool = create_pool(server, Schema=[{"Name": "given_name", "AttributeDataType": "String", "Required": True, "Mutable": True}])
    rejected(server, "SignUp", sign_up(pool, unique()), "InvalidParameterException", message="given_name")
    username = unique()
    attributes = [{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "given_name", "Value": "Ada"}]
    assert ok(server, "SignUp", sign_up(pool, username, UserAttributes=attributes))["UserSub"]


def test_custom_attribute_constraints_apply(server):
    pool = create_pool(server, Schema=[
        {"Name": "team", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "4"}},
        {"Name": "age", "AttributeDataType": "Number"},
    ])
    rejected(server, "SignUp", sign_up(pool, unique(), UserAttributes=[{"Name": "custom:team", "Value": "toolong"}]),
             "InvalidParameterException")
    rejected(server, "SignUp", sign_up(pool, unique(), UserAttributes=[{"Name": "custom:age", "Value": "old"}]),
             "InvalidParameterException")
    username = unique()
    ok(server, "SignUp", sign_up(pool, username, UserAttributes=[{"Name": "custom:team", "Value": "red"}, {"Name": "custom:age", "Value": "7"}]))
    assert attrs(server, pool, username)["custom:team"] == "red"


def test_sub_cannot_be_chosen(server, pool):
    body = sign_up(pool, unique(), UserAttributes=[{"Name": "sub", "Value": "mine"}])
    rejected(server, "SignUp", body, "InvalidParameterException")


def test_sign_up_is_refused_when_only_admins_create_users(server):
    pool = create_pool(server, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    rejected(server, "SignUp", sign_up(pool, unique()), "NotAuthorizedException", message="not permitted")


def test_client_write_attributes_limit_sign_up(server):
    pool = create_pool(server, client_args={"WriteAttributes": ["email"]})
    body = sign_up(pool, unique(), UserAttributes=[{"Name": "given_name", "Value": "Ada"}])
    rejected(server, "SignUp", body, "NotAuthorizedException", message="given_name")


def test_secret_hash_is_required_for_a_client_with_a_secret(server):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    username = unique()
    rejected(server, "SignUp", sign_up(pool, username, SecretHash=None), "NotAuthorizedException", message="SECRET_HASH")
    wrong = secret_hash(pool["client_secret"], "someone-else", pool["client_id"])
    rejected(server, "SignUp", sign_up(pool, username, SecretHash=wrong), "NotAuthorizedException", message="secret hash")
    ok(server, "SignUp", sign_up(pool, username))
    code = server.last_code(username, "SIGN_UP")
    rejected(server, "ConfirmSignUp", confirm(pool, username, code, SecretHash=None), "NotAuthorizedException")
    resend = {"ClientId": pool["client_id"], "Username": username}
    rejected(server, "ResendConfirmationCode", resend, "NotAuthorizedException")
    ok(server, "ResendConfirmationCode", {**resend, "SecretHash": secret_hash(pool["client_secret"], username, pool["client_id"])})
    ok(server, "ConfirmSignUp", confirm(pool, username, server.last_code(username, "RESEND")))


def test_username_attribute_pool_signs_up_with_email_and_makes_a_uuid_username(server):
    pool = create_pool(server, UsernameAttributes=["email"])
    email = f"{unique()}@example.com"
    out = ok(server, "SignUp", sign_up(pool, email, UserAttributes=[]))
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=email)
    assert user["Username"] == out["UserSub"]
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == email
    ok(server, "ConfirmSignUp", confirm(pool, email, server.last_code(out["UserSub"], "SIGN_UP")))
    r = server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    assert r["AuthenticationResult"]["AccessToken"]


def test_username_attribute_pool_refuses_a_plain_username(server):
    pool = create_pool(server, UsernameAttributes=["email"])
    rejected(server, "SignUp", sign_up(pool, "plainname", UserAttributes=[]), "InvalidParameterException", message="email")


def test_username_attribute_pool_refuses_a_duplicate_email(server):
    """In a pool that signs in with e-mail (UsernameAttributes), SignUp and AdminCreateUser with an
    e-mail another user has (confirmed or not) answer UsernameExistsException "An account with the
    given email already exists." (Cognito's answer to SignUp, quoted in "Cognito User Stuck In
    UNCONFIRMED State", vbhv4webdev-portfolio.vercel.app). Nothing is created."""
    pool = create_pool(server, UsernameAttributes=["email"])
    email = f"{unique()}@example.com"
    exact = "^An account with the given email already exists\\.$"
    ok(server, "SignUp", sign_up(pool, email, UserAttributes=[]))
    rejected(server, "SignUp", sign_up(pool, email, UserAttributes=[]), "UsernameExistsException", message=exact)
    rejected(server, "SignUp", sign_up(pool, email.upper(), UserAttributes=[]), "UsernameExistsException", message=exact)
    rejected(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": email, "MessageAction": "SUPPRESS"},
             "UsernameExistsException", message=exact)


def test_alias_pool_refuses_an_email_shaped_username(server):
    pool = create_pool(server, AliasAttributes=["email"])
    rejected(server, "SignUp", sign_up(pool, "bob@example.com", UserAttributes=[]), "InvalidParameterException", message="email")


def test_case_insensitive_pool_treats_usernames_alike(server):
    pool = create_pool(server, UsernameConfiguration={"CaseSensitive": False})
    username = unique("Mixed")
    ok(server, "SignUp", sign_up(pool, username))
    rejected(server, "SignUp", sign_up(pool, username.upper()), "UsernameExistsException")
    ok(server, "ConfirmSignUp", confirm(pool, username.lower(), server.last_code(username, "SIGN_UP")))
    assert status(server, pool, username.swapcase()) == "CONFIRMED"


def test_case_sensitive_pool_keeps_usernames_apart(server, pool):
    username = unique("Mixed")
    ok(server, "SignUp", sign_up(pool, username))
    ok(server, "SignUp", sign_up(pool, username.upper()))
    rejected(server, "AdminGetUser", {"UserPoolId": pool["pool_id"], "Username": username.lower()}, "UserNotFoundException")


def test_concurrent_sign_ups_of_one_username_give_one_success(server, pool):
    username = unique()
    body = sign_up(pool, username)
    results: list[httpx.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def attempt() -> None:
        barrier.wait()
        r = rpc(server, "SignUp", body)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted((r.status_code, r.headers.get("x-amzn-ErrorType")) for r in results)
    assert codes == [(200, None)] + [(400, "UsernameExistsException")] * 11, codes
    listed = server.admin.list_users(UserPoolId=pool["pool_id"], Filter=f'username = "{username}"')["Users"]
    assert len(listed) == 1


# ------------------------------------------------------------------ ConfirmSignUp


def test_wrong_code_is_code_mismatch_and_counts_the_attempt(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    code = server.last_code(username, "SIGN_UP")
    wrong = "000000" if code != "000000" else "111111"
    rejected_recording(server, "ConfirmSignUp", confirm(pool, username, wrong), "CodeMismatchException", tables={"codes"})
    assert code_attempts(server, pool["pool_id"], username) == [1]
    assert status(server, pool, username) == "UNCONFIRMED"
    ok(server, "ConfirmSignUp", confirm(pool, username, code))


def test_too_many_wrong_codes_lock_the_code(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    code = server.last_code(username, "SIGN_UP")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        rpc(server, "ConfirmSignUp", confirm(pool, username, wrong))
    rejected(server, "ConfirmSignUp", confirm(pool, username, code), "LimitExceededException")
    ok(server, "ResendConfirmationCode", {"ClientId": pool["client_id"], "Username": username})
    ok(server, "ConfirmSignUp", confirm(pool, username, server.last_code(username, "RESEND")))


def test_expired_code_is_expired_code(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    expire_codes(server, pool["pool_id"], username)
    rejected(server, "ConfirmSignUp", confirm(pool, username, server.last_code(username, "SIGN_UP")), "ExpiredCodeException")
    assert status(server, pool, username) == "UNCONFIRMED"


def test_code_expires_after_a_day(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    from tests.server.helpers import query, user_id

    (created, expires), = query(server, "SELECT created_at, expires_at FROM codes WHERE user_id = ?",
                                user_id(server, pool["pool_id"], username))
    assert round(expires - created) == 24 * 3600


def test_confirming_twice_is_not_authorized(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    code = server.last_code(username, "SIGN_UP")
    ok(server, "ConfirmSignUp", confirm(pool, username, code))
    rejected(server, "ConfirmSignUp", confirm(pool, username, code), "NotAuthorizedException", message="CONFIRMED")


def test_confirm_unknown_user_legacy_is_user_not_found(server, pool):
    rejected(server, "ConfirmSignUp", confirm(pool, unique(), "123456"), "UserNotFoundException")


def test_confirm_unknown_user_with_prevented_existence_errors_is_code_mismatch(server):
    pool = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    rejected(server, "ConfirmSignUp", confirm(pool, unique(), "123456"), "CodeMismatchException")


def test_confirm_with_alias_taken_by_another_user_is_alias_exists(server, make_user):
    pool = create_pool(server, AliasAttributes=["email"])
    email = f"{unique()}@example.com"
    holder = make_user(pool, attributes={"email": email})
    username = unique()
    ok(server, "SignUp", sign_up(pool, username, UserAttributes=[{"Name": "email", "Value": email}]))
    code = server.last_code(username, "SIGN_UP")
    # Cognito: AliasExistsException "An account with the email already exists." (no "given": the text
    # app code matches on when an existing user takes an e-mail another holds); still unconfirmed after
    rejected(server, "ConfirmSignUp", confirm(pool, username, code), "AliasExistsException",
             message="^An account with the email already exists\\.$")
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "UNCONFIRMED"
    ok(server, "ConfirmSignUp", confirm(pool, username, code, ForceAliasCreation=True))
    assert attrs(server, pool, holder)["email_verified"] == "false"
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=email)["Username"] == username


# ------------------------------------------------------------------ ResendConfirmationCode


def test_resend_replaces_the_code(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    first = server.last_code(username, "SIGN_UP")
    out = ok(server, "ResendConfirmationCode", {"ClientId": pool["client_id"], "Username": username})
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    second = server.last_code(username, "RESEND")
    if first != second:
        rejected_recording(server, "ConfirmSignUp", confirm(pool, username, first), "CodeMismatchException", tables={"codes"})
    ok(server, "ConfirmSignUp", confirm(pool, username, second))


def test_resend_for_a_confirmed_user_is_refused(server, pool, user):
    rejected(server, "ResendConfirmationCode", {"ClientId": pool["client_id"], "Username": user}, "InvalidParameterException",
             message="already confirmed")


def test_resend_unknown_user_legacy_is_user_not_found(server, pool):
    rejected(server, "ResendConfirmationCode", {"ClientId": pool["client_id"], "Username": unique()}, "UserNotFoundException")


def test_resend_unknown_user_with_prevented_existence_errors_simulates_delivery(server):
    pool = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    username = unique()
    before = state(server)
    first = ok(server, "ResendConfirmationCode", {"ClientId": pool["client_id"], "Username": username})
    again = ok(server, "ResendConfirmationCode", {"ClientId": pool["client_id"], "Username": username})
    assert state(server) == before
    assert first == again
    assert first["CodeDeliveryDetails"]["DeliveryMedium"] in ("EMAIL", "SMS")
    assert outbox_for(server, pool["pool_id"]) == []


# ------------------------------------------------------------------ AdminConfirmSignUp


def test_admin_confirm_sign_up(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    server.admin.admin_confirm_sign_up(UserPoolId=pool["pool_id"], Username=username)
    assert status(server, pool, username) == "CONFIRMED"
    assert user_column(server, pool["pool_id"], username, "status") == "CONFIRMED"


def test_admin_confirm_of_a_confirmed_user_is_not_authorized(server, pool, user):
    rejected(server, "AdminConfirmSignUp", {"UserPoolId": pool["pool_id"], "Username": user}, "NotAuthorizedException",
             message="Current status is CONFIRMED")


def test_unconfirmed_user_cannot_sign_in(server, pool):
    username = unique()
    ok(server, "SignUp", sign_up(pool, username))
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD}}
    rejected(server, "InitiateAuth", body, "UserNotConfirmedException")


def test_users_cannot_mark_their_own_address_verified(server, make_user):
    """Only an administrator may set *_verified: a self-verified e-mail alias would take it from its owner."""
    pool = create_pool(server, AliasAttributes=["email"])
    for flag in ("email_verified", "phone_number_verified"):
        attributes = [{"Name": "email", "Value": f"{unique()}@example.com"}, {"Name": flag, "Value": "true"}]
        rejected(server, "SignUp", sign_up(pool, unique(), UserAttributes=attributes), "NotAuthorizedException",
                 message="unauthorized attribute")
