"""Wire compatibility beyond our own server: moto's Cognito (from PyPI).

moto 5 lacks GetTokensFromRefreshToken (its server answers an HTML 500) and RevokeToken, so
this also proves the fallback to ``InitiateAuth REFRESH_TOKEN_AUTH`` and that sign-out
survives a server that cannot revoke.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import httpx
import pytest

from userpool.auth import AuthClient, Hub, errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = _free_port()
    exe = shutil.which("moto_server", path=str(__import__("pathlib").Path(sys.executable).parent))
    cmd = [exe, "-H", "127.0.0.1", "-p", str(port)] if exe else [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def moto_pool(moto_url: str) -> dict[str, str]:
    idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    pool_id = idp.create_user_pool(PoolName="moto-pool")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="molly", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "molly@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="molly", Password="Passw0rd!", Permanent=True)
    return {"pool_id": pool_id, "client_id": client_id, "url": moto_url}


def test_password_sign_in_and_refresh_against_moto(moto_pool):
    hub = Hub()
    seen: list[str] = []
    hub.listen("auth", lambda c: seen.append(c.payload.event))
    with AuthClient(user_pool_id=moto_pool["pool_id"], client_id=moto_pool["client_id"], endpoint=moto_pool["url"],
                    hub=hub) as client:
        out = client.sign_in("molly", "Passw0rd!", {"auth_flow_type": "USER_PASSWORD_AUTH"})
        assert out.is_signed_in
        first = client.fetch_auth_session()
        assert first.tokens.access_token.payload["username"] == "molly"
        refresh_token = client.context.tokens.load().refresh_token
        time.sleep(1.1)  # moto's iat has 1 s resolution: make the new tokens differ
        second = client.fetch_auth_session(force_refresh=True)
        assert str(second.tokens.access_token) != str(first.tokens.access_token)
        assert client.context.get_tokens_from_refresh_token is False  # fell back, and remembers
        assert client.context.tokens.load().refresh_token == refresh_token  # kept: moto sends none back
        assert client.get_current_user().username == "molly"
        assert client.fetch_user_attributes()["email"] == "molly@example.com"
        client.sign_out()  # moto cannot RevokeToken: swallowed, as Amplify does
        assert client.fetch_auth_session().tokens is None
        assert seen == ["signedIn", "tokenRefresh", "signedOut"]


def test_wrong_password_against_moto(moto_pool):
    """moto's USER_SRP_AUTH is a stub (random B, no proof checked, and it looks USER_ID_FOR_SRP
    up as a username), so only the password flow is compared here."""
    with AuthClient(user_pool_id=moto_pool["pool_id"], client_id=moto_pool["client_id"], endpoint=moto_pool["url"]) as client:
        with pytest.raises(errors.NotAuthorizedException):
            client.sign_in("molly", "wrong-password", {"auth_flow_type": "USER_PASSWORD_AUTH"})
        assert client.fetch_auth_session().tokens is None
