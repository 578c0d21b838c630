"""The sign-in's hot writes on the DB-API cursor (db.CompiledInsert, challenge_sessions' one-statement
take): the rows the ORM would have written, errors as SQLAlchemy raises them, single use kept;
and the JSON texts GetUser's compiled read decodes once (db.DecodedJson)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.server.helpers import run_op
from userpool.server import challenge_sessions, errors, messages, tokens
from userpool.server.context import Context, ServerState
from userpool.server.db import (
    AppClient,
    AuthSession,
    Code,
    CompiledInsert,
    DecodedJson,
    RefreshToken,
    TokenFamily,
    User,
)

_SESSIONS = CompiledInsert(AuthSession)


def _ctx(state: ServerState, session: Any) -> Context:
    return Context(state=state, db=session, now=time.time())


@pytest.fixture
def pool_and_client(local_state: ServerState) -> tuple[str, str]:
    pool = run_op(local_state, "CreateUserPool", {"PoolName": "writes"})["UserPool"]["Id"]
    client = run_op(local_state, "CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "c"})["UserPoolClient"]["ClientId"]
    return pool, client


def _session_values(pool: str, client: str, **changes: Any) -> dict[str, Any]:
    return {
        "handle_hash": uuid.uuid4().hex, "pool_id": pool, "client_id": client, "user_id": None, "username": "ann",
        "challenge": "SMS_MFA", "state_sealed": None, "expires_at": time.time() + 180, **changes,
    }


def test_an_insert_writes_the_row_the_orm_reads_back(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    values = _session_values(*pool_and_client, state_sealed="sealed-text")
    with local_state.database.transaction() as session:
        assert _SESSIONS.run(session, values) == tuple(values[name] for name in _SESSIONS.names)
    with local_state.database.transaction() as session:
        row = session.get(AuthSession, values["handle_hash"])
        assert row is not None
        assert {name: getattr(row, name) for name in _SESSIONS.names} == values


def test_columns_not_given_are_null_and_unknown_ones_refused(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    values = _session_values(*pool_and_client)
    del values["state_sealed"]
    with local_state.database.transaction() as session:
        _SESSIONS.run(session, values)
        with pytest.raises(TypeError, match="no column"):
            _SESSIONS.run(session, {**values, "handle_hash": "other", "colour": "red"})
    with local_state.database.transaction() as session:
        assert session.scalar(select(AuthSession.state_sealed).where(AuthSession.handle_hash == values["handle_hash"])) is None


@pytest.mark.parametrize("model", [User, Code])
def test_models_with_made_values_are_refused(model: Any) -> None:
    """An autoincrement id or a column default is the ORM's to make: such a model goes through it."""
    with pytest.raises(TypeError, match="through the ORM"):
        CompiledInsert(model)


def test_driver_errors_are_sqlalchemys_and_nothing_is_half_written(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    values = _session_values(*pool_and_client)
    with local_state.database.transaction() as session:
        _SESSIONS.run(session, values)
    with pytest.raises(IntegrityError), local_state.database.transaction() as session:  # the same key again
        _SESSIONS.run(session, {**values, "username": "second"})
    with local_state.database.transaction() as session:
        assert session.get(AuthSession, values["handle_hash"]).username == "ann"
    with pytest.raises(OperationalError, match="readonly"), local_state.database.read() as session:
        _SESSIONS.run(session, _session_values(*pool_and_client))  # what app.execute turns into WriteNeeded


def test_pending_orm_rows_are_flushed_before_the_insert(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    """A family refers to its user: one added in the same unit is written first (foreign keys on)."""
    pool, client_id = pool_and_client
    with local_state.database.transaction() as session:
        user = User(pool_id=pool, username="fresh", username_key="fresh", sub=str(uuid.uuid4()), status="CONFIRMED",
                    enabled=True, created_at=time.time(), modified_at=time.time())
        session.add(user)
        client = session.get(AppClient, client_id)
        family = tokens.start_family(_ctx(local_state, session), client, user, device_key="us-east-1_dev")
        token = tokens.new_refresh_token(_ctx(local_state, session), family)
        family.scopes = "openid email"  # persistent in the session: an UPDATE at commit
    with local_state.database.transaction() as session:
        stored = session.get(TokenFamily, family.origin_jti)
        assert (stored.user_id, stored.device_key, stored.scopes) == (user.id, "us-east-1_dev", "openid email")
        assert session.scalar(select(RefreshToken.origin_jti).where(RefreshToken.origin_jti == family.origin_jti))
        assert token


def _open(state: ServerState, client_id: str, challenge: str = "SMS_MFA", **kwargs: Any) -> str:
    with state.database.transaction() as session:
        client = session.get(AppClient, client_id)
        return challenge_sessions.open_session(_ctx(state, session), client, None, "ann", challenge, {"n": 1}, **kwargs)


def _take(state: ServerState, handle: str, client_id: str | None, challenge: str = "SMS_MFA") -> challenge_sessions.Pending:
    with state.database.transaction() as session:
        client = session.get(AppClient, client_id) if client_id else None
        try:
            return challenge_sessions.take_session(_ctx(state, session), handle, client, challenge)
        except errors.CognitoError as exc:
            if not exc.persist:
                raise
            failure = exc  # committed, as app.execute does for a persisting failure
    raise failure


def test_a_session_is_taken_once(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    handle = _open(local_state, pool_and_client[1])
    pending = _take(local_state, handle, pool_and_client[1])
    assert pending.state == {"n": 1} and pending.row.username == "ann" and pending.row.challenge == "SMS_MFA"
    with pytest.raises(errors.NotAuthorized, match=messages.INVALID_SESSION):
        _take(local_state, handle, pool_and_client[1])


def test_another_clients_session_is_left_as_it_is(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    pool, client_id = pool_and_client
    other = run_op(local_state, "CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "other"})["UserPoolClient"]["ClientId"]
    handle = _open(local_state, client_id)
    with pytest.raises(errors.NotAuthorized, match=messages.INVALID_SESSION):
        _take(local_state, handle, other)
    assert _take(local_state, handle, None).row.client_id == client_id  # MFA setup names no client


@pytest.mark.parametrize(("minutes", "answered_as", "message"), [(0, "SMS_MFA", messages.SESSION_EXPIRED), (None, "EMAIL_OTP", messages.INVALID_SESSION)])
def test_an_expired_or_other_challenges_session_is_refused_and_gone(
    local_state: ServerState, pool_and_client: tuple[str, str], minutes: int | None, answered_as: str, message: str
) -> None:
    handle = _open(local_state, pool_and_client[1], minutes=minutes)
    with pytest.raises(errors.NotAuthorized, match=message):
        _take(local_state, handle, pool_and_client[1], answered_as)
    with pytest.raises(errors.NotAuthorized, match=messages.INVALID_SESSION):
        _take(local_state, handle, pool_and_client[1])


def test_a_session_read_then_taken_then_kept_in_one_unit(local_state: ServerState, pool_and_client: tuple[str, str]) -> None:
    """stored_challenge loads the row into the unit; taking and keeping it must not collide with it."""
    handle = _open(local_state, pool_and_client[1])
    with local_state.database.transaction() as session:
        ctx = _ctx(local_state, session)
        client = session.get(AppClient, pool_and_client[1])
        assert challenge_sessions.stored_challenge(ctx, handle) == "SMS_MFA"
        pending = challenge_sessions.take_session(ctx, handle, client, "SMS_MFA")
        assert challenge_sessions.find(ctx, handle) is None  # taken: not the row loaded before
        challenge_sessions.keep(ctx, pending, {"n": 2})
        assert challenge_sessions.find(ctx, handle) is not None
    assert _take(local_state, handle, pool_and_client[1]).state == {"n": 2}


def test_decoded_json_is_decoded_once_per_text_and_a_new_text_is_read_anew() -> None:
    # GetUser's JSON columns (db.DecodedJson): the same text gives the same shared value; a
    # changed text (a changed row) is decoded again, never answered from the old one.
    decoded = DecodedJson(size=2)
    first = decoded('{"Enabled": ["SMS_MFA"]}')
    assert first == {"Enabled": ["SMS_MFA"]} and decoded('{"Enabled": ["SMS_MFA"]}') is first
    assert decoded('{"Enabled": []}') == {"Enabled": []}
    assert decoded(None) is None and decoded("null") is None
    decoded('{"a": 1}'), decoded('{"b": 2}')  # the first text falls out of the two kept
    again = decoded('{"Enabled": ["SMS_MFA"]}')
    assert again == first and again is not first
