"""aws-amplify 6.22's device tracking in headless Chromium: a page bundled by esbuild from
tests/interop/node/amplify_devices/page.mjs signs in with TOTP (Amplify confirms the new device
itself), calls ``rememberDevice``, and the next sign-in is done with no TOTP code -- Amplify
answers DEVICE_SRP_AUTH on its own; then ``fetchDevices`` and ``forgetDevice``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.interop.conftest import build_amplify_page
from tests.server.test_devices import device_pool
from tests.server.test_mfa import code, set_up_totp

pytestmark = pytest.mark.interop


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served over plain HTTP on loopback (a secure context for Chromium)."""
    root = tmp_path / "site"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def call(browser: Any, expression: str) -> Any:
    value = browser.evaluate(f"window.amplifyDevices.{expression}")
    assert not (isinstance(value, dict) and "error" in value), (expression, value)
    return value


def test_remember_device_then_sign_in_without_totp(server, make_user, sign_in, site, chromium):
    pool = device_pool(server, challenge=True, prompt=True)
    username = make_user(pool)
    secret = set_up_totp(server, pool, username, sign_in)
    root, home = site
    build_amplify_page("amplify_devices", root, {"Auth": {"Cognito": {"userPoolId": pool["pool_id"], "userPoolClientId": pool["client_id"],
                                           "userPoolEndpoint": server.url}}})
    chromium.goto(home)
    chromium.wait_for_text("#status", "Ready")

    first = call(chromium, f"signIn({json.dumps(username)}, {json.dumps(PASSWORD)})")
    assert first["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert call(chromium, f"confirmSignIn({json.dumps(code(secret, 1))})")["isSignedIn"] is True
    device_key = call(chromium, "accessPayload()")["device_key"]
    devices = server.admin.admin_list_devices(UserPoolId=pool["pool_id"], Username=username)["Devices"]
    assert [d["DeviceKey"] for d in devices] == [device_key]  # Amplify's ConfirmDevice reached the server
    assert {"Name": "dev:device_remembered_status", "Value": "not_remembered"} in devices[0]["DeviceAttributes"]

    call(chromium, "rememberDevice()")
    fetched = call(chromium, "fetchDevices()")
    assert [d["id"] for d in fetched] == [device_key]
    assert fetched[0]["attributes"]["dev:device_remembered_status"] == "remembered" and fetched[0]["name"]

    call(chromium, "signOut()")
    again = call(chromium, f"signIn({json.dumps(username)}, {json.dumps(PASSWORD)})")
    assert again == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}  # no TOTP: the device answered
    assert call(chromium, "accessPayload()")["device_key"] == device_key

    call(chromium, "forgetDevice()")
    assert call(chromium, "fetchDevices()") == []
    assert server.admin.admin_list_devices(UserPoolId=pool["pool_id"], Username=username)["Devices"] == []
