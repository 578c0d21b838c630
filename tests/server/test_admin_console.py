"""The admin console (``serve --admin-console``) over plain HTTP: off by default, sign-in with
the admin key (wrong keys refused, then the address locked out), every page behind the
session, CSRF on every form (a forged POST changes nothing), values escaped in text and in
attributes, and each action being the wire operation (its errors shown, its audit line written)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = RunningServer(tmp_path_factory.mktemp("console"), "--admin-console")
    srv.start()
    yield srv
    srv.stop()


def browser(srv: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, follow_redirects=False, timeout=30)


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, html[:2000]
    return m.group(1)


def sign_in(client: httpx.Client, srv: RunningServer, secret: str | None = None) -> httpx.Response:
    key_id, real = srv.credentials()
    form = client.get("/admin/signin")
    assert form.status_code == 200
    return client.post("/admin/signin", data={"_csrf": csrf_of(form.text), "access_key_id": key_id,
                                              "secret_access_key": real if secret is None else secret})


@pytest.fixture
def admin(console_server: RunningServer) -> Iterator[httpx.Client]:
    with browser(console_server) as client:
        r = sign_in(client, console_server)
        assert r.status_code == 303, r.text
        yield client


@pytest.fixture
def console_pool(console_server: RunningServer) -> dict[str, Any]:
    return create_pool(console_server)


def make_user(srv: RunningServer, pool: dict[str, Any], **attrs: str) -> str:
    username = f"u-{uuid.uuid4().hex[:8]}"
    srv.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
                                UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()])
    return username


def user_page(client: httpx.Client, pool: dict[str, Any], username: str) -> httpx.Response:
    return client.get(f"/admin/pools/{pool['pool_id']}/user", params={"username": username})


def test_console_is_off_by_default(server: RunningServer) -> None:
    for path in ("/admin/", "/admin/signin", "/admin/pools"):
        assert httpx.get(server.url + path).status_code == 404
    assert httpx.post(server.url + "/admin/signin", data={"access_key_id": "x"}).status_code in (404, 405)


def test_unauthenticated_requests_go_to_sign_in(console_server: RunningServer, console_pool: dict[str, Any]) -> None:
    username = make_user(console_server, console_pool)
    with browser(console_server) as client:
        for path in ("/admin/", "/admin/pools", f"/admin/pools/{console_pool['pool_id']}/users"):
            r = client.get(path)
            assert r.status_code == 303
            assert r.headers["location"].startswith("/admin/signin")
        r = client.post(f"/admin/pools/{console_pool['pool_id']}/user", data={"username": username, "action": "disable"})
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin")
        client.cookies.set("userpool-console", "eyJrIjoiQUtJQSJ9.forged.sig")
        assert client.get("/admin/pools").status_code == 303
    assert console_server.admin.admin_get_user(UserPoolId=console_pool["pool_id"], Username=username)["Enabled"]


def test_sign_in_sets_a_strict_http_only_session_and_keeps_next_local(console_server: RunningServer) -> None:
    with browser(console_server) as client:
        page = client.get("/admin/signin", params={"next": "https://evil.example/x"})
        assert "evil.example" not in page.text
        r = sign_in(client, console_server)
        assert r.status_code == 303 and r.headers["location"] == "/admin/"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin" in cookie
        pools = client.get("/admin/pools")
        assert pools.status_code == 200 and "User pools" in pools.text
        assert "script-src" not in pools.headers["content-security-policy"]
        assert pools.headers["x-frame-options"] == "DENY"
        out = client.post("/admin/signout", data={"_csrf": csrf_of(pools.text)})
        assert out.status_code == 303
        assert client.get("/admin/pools").status_code == 303


def test_sign_in_form_needs_its_csrf_token(console_server: RunningServer) -> None:
    key_id, secret = console_server.credentials()
    with browser(console_server) as client:
        r = client.post("/admin/signin", data={"access_key_id": key_id, "secret_access_key": secret})
        assert r.status_code == 403
        assert "userpool-console" not in r.headers.get("set-cookie", "")


def test_post_without_csrf_is_refused_and_changes_nothing(console_server: RunningServer, admin: httpx.Client,
                                                          console_pool: dict[str, Any]) -> None:
    username = make_user(console_server, console_pool)
    before = console_server.snapshot()
    url = f"/admin/pools/{console_pool['pool_id']}/user"
    for form in ({"username": username, "action": "disable"},
                 {"username": username, "action": "delete", "_csrf": "forged"},
                 {"username": username, "action": "disable", "_csrf": admin.cookies["userpool-console"]}):
        r = admin.post(url, data=form)
        assert r.status_code == 403, r.text
        assert "did not come from this console" in r.text
    r = admin.post(f"/admin/pools/{console_pool['pool_id']}/groups", data={"action": "create", "group": "g"})
    assert r.status_code == 403
    assert console_server.snapshot() == before


def test_a_csrf_token_from_another_session_is_refused(console_server: RunningServer, admin: httpx.Client,
                                                      console_pool: dict[str, Any]) -> None:
    username = make_user(console_server, console_pool)
    with browser(console_server) as other:
        sign_in(other, console_server)
        token = csrf_of(other.get("/admin/pools").text)
    r = admin.post(f"/admin/pools/{console_pool['pool_id']}/user",
                   data={"username": username, "action": "disable", "_csrf": token})
    assert r.status_code == 403
    assert console_server.admin.admin_get_user(UserPoolId=console_pool["pool_id"], Username=username)["Enabled"]


def test_values_are_escaped_in_text_and_attributes(console_server: RunningServer, admin: httpx.Client) -> None:
    pool = create_pool(console_server, Schema=[
        {"Name": "note", "AttributeDataType": "String", "Mutable": True}])
    username = make_user(console_server, pool, email="x@example.com", **{"custom:note": XSS})
    group = 'g"><script>alert(3)</script>'
    console_server.admin.create_group(UserPoolId=pool["pool_id"], GroupName=group, Description="<b>bold</b>")
    page = user_page(admin, pool, username)
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text and "<img src=x" not in page.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' in page.text  # inert inside the attribute
    assert 'value="g&#34;&gt;&lt;script&gt;alert(3)' in page.text  # the add-to-group choice
    groups = admin.get(f"/admin/pools/{pool['pool_id']}/groups").text
    assert "<script>" not in groups and "<b>bold</b>" not in groups and "&lt;b&gt;bold&lt;/b&gt;" in groups
    search = admin.get(f"/admin/pools/{pool['pool_id']}/users", params={"filter": XSS})
    assert search.status_code == 400 and "<script>" not in search.text  # an unparsable filter, shown escaped


def test_wrong_admin_key_is_refused_then_the_address_is_locked(tmp_path: Any) -> None:
    srv = RunningServer(tmp_path / "data", "--admin-console")
    srv.start()
    try:
        with browser(srv) as client:
            for _ in range(5):
                r = sign_in(client, srv, secret="not-the-secret")
                assert r.status_code == 400 and "not correct" in r.text
                assert "userpool-console=" not in r.headers.get("set-cookie", "")
            r = sign_in(client, srv)  # the right key, but this address used up its tries
            assert r.status_code == 429 and "Too many failed sign-ins" in r.text
            assert client.get("/admin/pools").status_code == 303
        rows = srv.query("SELECT ip, failures FROM console_sign_in_failures ORDER BY ip")
        assert ("127.0.0.1", 5) in rows
        srv.execute("UPDATE console_sign_in_failures SET locked_until = 0, first_failed_at = 0")
        with browser(srv) as client:
            assert sign_in(client, srv).status_code == 303  # the lock ends; a success clears the count
        assert srv.query("SELECT failures FROM console_sign_in_failures WHERE ip = '127.0.0.1'") == []
        log = srv.log_path.read_text()
        assert "console_sign_in_failure" in log and "console_lockout" in log
        assert srv.credentials()[1] not in log and "not-the-secret" not in log
    finally:
        srv.stop()


def test_user_actions_are_the_wire_operations(console_server: RunningServer, admin: httpx.Client,
                                              console_pool: dict[str, Any]) -> None:
    pool_id = console_pool["pool_id"]
    username = make_user(console_server, console_pool, email="ann@example.com", email_verified="true")
    console_server.admin.create_group(UserPoolId=pool_id, GroupName="staff")
    url = f"/admin/pools/{pool_id}/user"

    def act(action: str, **extra: str) -> httpx.Response:
        token = csrf_of(user_page(admin, console_pool, username).text)
        return admin.post(url, data={"_csrf": token, "username": username, "action": action, **extra})

    assert act("disable").status_code == 303
    assert not console_server.admin.admin_get_user(UserPoolId=pool_id, Username=username)["Enabled"]
    assert act("enable").status_code == 303
    assert act("add_group", group="staff").status_code == 303
    groups = console_server.admin.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)["Groups"]
    assert [g["GroupName"] for g in groups] == ["staff"]
    refused = act("set_password", password="short")  # the pool's password policy, as the wire checks it
    assert refused.status_code == 400 and "InvalidPasswordException" in refused.text
    missing = act("add_group", group="no-such-group")
    assert missing.status_code == 400 and "ResourceNotFoundException" in missing.text
    assert act("set_password", password="Passw0rd!-Long", permanent="on").status_code == 303
    assert console_server.admin.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == "CONFIRMED"
    assert act("reset_password").status_code == 303, act("reset_password").text
    user = console_server.admin.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "RESET_REQUIRED"
    assert act("sign_out").status_code == 303
    assert act("bogus").status_code == 400
    log = console_server.log_path.read_text()
    assert '"op": "AdminDisableUser"' in log and '"op": "AdminAddUserToGroup"' in log
    assert '"event": "console_action_refused"' in log
    assert act("delete").status_code == 303
    with pytest.raises(console_server.admin.exceptions.UserNotFoundException):
        console_server.admin.admin_get_user(UserPoolId=pool_id, Username=username)


def test_model_validation_applies_to_console_input(console_server: RunningServer, admin: httpx.Client,
                                                   console_pool: dict[str, Any]) -> None:
    pool_id = console_pool["pool_id"]
    token = csrf_of(admin.get(f"/admin/pools/{pool_id}/users").text)
    r = admin.post(f"/admin/pools/{pool_id}/users", data={"_csrf": token, "username": "x" * 200})
    assert r.status_code == 400 and "InvalidParameterException" in r.text and "length less than or equal to 128" in r.text
    r = admin.post(f"/admin/pools/{pool_id}/users", data={"_csrf": token, "username": "has space"})
    assert r.status_code == 400
    r = admin.post(f"/admin/pools/{pool_id}/users", data={"_csrf": token, "username": "new-one", "email": "n@example.com",
                                                          "email_verified": "on", "suppress": "on"})
    assert r.status_code == 303
    assert console_server.admin.admin_get_user(UserPoolId=pool_id, Username="new-one")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert admin.get("/admin/pools/us-east-1_Nope000/users").status_code == 400


def test_search_and_pages_follow_the_pagination_token(console_server: RunningServer, admin: httpx.Client,
                                                      console_pool: dict[str, Any]) -> None:
    for i in range(55):
        console_server.admin.admin_create_user(UserPoolId=console_pool["pool_id"], Username=f"page{i:03d}",
                                               MessageAction="SUPPRESS",
                                               UserAttributes=[{"Name": "email", "Value": f"page{i:03d}@example.com"}])
    base = f"/admin/pools/{console_pool['pool_id']}/users"
    first = admin.get(base, params={"filter": 'email ^= "page"'})
    names = re.findall(r'class="user" href="[^"]+">(page\d+)</a>', first.text)
    assert len(names) == 50
    nxt = re.search(r'id="next" href="([^"]+)"', first.text)
    assert nxt
    second = admin.get(nxt.group(1).replace("&amp;", "&"))
    more = re.findall(r'class="user" href="[^"]+">(page\d+)</a>', second.text)
    assert len(more) == 5 and not set(more) & set(names)
    one = admin.get(base, params={"filter": "page042"})  # a bare word: a username prefix
    assert re.findall(r'class="user" href="[^"]+">(page\d+)</a>', one.text) == ["page042"]


def test_groups_imports_and_keys_pages(console_server: RunningServer, admin: httpx.Client,
                                       console_pool: dict[str, Any]) -> None:
    pool_id = console_pool["pool_id"]
    page = admin.get(f"/admin/pools/{pool_id}/groups")
    r = admin.post(f"/admin/pools/{pool_id}/groups", data={"_csrf": csrf_of(page.text), "action": "create",
                                                           "group": "ops", "precedence": "3"})
    assert r.status_code == 303
    assert console_server.admin.get_group(UserPoolId=pool_id, GroupName="ops")["Group"]["Precedence"] == 3
    dup = admin.post(f"/admin/pools/{pool_id}/groups", data={"_csrf": csrf_of(page.text), "action": "create", "group": "ops"})
    assert dup.status_code == 400 and "GroupExistsException" in dup.text
    console_server.admin.create_user_import_job(UserPoolId=pool_id, JobName="nightly",
                                                CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/CognitoImport")
    imports = admin.get(f"/admin/pools/{pool_id}/imports")
    assert imports.status_code == 200 and "nightly" in imports.text and "Created" in imports.text
    keys = admin.get(f"/admin/pools/{pool_id}/keys")
    r = admin.post(f"/admin/pools/{pool_id}/keys", data={"_csrf": csrf_of(keys.text)})
    assert r.status_code == 303
    assert "published" in admin.get(f"/admin/pools/{pool_id}/keys").text
    prefix = f"console-{uuid.uuid4().hex[:8]}"
    console_server.admin.create_user_pool_domain(UserPoolId=pool_id, Domain=prefix)
    settings = admin.get(f"/admin/pools/{pool_id}")
    assert settings.status_code == 200 and console_pool["client_id"] in settings.text and prefix in settings.text


@pytest.fixture(scope="module")
def user_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, dict[str, Any]]]:
    """A console that also lets the members of group ``admins`` of one pool sign in."""
    srv = RunningServer(tmp_path_factory.mktemp("console-users"), "--admin-console")
    srv.start()
    try:
        pool = create_pool(srv)
        srv.admin.create_group(UserPoolId=pool["pool_id"], GroupName="admins")
        srv.extra_args += ["--admin-console-client", pool["client_id"]]
        srv.restart()
        yield srv, pool
    finally:
        srv.stop()


def pool_user(srv: RunningServer, pool: dict[str, Any], *groups: str) -> str:
    username = make_user(srv, pool, email="a@example.com", email_verified="true")
    srv.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    for group in groups:
        srv.admin.admin_add_user_to_group(UserPoolId=pool["pool_id"], Username=username, GroupName=group)
    return username


def user_sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/admin/signin")
    assert "As an admin user" in form.text
    return client.post("/admin/signin", data={"_csrf": csrf_of(form.text), "method": "user", "username": username,
                                              "password": password})


def test_an_admin_group_member_signs_in_with_their_password(user_console: tuple[RunningServer, dict[str, Any]]) -> None:
    srv, pool = user_console
    username = pool_user(srv, pool, "admins")
    with browser(srv) as client:
        r = user_sign_in(client, username)
        assert r.status_code == 303, r.text
        page = client.get(f"/admin/pools/{pool['pool_id']}/users")
        assert page.status_code == 200 and "user:" + pool["pool_id"] in page.text
        srv.admin.admin_remove_user_from_group(UserPoolId=pool["pool_id"], Username=username, GroupName="admins")
        assert client.get("/admin/pools").status_code == 303  # out of the group: the session is over
    srv.admin.admin_add_user_to_group(UserPoolId=pool["pool_id"], Username=username, GroupName="admins")
    with browser(srv) as client:
        assert user_sign_in(client, username).status_code == 303
        assert client.get("/admin/pools").status_code == 200
        srv.admin.admin_user_global_sign_out(UserPoolId=pool["pool_id"], Username=username)
        assert client.get("/admin/pools").status_code == 303  # signed out everywhere: here too
    with browser(srv) as client:
        assert user_sign_in(client, username).status_code == 303
        families = srv.query("SELECT count(*) FROM token_families WHERE revoked_at IS NULL")[0][0]
        out = client.post("/admin/signout", data={"_csrf": csrf_of(client.get("/admin/pools").text)})
        assert out.status_code == 303
        assert srv.query("SELECT count(*) FROM token_families WHERE revoked_at IS NULL")[0][0] == families - 1


def test_non_members_and_wrong_passwords_are_refused(user_console: tuple[RunningServer, dict[str, Any]]) -> None:
    srv, pool = user_console
    outsider = pool_user(srv, pool)
    member = pool_user(srv, pool, "admins")
    with browser(srv) as client:
        r = user_sign_in(client, outsider)
        assert r.status_code == 400 and "may not use the admin console" in r.text
        r = user_sign_in(client, member, "Wrong-Passw0rd!")
        assert r.status_code == 400 and "Incorrect username or password." in r.text
        assert "userpool-console=" not in r.headers.get("set-cookie", "")
        srv.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=member)
        assert user_sign_in(client, member).status_code == 400
    srv.execute("DELETE FROM console_sign_in_failures")


def test_an_admin_user_with_totp_gives_the_code(user_console: tuple[RunningServer, dict[str, Any]]) -> None:
    srv, pool = user_console
    srv.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
                                       SoftwareTokenMfaConfiguration={"Enabled": True})
    username = pool_user(srv, pool, "admins")
    tokens = srv.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]
    secret = srv.public.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"]
    totp = pyotp.TOTP(secret)
    srv.public.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=totp.now())
    srv.public.set_user_mfa_preference(AccessToken=tokens["AccessToken"],
                                       SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    with browser(srv) as client:
        step = user_sign_in(client, username)
        assert step.status_code == 200 and "authenticator app" in step.text
        hidden = re.search(r'name="step" value="([^"]+)"', step.text)
        assert hidden
        wrong = client.post("/admin/signin", data={"_csrf": csrf_of(step.text), "method": "user",
                                                   "step": hidden.group(1), "code": "000000"})
        assert wrong.status_code == 400
        step = user_sign_in(client, username)
        hidden = re.search(r'name="step" value="([^"]+)"', step.text)
        assert hidden
        code = str(totp.at(time.time(), counter_offset=1))  # the setup code is spent
        r = client.post("/admin/signin", data={"_csrf": csrf_of(step.text), "method": "user",
                                               "step": hidden.group(1), "code": code})
        assert r.status_code == 303, r.text
        assert client.get("/admin/pools").status_code == 200
    srv.execute("DELETE FROM console_sign_in_failures")
