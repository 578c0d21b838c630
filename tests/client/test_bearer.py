"""Bearer calls: the access token (never the ID token), refreshed, retried once on invalid_token."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import requests
from client_helpers import ResourceServer

from userpool.auth import AsyncAuthClient, AuthClient, BearerAuth, RequestsBearerAuth, errors

PASSWORD = "Passw0rd!"


@pytest.fixture
def api(server):
    resource = ResourceServer(server.url + "/")
    yield resource
    resource.close()


@pytest.fixture
def signed_in(server, pool, make_user):
    username = make_user(pool)
    client = AuthClient(user_pool_id=pool["pool_id"], client_id=pool["client_id"], endpoint=server.url)
    client.sign_in(username, PASSWORD)
    yield client, username
    client.close()


def _jti(client):
    return client.fetch_auth_session().tokens.access_token.payload["jti"]


def test_httpx_sync_sends_access_token(api, signed_in):
    client, username = signed_in
    r = httpx.get(api.url + "/me", auth=BearerAuth(client))
    assert r.status_code == 200 and r.json() == {"username": username, "token_use": "access"}
    assert api.seen == [f"Bearer {client.fetch_auth_session().tokens.access_token}"]


def test_invalid_token_forces_one_refresh_and_retry(api, signed_in):
    client, username = signed_in
    first = _jti(client)
    api.revoked.add(first)
    r = httpx.get(api.url + "/me", auth=BearerAuth(client))
    assert r.status_code == 200 and r.json()["username"] == username
    assert len(api.seen) == 2 and _jti(client) != first


def test_retry_only_once(api, signed_in):
    client, _ = signed_in

    class RevokeEverything(set):
        def __contains__(self, item):
            return True

    api.revoked = RevokeEverything()
    r = httpx.get(api.url + "/me", auth=BearerAuth(client))
    assert r.status_code == 401 and len(api.seen) == 2


def test_plain_401_is_not_retried(api, signed_in):
    client, _ = signed_in
    api.plain_401_once = True
    r = httpx.get(api.url + "/me", auth=BearerAuth(client))
    assert r.status_code == 401 and len(api.seen) == 1


def test_httpx_async(api, signed_in):
    client, username = signed_in
    api.revoked.add(_jti(client))

    async def go():
        async with httpx.AsyncClient(auth=BearerAuth(AsyncAuthClient(context=client.context))) as http:
            return await http.get(api.url + "/me")

    r = asyncio.run(go())
    assert r.status_code == 200 and r.json()["username"] == username and len(api.seen) == 2


def test_requests(api, signed_in):
    client, username = signed_in
    r = requests.get(api.url + "/me", auth=RequestsBearerAuth(client), timeout=10)
    assert r.status_code == 200 and r.json()["username"] == username
    api.revoked.add(_jti(client))
    r = requests.get(api.url + "/me", auth=RequestsBearerAuth(client), timeout=10)
    assert r.status_code == 200 and len(r.history) == 1 and r.history[0].status_code == 401
    assert len(api.seen) == 3


def test_not_signed_in(api, server, pool):
    client = AuthClient(user_pool_id=pool["pool_id"], client_id=pool["client_id"], endpoint=server.url)
    with pytest.raises(errors.UserUnAuthenticatedException):
        httpx.get(api.url + "/me", auth=BearerAuth(client))
    with pytest.raises(errors.UserUnAuthenticatedException):
        requests.get(api.url + "/me", auth=RequestsBearerAuth(client), timeout=10)
    assert api.seen == []


def test_revoked_session_means_401_stands(api, server, pool, signed_in):
    client, username = signed_in
    server.admin.admin_user_global_sign_out(UserPoolId=pool["pool_id"], Username=username)
    r = httpx.get(api.url + "/me", auth=BearerAuth(client))
    assert r.status_code == 401 and len(api.seen) == 1  # refresh failed: nothing to retry with
    assert client.fetch_auth_session().tokens is None
