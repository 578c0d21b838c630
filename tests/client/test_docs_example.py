"""The README's Python port of the JS sign-in / fetch-session / bearer-call example runs,
as written, against ``userpool serve`` (only the API URL is pointed at a loopback API)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from client_helpers import ResourceServer, make_pool

from userpool import auth

DOC = Path(__file__).resolve().parents[2] / "README.md"


def _block(marker: str) -> str:
    match = re.search(rf"<!-- port:{marker}[^>]*-->\s*```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert match, f"no port:{marker} block in {DOC}"
    return match.group(1)


def test_readme_port_runs(server, make_user, tmp_path, monkeypatch):
    pool = make_pool(server)
    make_user(pool, "alice", "Passw0rd!")
    (tmp_path / "amplify_outputs.json").write_text(json.dumps({"version": "1.3", "auth": {
        "user_pool_id": pool["pool_id"], "user_pool_client_id": pool["client_id"], "aws_region": pool["region"],
        "user_pool_endpoint": server.url}}))
    monkeypatch.chdir(tmp_path)
    api = ResourceServer(server.url + "/")
    try:
        namespace: dict = {}
        exec(_block("python").replace("https://api.example.com", api.url), namespace)  # noqa: S102
        assert namespace["result"].is_signed_in
        assert namespace["res"].status_code == 200 and namespace["res"].json()["username"] == "alice"
        exec(_block("bearer").replace("https://api.example.com", api.url), namespace)  # noqa: S102
        assert namespace["res"].status_code == 200 and namespace["res"].json()["token_use"] == "access"
        assert api.seen[0] == api.seen[1] == f"Bearer {auth.fetch_auth_session().tokens.access_token}"
    finally:
        api.close()
        auth.sign_out()
        auth.get_default_client().close()


def test_js_and_python_blocks_have_the_same_shape():
    text = DOC.read_text()
    js = re.search(r"```js\n(.*?)```", text, re.DOTALL)
    assert js is not None
    py = _block("python")
    for js_name, py_name in [("Amplify.configure", "auth.configure"), ("signIn(", "auth.sign_in("),
                             ("confirmSignIn(", "auth.confirm_sign_in("), ("fetchAuthSession(", "auth.fetch_auth_session("),
                             ("CONFIRM_SIGN_IN_WITH_TOTP_CODE", "CONFIRM_SIGN_IN_WITH_TOTP_CODE"), ("Bearer ", "Bearer ")]:
        assert js_name in js.group(1) and py_name in py, js_name
