"""The client's passkey operations over HTTP, on both drivers: associate_web_authn_credential
with a pluggable authenticator (the tests' software authenticator), list_web_authn_credentials
(paged), delete_web_authn_credential, and the server's refusals as the client's errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from client_helpers import ALL_FLOWS, make_pool, make_tokens

from tests.passkey_authenticator import SoftwareAuthenticator
from userpool.auth import (
    AuthWebAuthnCredential,
    ListWebAuthnCredentialsOutput,
    PasskeyAuthenticator,
    PasskeyError,
    errors,
)

PASSWORD = "Passw0rd!"
RP_ID = "example.com"


def passkey_pool(server: Any) -> dict[str, Any]:
    pool = make_pool(server, client_args={"ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"]},
                     Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": RP_ID})
    return pool


def test_the_software_authenticator_is_a_passkey_authenticator():
    assert isinstance(SoftwareAuthenticator("https://example.com"), PasskeyAuthenticator)


def test_associate_list_and_delete(connect, server, make_user):
    pool = passkey_pool(server)
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    authenticator = SoftwareAuthenticator("https://example.com")
    client.associate_web_authn_credential(authenticator)
    client.associate_web_authn_credential(authenticator)
    first = client.list_web_authn_credentials(page_size=1)
    assert isinstance(first, ListWebAuthnCredentialsOutput) and first.next_token
    rest = client.list_web_authn_credentials(next_token=first.next_token)
    both = first.credentials + rest.credentials
    assert [c.credential_id for c in both] == list(authenticator.keys)
    assert all(isinstance(c, AuthWebAuthnCredential) and c.relying_party_id == RP_ID for c in both)
    assert both[0].authenticator_transports == ("internal",) and both[0].created_at
    client.delete_web_authn_credential(both[0].credential_id)
    assert [c.credential_id for c in client.list_web_authn_credentials().credentials] == [both[1].credential_id]


def test_a_refused_registration_is_the_servers_error(connect, server, make_user):
    pool = passkey_pool(server)
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    with pytest.raises(errors.error_class("WebAuthnOriginNotAllowedException")):
        client.associate_web_authn_credential(SoftwareAuthenticator("https://phishing.test"))
    with pytest.raises(errors.ResourceNotFoundException):
        client.delete_web_authn_credential("bm90LWEtY3JlZGVudGlhbA")
    assert client.list_web_authn_credentials().credentials == ()


class _Broken:
    def create(self, options: Mapping[str, Any]) -> dict[str, Any]:
        raise RuntimeError("no authenticator attached")

    def get(self, options: Mapping[str, Any]) -> dict[str, Any]:
        raise RuntimeError("no authenticator attached")


def test_an_authenticator_failure_reaches_the_caller_and_registers_nothing(connect, server, make_user):
    pool = passkey_pool(server)
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    with pytest.raises(RuntimeError, match="no authenticator"):
        client.associate_web_authn_credential(_Broken())
    assert client.list_web_authn_credentials().credentials == ()


def test_signed_out_and_empty_input_are_refused_before_any_request(connect, server):
    pool = passkey_pool(server)
    client = connect(pool)
    with pytest.raises(errors.UserUnAuthenticatedException):
        client.associate_web_authn_credential(SoftwareAuthenticator("https://example.com"))
    with pytest.raises(errors.UserUnAuthenticatedException):
        client.list_web_authn_credentials()
    with pytest.raises(errors.AuthValidationError):
        client.delete_web_authn_credential("")


def test_passkey_error_is_an_auth_error():
    error = PasskeyError("Invalid passkey registration options.", name="InvalidPasskeyRegistrationOptions")
    assert isinstance(error, errors.AuthError) and error.name == "InvalidPasskeyRegistrationOptions"


@pytest.mark.parametrize("options", [None, "not-an-object", {"challenge": ""}, {"challenge": "abc"}])
def test_unusable_registration_options_are_a_passkey_error(scripted, options):
    client, wire = scripted
    wire.add("InitiateAuth", {"AuthenticationResult": make_tokens()})
    client.sign_in("alice", PASSWORD, {"authFlowType": "USER_PASSWORD_AUTH"})
    wire.add("StartWebAuthnRegistration", {"CredentialCreationOptions": options} if options is not None else {})
    authenticator = SoftwareAuthenticator("https://example.com")
    with pytest.raises(PasskeyError) as info:
        client.associate_web_authn_credential(authenticator)
    assert info.value.name == "InvalidPasskeyRegistrationOptions"
    assert authenticator.keys == {} and [c.operation for c in wire.calls][-1] == "StartWebAuthnRegistration"


# ------------------------------------------------------------------ signing in with the passkey

USER_AUTH = {"auth_flow_type": "USER_AUTH"}


def registered(connect: Any, server: Any, make_user: Any) -> tuple[dict[str, Any], str, SoftwareAuthenticator]:
    pool = passkey_pool(server)
    username = make_user(pool)
    authenticator = SoftwareAuthenticator("https://example.com")
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    client.associate_web_authn_credential(authenticator)
    client.sign_out()
    return pool, username, authenticator


def test_sign_in_with_the_passkey_preferred(connect, server, make_user):
    pool, username, authenticator = registered(connect, server, make_user)
    client = connect(pool, passkey_authenticator=authenticator)
    out = client.sign_in(username, options={**USER_AUTH, "preferred_challenge": "WEB_AUTHN"})
    assert out.is_signed_in and out.next_step.sign_in_step == "DONE"
    assert client.fetch_auth_session().tokens.access_token.payload["username"] == username
    [key] = authenticator.keys.values()
    assert key.counter == 1  # one assertion made, the server took it


def test_sign_in_with_the_passkey_chosen_from_the_selection(connect, server, make_user):
    pool, username, authenticator = registered(connect, server, make_user)
    client = connect(pool, passkey_authenticator=authenticator)
    out = client.sign_in(username, options=USER_AUTH)
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"
    assert "WEB_AUTHN" in out.next_step.available_challenges
    assert client.confirm_sign_in("WEB_AUTHN").is_signed_in


def test_a_refused_assertion_ends_the_sign_in(connect, server, make_user):
    pool, username, authenticator = registered(connect, server, make_user)
    authenticator.origin = "https://phishing.test"
    client = connect(pool, passkey_authenticator=authenticator)
    with pytest.raises(errors.NotAuthorizedException, match="origin"):
        client.sign_in(username, options={**USER_AUTH, "preferred_challenge": "WEB_AUTHN"})
    assert client.fetch_auth_session().tokens is None
    assert not client.context.sign_in.active


def test_without_an_authenticator_the_passkey_sign_in_is_a_passkey_error(connect, server, make_user):
    pool, username, _ = registered(connect, server, make_user)
    client = connect(pool)
    with pytest.raises(PasskeyError) as info:
        client.sign_in(username, options={**USER_AUTH, "preferred_challenge": "WEB_AUTHN"})
    assert info.value.name == "PasskeyNotSupported"
    assert not client.context.sign_in.active


@pytest.mark.parametrize("raw", ["", "not json", '{"rpId": "example.com"}', "[1]"])
def test_unusable_request_options_are_a_passkey_error(scripted, raw):
    client, wire = scripted
    client.context.passkey_authenticator = SoftwareAuthenticator("https://example.com")
    wire.add("InitiateAuth", {"ChallengeName": "WEB_AUTHN", "Session": "s1",
                              "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": raw}})
    with pytest.raises(PasskeyError) as info:
        client.sign_in("alice", options={**USER_AUTH, "preferred_challenge": "WEB_AUTHN"})
    assert info.value.name == "InvalidPasskeyAuthenticationOptions"
    assert not client.context.sign_in.active and [c.operation for c in wire.calls] == ["InitiateAuth"]


def test_sequential_web_authn_challenges_are_refused(scripted):
    client, wire = scripted
    authenticator = SoftwareAuthenticator("https://example.com")
    authenticator.create({"rp": {"id": "example.com"}, "user": {"id": "dXNlcg"}, "challenge": "Y2hhbGxlbmdl"})
    client.context.passkey_authenticator = authenticator
    challenge = {"ChallengeName": "WEB_AUTHN", "Session": "s1",
                 "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": '{"challenge": "YWJj", "rpId": "example.com"}'}}
    wire.add("InitiateAuth", challenge).add("RespondToAuthChallenge", challenge)
    with pytest.raises(errors.SignInException, match="Sequential WEB_AUTHN"):
        client.sign_in("alice", options={**USER_AUTH, "preferred_challenge": "WEB_AUTHN"})
    answer = wire.calls[1].payload
    assert answer["ChallengeName"] == "WEB_AUTHN" and answer["Session"] == "s1"
    assert json.loads(answer["ChallengeResponses"]["CREDENTIAL"])["response"]["signature"]
    assert not client.context.sign_in.active
