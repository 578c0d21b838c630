"""The admin console in headless Chromium, as an operator meets it: refused until signed in
with the admin key, then finding one user among 10,000 with a ListUsers filter, disabling
them, resetting their password and adding them to a group -- each page looked at in a
screenshot and each change checked through the wire API. Hostile input too: a form posted
without the CSRF token changes nothing, and markup in an attribute value stays text."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer, create_pool
from tests.interop.browser import Chromium, look

pytestmark = pytest.mark.interop

USERS = 10_000
TARGET = "person07342"
XSS = '"><script>document.title="pwned"</script><img src=x onerror="document.title=1">'


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = RunningServer(tmp_path_factory.mktemp("console-browser"), "--admin-console")
    srv.start()
    yield srv
    srv.stop()


def import_users(srv: RunningServer, pool_id: str, count: int) -> dict[str, Any]:
    """``count`` users through a CSV import job (the fast path Cognito offers for bulk users)."""
    header = srv.admin.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    for i in range(count):
        writer.writerow({"cognito:username": f"person{i:05d}", "email": f"person{i:05d}@example.com",
                         "email_verified": "true", "cognito:mfa_enabled": "false"})
    job = srv.admin.create_user_import_job(UserPoolId=pool_id, JobName="ten-thousand",
                                           CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/CognitoImport")["UserImportJob"]
    httpx.put(job["PreSignedUrl"], content=out.getvalue().encode(), timeout=120).raise_for_status()
    srv.admin.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    deadline = time.time() + 300
    while time.time() < deadline:
        done = srv.admin.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
        if done["Status"] in ("Succeeded", "Failed", "Stopped"):
            assert done["Status"] == "Succeeded" and done["ImportedUsers"] == count, done
            return dict(done)
        time.sleep(0.5)
    raise AssertionError("the import job did not finish")


@pytest.fixture(scope="module")
def big_pool(console_server: RunningServer) -> dict[str, Any]:
    pool = create_pool(console_server, Schema=[{"Name": "note", "AttributeDataType": "String", "Mutable": True}])
    import_users(console_server, pool["pool_id"], USERS)
    admin = console_server.admin
    # the one the operator looks for: signed up for real (a password, so a reset means something)
    admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=TARGET, Password="Passw0rd!-Long", Permanent=True)
    admin.admin_update_user_attributes(UserPoolId=pool["pool_id"], Username=TARGET,
                                       UserAttributes=[{"Name": "custom:note", "Value": XSS}])
    admin.create_group(UserPoolId=pool["pool_id"], GroupName="support", Description="Help desk")
    return pool


def sign_in(browser: Chromium, srv: RunningServer, pool_id: str) -> None:
    page = browser.goto(f"{srv.url}/admin/pools/{pool_id}/users")  # not signed in: sent to the sign-in page
    assert page["url"].startswith(f"{srv.url}/admin/signin?next="), page["url"]
    look(browser.screenshot("01-sign-in"), "Sign in to the admin console", "Access key ID", "Secret access key")
    key_id, secret = srv.credentials()
    browser.fill("#access_key_id", key_id)
    browser.fill("#secret_access_key", "wrong-secret")
    wrong = browser.click("#signin")
    assert "not correct" in wrong["text"]
    look(browser.screenshot("02-wrong-key"), "The access key ID or secret access key is not correct.")
    browser.fill("#access_key_id", key_id)
    browser.fill("#secret_access_key", secret)
    landed = browser.click("#signin")
    assert landed["url"] == f"{srv.url}/admin/pools/{pool_id}/users", landed["url"]  # back where it was going


def test_find_disable_reset_and_group_one_user_among_ten_thousand(
    console_server: RunningServer, big_pool: dict[str, Any], chromium: Chromium
) -> None:
    pool_id, srv = big_pool["pool_id"], console_server
    sign_in(chromium, srv, pool_id)
    listing = chromium.view()
    assert chromium.count("a.user") == 50 and "Next 50 users" in listing["text"]
    look(chromium.screenshot("03-users"), "Users", "person00000", "Next 50 users")

    chromium.fill("#filter", f'email ^= "{TARGET}@"')
    found = chromium.click("#search")
    assert chromium.count("a.user") == 1, found["text"]
    look(chromium.screenshot("04-search"), TARGET, f"{TARGET}@example.com")

    chromium.click("a.user")
    page = look(chromium.screenshot("05-user"), f"User {TARGET}", "CONFIRMED", "Enabled", "Disable")
    assert page.size[0] > 0
    assert chromium.count("script") == 0 and chromium.view()["title"] != "pwned"
    assert chromium.attr('input[name="attr-custom:note"]', "value") == XSS  # the markup is the field's text

    chromium.click("#disable")
    look(chromium.screenshot("06-disabled"), "User disabled.", "Disabled", "Enable")
    assert srv.admin.admin_get_user(UserPoolId=pool_id, Username=TARGET)["Enabled"] is False

    chromium.click("#reset_password")
    look(chromium.screenshot("07-reset"), "Password reset", "RESET_REQUIRED")
    assert srv.admin.admin_get_user(UserPoolId=pool_id, Username=TARGET)["UserStatus"] == "RESET_REQUIRED"

    chromium.click("#add_group")
    look(chromium.screenshot("08-grouped"), "Added to the group.", "support")
    groups = srv.admin.admin_list_groups_for_user(UserPoolId=pool_id, Username=TARGET)["Groups"]
    assert [g["GroupName"] for g in groups] == ["support"]
    log = srv.log_path.read_text()
    for op in ("AdminDisableUser", "AdminResetUserPassword", "AdminAddUserToGroup"):
        assert f'"op": "{op}"' in log and f'"username": "{TARGET}"' in log

    # a form the page did not render (no CSRF token): refused, nothing changed
    refused = chromium.post_form(f"{srv.url}/admin/pools/{pool_id}/user", {"username": TARGET, "action": "enable"})
    assert "did not come from this console" in refused["text"]
    look(chromium.screenshot("09-csrf-refused"), "That did not work")
    assert srv.admin.admin_get_user(UserPoolId=pool_id, Username=TARGET)["Enabled"] is False

    chromium.goto(f"{srv.url}/admin/pools/{pool_id}/imports")
    look(chromium.screenshot("10-imports"), "ten-thousand", "Succeeded", f"{USERS} rows")
    chromium.click("#signout")
    after = chromium.goto(f"{srv.url}/admin/pools")
    assert after["url"].startswith(f"{srv.url}/admin/signin")
