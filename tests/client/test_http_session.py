"""Sessions over HTTP: refresh, de-duplication, sign-out, global sign-out, Hub events."""

from __future__ import annotations

import asyncio
import threading

import pytest
from client_helpers import CountingProxy, FakeClock, make_pool

from userpool.auth import AsyncAuthClient, AuthClient, Hub, errors

PASSWORD = "Passw0rd!"


def _events(client):
    seen: list[str] = []
    client.hub.listen("auth", lambda c: seen.append(c.payload.event))
    return seen


def test_force_refresh_keeps_refresh_token_and_dispatches(connect, pool, make_user):
    username = make_user(pool)
    client = connect(pool)
    seen = _events(client)
    client.sign_in(username, PASSWORD)
    first = client.fetch_auth_session()
    refresh_before = client.context.tokens.load().refresh_token
    second = client.fetch_auth_session(force_refresh=True)
    assert str(second.tokens.access_token) != str(first.tokens.access_token)
    assert second.tokens.access_token.payload["auth_time"] == first.tokens.access_token.payload["auth_time"]
    assert client.context.tokens.load().refresh_token == refresh_before
    assert client.context.get_tokens_from_refresh_token is True  # the server knows the new op
    assert seen == ["signedIn", "tokenRefresh"]
    assert client.fetch_user_attributes()["email"] == f"{username}@example.com"


def test_expired_tokens_refresh_on_read(connect, server, make_user):
    pool = make_pool(server, client_args={"AccessTokenValidity": 5, "IdTokenValidity": 5,
                                          "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}})
    username = make_user(pool)
    clock = FakeClock()
    client = connect(pool, clock=clock)
    client.sign_in(username, PASSWORD)
    old = client.fetch_auth_session().tokens.access_token
    assert old.exp - old.iat == 300
    clock.advance(300 - 10)
    assert str(client.fetch_auth_session().tokens.access_token) == str(old)  # 10 s left: fresh
    clock.advance(6)
    new = client.fetch_auth_session().tokens.access_token  # within 5 s of exp: refreshed
    assert str(new) != str(old)
    assert client.get_current_user().username == username


def test_sign_out_revokes_refresh_token(connect, server, pool, make_user):
    username = make_user(pool)
    client = connect(pool)
    seen = _events(client)
    client.sign_in(username, PASSWORD)
    tokens = client.context.tokens.load()
    assert "origin_jti" in tokens.access_token.payload
    client.sign_out()
    assert client.fetch_auth_session().tokens is None
    assert seen[-1] == "signedOut"
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.initiate_auth(ClientId=pool["client_id"], AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": tokens.refresh_token})
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens.refresh_token)


def test_global_sign_out_ends_other_sessions(connect, server, pool, make_user):
    username = make_user(pool)
    here, there = connect(pool), connect(pool)
    seen_there = _events(there)
    here.sign_in(username, PASSWORD)
    there.sign_in(username, PASSWORD)
    there_access = str(there.fetch_auth_session().tokens.access_token)
    here.sign_out(global_sign_out=True)
    assert here.fetch_auth_session().tokens is None
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.get_user(AccessToken=there_access)
    # the other client learns it at its next refresh: the session is cleared
    assert there.fetch_auth_session(force_refresh=True).tokens is None
    assert seen_there[-1] == "tokenRefresh_failure"
    with pytest.raises(errors.UserUnAuthenticatedException):
        there.fetch_user_attributes()


def test_revoked_session_surfaces_as_signed_out(connect, server, pool, make_user):
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    server.admin.admin_user_global_sign_out(UserPoolId=pool["pool_id"], Username=username)
    with pytest.raises(errors.NotAuthorizedException):
        client.fetch_user_attributes()  # the cached access token is revoked
    assert client.fetch_auth_session(force_refresh=True).tokens is None


def test_fifty_threads_and_fifty_tasks_one_refresh(server, make_user):
    """Issue 3: 50 threads + 50 asyncio tasks on expired tokens -> the server sees one refresh."""
    pool = make_pool(server, client_args={"AccessTokenValidity": 5, "IdTokenValidity": 5,
                                          "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}})
    username = make_user(pool)
    proxy = CountingProxy(server.url, delays={"GetTokensFromRefreshToken": 0.3})
    clock = FakeClock()
    hub = Hub()
    refreshes: list[str] = []
    hub.listen("auth", lambda c: refreshes.append(c.payload.event) if c.payload.event.startswith("tokenRefresh") else None)
    client = AuthClient(user_pool_id=pool["pool_id"], client_id=pool["client_id"], endpoint=proxy.url, clock=clock, hub=hub)
    try:
        client.sign_in(username, PASSWORD)
        old = str(client.fetch_auth_session().tokens.access_token)
        clock.advance(6 * 60)  # past exp on our clock
        proxy.counts.clear()
        barrier = threading.Barrier(51)
        thread_sessions: list = []
        failures: list[BaseException] = []

        def reader() -> None:
            barrier.wait()
            try:
                thread_sessions.append(client.fetch_auth_session())
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        async def main():
            aclient = AsyncAuthClient(context=client.context)
            threads = [threading.Thread(target=reader) for _ in range(50)]
            for t in threads:
                t.start()
            await asyncio.to_thread(barrier.wait)
            task_sessions = await asyncio.gather(*(aclient.fetch_auth_session() for _ in range(50)))
            await asyncio.to_thread(lambda: [t.join(30) for t in threads])
            await aclient.aclose()
            return task_sessions

        task_sessions = asyncio.run(main())
        assert not failures
        assert len(thread_sessions) == 50 and len(task_sessions) == 50
        tokens = {str(s.tokens.access_token) for s in [*thread_sessions, *task_sessions]}
        assert len(tokens) == 1 and old not in tokens
        assert proxy.counts["GetTokensFromRefreshToken"] + proxy.counts["InitiateAuth"] == 1, proxy.counts
        assert refreshes == ["tokenRefresh"]
    finally:
        client.close()
        proxy.close()
