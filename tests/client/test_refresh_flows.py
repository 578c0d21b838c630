"""Refresh, expiry and sign-out logic with scripted Cognito answers (the HTTP versions are in
test_http_session.py)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from client_helpers import CLIENT_ID, POOL_ID, ScriptedTransport, err, make_tokens

from userpool.auth import AsyncAuthClient, AuthClient, Hub, errors
from userpool.auth.tokens import CognitoTokens


def _signed_in(client, wire, **token_kw):
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens(now=client.context.now(), **token_kw)})
    client.sign_in("alice", "pw", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    wire.calls.clear()


def test_expiry_rule_uses_drift_and_five_seconds():
    result = make_tokens(now=1_000_000, ttl=3600)
    # our clock is 100 s behind the server's: drift = +100
    tokens = CognitoTokens.from_authentication_result(result, now=999_900, username="a", sign_in_details=None)
    assert tokens.clock_drift == 100
    exp = 1_000_000 + 3600
    assert not tokens.is_expired(now=exp - 100 - 6)
    assert tokens.is_expired(now=exp - 100 - 4)


def test_cached_session_makes_no_call(scripted, clock):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(3600 - 6)
    assert client.fetch_auth_session().tokens is not None
    assert wire.calls == []


def test_refresh_with_get_tokens_from_refresh_token_keeps_old_refresh_token(scripted, clock, events):
    client, wire = scripted
    _signed_in(client, wire, refresh="R-old")
    old_access = str(client.fetch_auth_session().tokens.access_token)
    clock.advance(3600 - 4)
    wire.add("GetTokensFromRefreshToken", lambda p: {"AuthenticationResult": make_tokens(now=clock.now - 3600, refresh=None)})
    session = client.fetch_auth_session()
    assert wire.ops() == ["GetTokensFromRefreshToken"]
    assert wire.calls[0].payload == {"RefreshToken": "R-old", "ClientId": CLIENT_ID}
    assert str(session.tokens.access_token) != old_access
    assert client.context.tokens.load().refresh_token == "R-old"
    assert events[1][-1] == "tokenRefresh"
    # the server clock is 3600 s behind ours: drift keeps the new tokens fresh for us
    assert client.context.tokens.load().clock_drift == pytest.approx(-3600, abs=1)
    assert client.fetch_auth_session().tokens is not None and len(wire.calls) == 1


def test_new_refresh_token_replaces_old(scripted):
    client, wire = scripted
    _signed_in(client, wire, refresh="R1")
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(refresh="R2")})
    client.fetch_auth_session(force_refresh=True)
    assert client.context.tokens.load().refresh_token == "R2"


@pytest.mark.parametrize(
    "refusal",
    [
        err("UnknownOperationException", "Unknown operation"),
        err("InvalidParameterException", "unsupported"),
        errors.make_error("InternalErrorException", "HTML", metadata={"http_status": 500, "json": False}),
    ],
    ids=["unknown-op", "invalid-param", "moto-html-500"],
)
def test_falls_back_to_initiate_auth_and_remembers(scripted, refusal):
    client, wire = scripted
    _signed_in(client, wire, refresh="R1")
    wire.add("GetTokensFromRefreshToken", refusal)
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens(refresh=None)})
    client.fetch_auth_session(force_refresh=True)
    assert wire.ops() == ["GetTokensFromRefreshToken", "InitiateAuth"]
    assert wire.calls[0].max_attempts == 1
    assert wire.calls[1].payload == {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT_ID,
                                     "AuthParameters": {"REFRESH_TOKEN": "R1"}}
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens(refresh=None)})
    client.fetch_auth_session(force_refresh=True)
    assert wire.ops()[-1] == "InitiateAuth" and len(wire.calls) == 3
    assert client.context.tokens.load().refresh_token == "R1"


def test_refresh_secret_hash_uses_token_username(clock):
    client = AuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="sek", endpoint="http://x.invalid/", clock=clock)
    wire = ScriptedTransport()
    client._transport = wire  # type: ignore[assignment]
    _signed_in(client, wire)
    wire.add("GetTokensFromRefreshToken", err("UnknownOperationException"))
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens()})
    client.fetch_auth_session(force_refresh=True)
    assert wire.calls[0].payload["ClientSecret"] == "sek"
    from userpool import srp

    assert wire.calls[1].payload["AuthParameters"]["SECRET_HASH"] == srp.secret_hash("sek", "alice", CLIENT_ID)


def test_revoked_refresh_token_clears_session(scripted, clock, events):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    wire.add("GetTokensFromRefreshToken", err("NotAuthorizedException", "Refresh Token has been revoked"))
    session = client.fetch_auth_session()
    assert session.tokens is None and session.user_sub is None
    assert client.context.tokens.load() is None
    assert events[1][-1] == "tokenRefresh_failure"
    with pytest.raises(errors.UserUnAuthenticatedException):
        client.get_current_user()


def test_transient_refresh_failure_keeps_session(scripted, clock, events):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    wire.add("GetTokensFromRefreshToken", errors.NetworkError("down", name="NetworkError"))
    with pytest.raises(errors.NetworkError):
        client.fetch_auth_session()
    assert client.context.tokens.load() is not None
    assert events[1][-1] == "tokenRefresh_failure"
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(now=clock.now)})
    assert client.fetch_auth_session().tokens is not None


def test_known_supported_op_does_not_fall_back_on_a_5xx(scripted):
    client, wire = scripted
    _signed_in(client, wire)
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens()})
    client.fetch_auth_session(force_refresh=True)
    wire.add("GetTokensFromRefreshToken", errors.make_error("InternalErrorException", "", metadata={"http_status": 500, "json": False}))
    with pytest.raises(errors.InternalErrorException):
        client.fetch_auth_session(force_refresh=True)


def test_no_session():
    client = AuthClient(user_pool_id=POOL_ID, client_id=CLIENT_ID, endpoint="http://x.invalid/")
    assert client.fetch_auth_session().tokens is None
    with pytest.raises(errors.UserUnAuthenticatedException):
        client.fetch_user_attributes()


def test_threads_and_tasks_share_one_refresh(scripted, clock):
    """Unit version of the HTTP test: 20 threads + 20 tasks, one scripted refresh."""
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    wire.delay = 0.2
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(now=clock.now)})
    aclient = AsyncAuthClient(context=client.context)
    from client_helpers import AsyncScriptedTransport

    atransport = AsyncScriptedTransport()
    atransport.script, atransport.calls, atransport.delay = wire.script, wire.calls, 0.2
    aclient._transport = atransport  # type: ignore[assignment]
    results: list = []
    barrier = threading.Barrier(21)

    def reader():
        barrier.wait()
        results.append(client.fetch_auth_session())

    async def main():
        threads = [threading.Thread(target=reader) for _ in range(20)]
        for t in threads:
            t.start()
        barrier.wait()
        sessions = await asyncio.gather(*(aclient.fetch_auth_session() for _ in range(20)))
        await asyncio.to_thread(lambda: [t.join() for t in threads])
        return sessions

    sessions = asyncio.run(main())
    assert wire.ops() == ["GetTokensFromRefreshToken"]
    tokens = {str(s.tokens.access_token) for s in [*sessions, *results]}
    assert len(tokens) == 1 and len(results) == 20


def test_joiners_see_the_leaders_failure(scripted, clock):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    wire.delay = 0.2
    wire.add("GetTokensFromRefreshToken", err("NotAuthorizedException", "revoked"))
    out: list = []
    threads = [threading.Thread(target=lambda: out.append(client.fetch_auth_session())) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.tokens for s in out] == [None] * 10
    assert wire.ops() == ["GetTokensFromRefreshToken"]


def test_sign_out_revokes_when_origin_jti(scripted, events):
    client, wire = scripted
    _signed_in(client, wire, refresh="R1")
    wire.add("RevokeToken", {})
    client.sign_out()
    assert wire.calls[0].payload == {"ClientId": CLIENT_ID, "Token": "R1"}
    assert client.fetch_auth_session().tokens is None
    assert events[1][-1] == "signedOut"


def test_sign_out_without_origin_jti_does_not_revoke(scripted):
    client, wire = scripted
    _signed_in(client, wire, origin_jti=False)
    client.sign_out()
    assert wire.calls == []


def test_sign_out_swallows_service_errors(scripted):
    client, wire = scripted
    _signed_in(client, wire)
    wire.add("RevokeToken", err("UnsupportedOperationException", "nope"))
    client.sign_out()
    assert client.fetch_auth_session().tokens is None


def test_global_sign_out_refreshes_first_if_needed(scripted, clock):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(now=clock.now)})
    wire.add("GlobalSignOut", {})
    client.sign_out(global_sign_out=True)
    assert wire.ops() == ["GetTokensFromRefreshToken", "GlobalSignOut"]
    assert "AccessToken" in wire.calls[1].payload
    assert client.fetch_auth_session().tokens is None


def test_hub_listener_errors_do_not_break_sign_in(scripted):
    client, wire = scripted

    def broken(capsule):
        raise RuntimeError("listener bug")

    unsubscribe = client.hub.listen("auth", broken)
    _signed_in(client, wire)
    unsubscribe()
    assert client.get_current_user().username == "alice"


def test_hub_unsubscribe():
    hub = Hub()
    seen: list = []
    stop = hub.listen("auth", lambda c: seen.append((c.channel, c.payload.event, c.source)))
    from userpool.auth import HubPayload

    hub.dispatch("auth", HubPayload("signedIn"))
    hub.dispatch("other", HubPayload("x"))
    stop()
    stop()
    hub.dispatch("auth", HubPayload("signedOut"))
    assert seen == [("auth", "signedIn", "Auth")]


def test_refresh_answer_without_tokens_keeps_session(scripted, events):
    client, wire = scripted
    _signed_in(client, wire)
    wire.add("GetTokensFromRefreshToken", {})
    with pytest.raises(errors.InvalidJWTError):
        client.fetch_auth_session(force_refresh=True)
    assert client.context.tokens.load() is not None and events[1][-1] == "tokenRefresh_failure"


def test_cancelled_leader_hands_over_to_a_waiting_task(scripted, clock):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    from client_helpers import AsyncScriptedTransport

    atransport = AsyncScriptedTransport()
    atransport.script, atransport.calls, atransport.delay = wire.script, wire.calls, 0.3
    aclient = AsyncAuthClient(context=client.context)
    aclient._transport = atransport  # type: ignore[assignment]
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(now=clock.now)})
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(now=clock.now, refresh="R2")})

    async def main():
        leader = asyncio.create_task(aclient.fetch_auth_session())
        await asyncio.sleep(0.05)
        follower = asyncio.create_task(aclient.fetch_auth_session())
        await asyncio.sleep(0.05)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        return await follower

    session = asyncio.run(main())
    assert session.tokens is not None
    assert wire.ops() == ["GetTokensFromRefreshToken", "GetTokensFromRefreshToken"]
    assert client.context.tokens.load().refresh_token == "R2"


def test_shared_refresh_decisions():
    from userpool.auth.shared_refresh import Join, Lead, Ready, Retry, SharedRefresh

    shared = SharedRefresh()
    tokens = CognitoTokens.from_authentication_result(make_tokens(now=0), now=0, username="a", sign_in_details=None)
    assert shared.begin(None, 0, must_refresh=False) == Ready(None)
    assert shared.begin(tokens, 0, must_refresh=False) == Ready(tokens)
    lead = shared.begin(tokens, 0, must_refresh=True)
    assert isinstance(lead, Lead) and lead.inflight.tokens is tokens
    assert shared.begin(tokens, 0, must_refresh=False) == Join(lead.inflight)  # even fresh-looking tokens join
    shared.finish(lead.inflight, result=tokens)
    assert lead.inflight.outcome() is tokens
    assert shared.begin(tokens, 0, must_refresh=True) == Retry()  # read before that refresh ended: read again
    assert isinstance(shared.begin(tokens, shared.generation, must_refresh=True), Lead)


def test_cancelled_joiner_does_not_disturb_the_leader(scripted, clock):
    client, wire = scripted
    _signed_in(client, wire)
    clock.advance(7200)
    from client_helpers import AsyncScriptedTransport

    atransport = AsyncScriptedTransport()
    atransport.script, atransport.calls, atransport.delay = wire.script, wire.calls, 0.3
    aclient = AsyncAuthClient(context=client.context)
    aclient._transport = atransport  # type: ignore[assignment]
    wire.add("GetTokensFromRefreshToken", {"AuthenticationResult": make_tokens(now=clock.now, refresh="R2")})

    async def main():
        leader = asyncio.create_task(aclient.fetch_auth_session())
        await asyncio.sleep(0.05)
        joiner = asyncio.create_task(aclient.fetch_auth_session())
        await asyncio.sleep(0.05)
        joiner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await joiner
        return await leader

    session = asyncio.run(main())
    assert session.tokens is not None and wire.ops() == ["GetTokensFromRefreshToken"]
    assert client.context.tokens.load().refresh_token == "R2"
