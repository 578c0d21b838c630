"""Access tokens whose signature the server has verified are remembered by their exact text
(tokens._verified): a second use skips the RSA verification and the parse, never the checks of
time, key, revocation or scope. In this process, on a data directory of its own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.helpers import run_op as call
from userpool.server import errors, tokens
from userpool.server.context import Context, ServerState

PASSWORD = "Correct-horse-1"


def access_token(state: ServerState) -> str:
    pool = call(state, "CreateUserPool", {"PoolName": "p"})["UserPool"]["Id"]
    client = call(state, "CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "c",
                                                  "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH"]})["UserPoolClient"]["ClientId"]
    call(state, "AdminCreateUser", {"UserPoolId": pool, "Username": "u", "MessageAction": "SUPPRESS"})
    call(state, "AdminSetUserPassword", {"UserPoolId": pool, "Username": "u", "Password": PASSWORD, "Permanent": True})
    result = call(state, "AdminInitiateAuth", {"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                               "AuthParameters": {"USERNAME": "u", "PASSWORD": PASSWORD}})
    return str(result["AuthenticationResult"]["AccessToken"])


def decode_at(state: ServerState, token: str, now: float) -> dict[str, Any]:
    with state.database.read() as db:
        return tokens.decode_access_token(Context(state=state, db=db, now=now), token)


def test_a_second_use_skips_the_signature_but_not_the_answer(local_state: ServerState, monkeypatch: pytest.MonkeyPatch) -> None:
    state = local_state
    token = access_token(state)
    verified: list[str] = []
    real = tokens._signed_claims
    monkeypatch.setattr(tokens, "_signed_claims", lambda jws, key, now: verified.append(jws.kid) or real(jws, key, now))
    first = call(state, "GetUser", {"AccessToken": token})
    second = call(state, "GetUser", {"AccessToken": token})
    assert first == second and first["Username"] == "u"
    assert len(verified) <= 1  # verified at most once (already remembered at sign-in's first use, or now)
    claims = decode_at(state, token, tokens.decompose(token).payload["iat"] + 1)
    claims["sub"] = "changed"  # a caller's copy: the remembered claims are not touched
    assert decode_at(state, token, claims["iat"] + 1)["sub"] != "changed"


def test_a_remembered_token_still_expires(local_state: ServerState) -> None:
    state = local_state
    token = access_token(state)
    exp = tokens.decompose(token).payload["exp"]
    assert decode_at(state, token, exp - 5)["username"] == "u"  # remembered now
    with pytest.raises(errors.CognitoError) as expired:
        decode_at(state, token, exp + 1)
    assert expired.value.message == "Access Token has expired"


def test_a_remembered_token_is_still_revoked_and_a_tampered_copy_still_refused(local_state: ServerState) -> None:
    state = local_state
    token = access_token(state)
    call(state, "GetUser", {"AccessToken": token})
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(errors.CognitoError) as refused:
        call(state, "GetUser", {"AccessToken": tampered})
    assert refused.value.message == "Invalid Access Token"
    call(state, "GlobalSignOut", {"AccessToken": token})
    with pytest.raises(errors.CognitoError) as revoked:
        call(state, "GetUser", {"AccessToken": token})
    assert revoked.value.name == "NotAuthorizedException"
