"""Sign-up, confirmation, auto sign-in, passwords, attributes and deletion over HTTP."""

from __future__ import annotations

import pytest

from userpool.auth import errors

PASSWORD = "Passw0rd!"


def _events(client):
    seen: list[str] = []
    client.hub.listen("auth", lambda c: seen.append(c.payload.event))
    return seen


def test_sign_up_confirm_resend(connect, server, pool, unique):
    client = connect(pool)
    seen = _events(client)
    username = unique("su")
    out = client.sign_up(username=username, password=PASSWORD, options={"user_attributes": {"email": f"{username}@example.com"}})
    assert not out.is_sign_up_complete and out.user_id
    assert out.next_step.sign_up_step == "CONFIRM_SIGN_UP"
    details = out.next_step.code_delivery_details
    assert details.delivery_medium == "EMAIL" and details.attribute_name == "email" and "@" in details.destination
    first = server.last_code(username)
    again = client.resend_sign_up_code(username)
    assert again.delivery_medium == "EMAIL"
    second = server.last_code(username)
    with pytest.raises(errors.CodeMismatchException):
        client.confirm_sign_up(username, "000000" if second != "000000" else "111111")
    confirmed = client.confirm_sign_up(username, second)
    assert confirmed.is_sign_up_complete and confirmed.next_step.sign_up_step == "DONE"
    assert seen == ["signUp"]
    assert client.sign_in(username, PASSWORD).is_signed_in
    assert first  # the first code existed too
    with pytest.raises(errors.UsernameExistsException):
        client.sign_up(username, PASSWORD, {"user_attributes": {"email": f"{username}@example.com"}})


def test_sign_up_with_auto_sign_in(connect, server, pool, unique):
    client = connect(pool)
    seen = _events(client)
    username = unique("auto")
    with pytest.raises(errors.AutoSignInException):
        client.auto_sign_in()
    out = client.sign_up(username, PASSWORD, {"user_attributes": {"email": f"{username}@example.com"}, "autoSignIn": True})
    assert out.next_step.sign_up_step == "CONFIRM_SIGN_UP"
    confirmed = client.confirm_sign_up(username, server.last_code(username))
    assert confirmed.next_step.sign_up_step == "COMPLETE_AUTO_SIGN_IN"
    result = client.auto_sign_in()
    assert result.is_signed_in
    assert client.get_current_user().username == username
    assert seen == ["signUp", "signedIn", "autoSignIn"]
    with pytest.raises(errors.AutoSignInException):  # used once, then forgotten
        client.auto_sign_in()


def test_update_password(connect, pool, make_user):
    username = make_user(pool)
    client = connect(pool)
    with pytest.raises(errors.UserUnAuthenticatedException):
        client.update_password(PASSWORD, "N3w-Passw0rd!")
    client.sign_in(username, PASSWORD)
    with pytest.raises(errors.NotAuthorizedException):
        client.update_password("wrong-Passw0rd!", "N3w-Passw0rd!")
    client.update_password(PASSWORD, "N3w-Passw0rd!")
    client.sign_out()
    with pytest.raises(errors.NotAuthorizedException):
        client.sign_in(username, PASSWORD)
    assert client.sign_in(username, "N3w-Passw0rd!").is_signed_in


def test_user_attributes(connect, server, unique):
    from client_helpers import make_pool

    pool = make_pool(server, Schema=[{"Name": "nickname", "AttributeDataType": "String", "Mutable": True},
                                     {"Name": "team", "AttributeDataType": "String", "Mutable": True}])
    username = unique("attr")
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    attrs = client.fetch_user_attributes()
    assert attrs["email"] == f"{username}@example.com" and attrs["email_verified"] == "true" and attrs["sub"]
    result = client.update_user_attributes({"nickname": "al", "custom:team": "blue", "email": f"new-{username}@example.com"})
    assert result["nickname"].is_updated and result["nickname"].next_step.update_attribute_step == "DONE"
    assert result["custom:team"].is_updated
    assert not result["email"].is_updated
    assert result["email"].next_step.update_attribute_step == "CONFIRM_ATTRIBUTE_WITH_CODE"
    assert result["email"].next_step.code_delivery_details.attribute_name == "email"
    code = server.last_code(username)
    client.confirm_user_attribute("email", code)
    attrs = client.fetch_user_attributes()
    assert attrs["email"] == f"new-{username}@example.com" and attrs["email_verified"] == "true"
    assert attrs["nickname"] == "al" and attrs["custom:team"] == "blue"
    sent = client.send_user_attribute_verification_code("email")
    assert sent.delivery_medium == "EMAIL" and sent.attribute_name == "email"
    with pytest.raises(errors.CodeMismatchException):
        client.confirm_user_attribute("email", "000000" if server.last_code(username) != "000000" else "111111")
    client.confirm_user_attribute("email", server.last_code(username))
    client.delete_user_attributes(["nickname"])
    assert "nickname" not in client.fetch_user_attributes()


def test_delete_user(connect, server, pool, make_user):
    username = make_user(pool)
    client = connect(pool)
    seen = _events(client)
    client.sign_in(username, PASSWORD)
    client.delete_user()
    assert client.fetch_auth_session().tokens is None
    assert seen == ["signedIn", "signedOut"]
    with pytest.raises((errors.NotAuthorizedException, errors.UserNotFoundException)):
        client.sign_in(username, PASSWORD)
    with pytest.raises(server.admin.exceptions.UserNotFoundException):
        server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
