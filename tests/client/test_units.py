"""Small pure pieces: errors, JWT decoding, config, storage, wire decoding."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from client_helpers import make_jwt

from userpool import auth
from userpool.auth import AuthConfig, FileStore, KeyringStore, MemoryStore, TokenStore, decode_jwt, errors
from userpool.auth.flows.base import CognitoCall
from userpool.auth.transport import decode_response, request_body, request_headers, should_retry

# ---------------------------------------------------------------- errors


def test_error_classes_by_name():
    assert errors.error_class("CodeMismatchException") is errors.CodeMismatchException
    made = errors.error_class("BrandNewException")
    assert issubclass(made, errors.AuthError) and made.__name__ == "BrandNewException"
    assert errors.error_class("BrandNewException") is made
    assert errors.SomethingElseException is errors.error_class("SomethingElseException")
    e = errors.make_error("NotAuthorizedException", "Incorrect username or password.")
    assert isinstance(e, errors.NotAuthorizedException) and isinstance(e, errors.AuthError)
    assert e.name == "NotAuthorizedException" and e.message == "Incorrect username or password."
    assert e.recovery_suggestion and str(e) == "NotAuthorizedException: Incorrect username or password."
    assert errors.error_class("not an identifier") is errors.AuthError


# ---------------------------------------------------------------- jwt


def test_decode_jwt():
    raw = make_jwt(sub="s", exp=10, iat=5, nested={"a": [1]})
    token = decode_jwt(raw)
    assert token.payload["nested"] == {"a": [1]} and token.exp == 10 and token.iat == 5
    assert str(token) == raw == token.to_string()
    for bad in ("", "a.b", "x.y.z", 42):
        with pytest.raises(errors.InvalidJWTError):
            decode_jwt(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- config


def test_default_endpoint_is_regional_cognito():
    cfg = AuthConfig(user_pool_id="eu-west-2_AbC", client_id="c")
    assert cfg.resolved_region == "eu-west-2"
    assert cfg.resolved_endpoint == "https://cognito-idp.eu-west-2.amazonaws.com/"
    assert AuthConfig(user_pool_id="eu-west-2_AbC", client_id="c", endpoint="http://127.0.0.1:9/").resolved_endpoint == "http://127.0.0.1:9/"
    with pytest.raises(errors.AuthConfigException):
        AuthConfig(user_pool_id="nounderscore", client_id="c")
    with pytest.raises(errors.AuthConfigException):
        AuthConfig(user_pool_id="us-east-1_x", client_id="")


def test_configure_from_amplify_outputs(tmp_path):
    outputs = {
        "version": "1.3",
        "auth": {"user_pool_id": "ap-south-1_Pool1", "aws_region": "ap-south-1", "user_pool_client_id": "abc123",
                 "identity_pool_id": "ap-south-1:x", "mfa_configuration": "OPTIONAL"},
    }
    path = tmp_path / "amplify_outputs.json"
    path.write_text(json.dumps(outputs))
    client = auth.configure(outputs=path)
    assert auth.get_default_client() is client
    assert client.config.user_pool_id == "ap-south-1_Pool1" and client.config.client_id == "abc123"
    assert client.config.resolved_endpoint == "https://cognito-idp.ap-south-1.amazonaws.com/"
    outputs["auth"]["user_pool_endpoint"] = "http://127.0.0.1:9229/"
    assert AuthConfig.from_outputs(outputs).resolved_endpoint == "http://127.0.0.1:9229/"
    assert AuthConfig.from_outputs(outputs, endpoint="http://other/").endpoint == "http://other/"
    with pytest.raises(errors.AuthConfigException):
        AuthConfig.from_outputs({"version": "1"})
    with pytest.raises(errors.AuthConfigException):
        AuthConfig.from_outputs(tmp_path / "missing.json")


# ---------------------------------------------------------------- storage


def _roundtrip(store: TokenStore) -> None:
    assert store.get_item("k") is None
    store.set_item("k", "v1")
    store.set_item("other", "x")
    assert store.get_item("k") == "v1"
    store.set_item("k", "v2")
    assert store.get_item("k") == "v2"
    store.remove_item("k")
    store.remove_item("k")
    assert store.get_item("k") is None and store.get_item("other") == "x"


def test_memory_store():
    _roundtrip(MemoryStore())


def test_file_store_is_private_and_atomic(tmp_path):
    path = tmp_path / "cfg" / "tokens.json"
    store = FileStore(path)
    _roundtrip(store)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert json.loads(path.read_text()) == {"other": "x"}
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tokens.json.")] == []  # no temp files left
    # concurrent writers from several threads (and two store objects) lose nothing
    other = FileStore(path)

    def write(i: int) -> None:
        (store if i % 2 else other).set_item(f"key{i}", str(i))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(store.get_item(f"key{i}") == str(i) for i in range(20))
    path.write_text("{not json")
    assert store.get_item("other") is None  # a corrupt file reads as empty, no crash


def test_keyring_store_with_a_memory_backend():
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            if (service, username) not in self.items:
                raise PasswordDeleteError("missing")
            del self.items[(service, username)]

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        store = KeyringStore(service="userpool-test")
        _roundtrip(store)
        assert backend.items == {("userpool-test", "other"): "x"}
    finally:
        keyring.set_keyring(previous)


def test_store_protocol_is_structural():
    class Dict:
        def __init__(self):
            self.d = {}

        def get_item(self, key):
            return self.d.get(key)

        def set_item(self, key, value):
            self.d[key] = value

        def remove_item(self, key):
            self.d.pop(key, None)

    assert isinstance(Dict(), TokenStore)
    _roundtrip(Dict())


# ---------------------------------------------------------------- wire


def test_request_shape():
    call = CognitoCall("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH"})
    headers = request_headers(call)
    assert headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.InitiateAuth"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(request_body(call)) == {"AuthFlow": "USER_SRP_AUTH"}


@pytest.mark.parametrize(
    ("headers", "body", "name"),
    [
        ({"x-amzn-errortype": "NotAuthorizedException:http://internal.amazon.com/"}, b'{"message":"m"}', "NotAuthorizedException"),
        ({}, b'{"__type":"com.amazonaws.cognito#CodeMismatchException","message":"m"}', "CodeMismatchException"),
        ({}, b'{"code":"UserNotFoundException","__type":"Other","message":"m"}', "UserNotFoundException"),
        ({}, b'{"__type":"InvalidParameterException","Message":"m"}', "InvalidParameterException"),
    ],
)
def test_error_name_resolution(headers, body, name):
    with pytest.raises(errors.AuthError) as info:
        decode_response(400, headers, body)
    assert info.value.name == name and type(info.value).__name__ == name and info.value.message == "m"
    assert info.value.metadata["json"] is True


def test_non_json_errors():
    with pytest.raises(errors.InternalErrorException) as info:
        decode_response(500, {}, b"<html>Internal Server Error</html>")
    assert info.value.metadata == {"http_status": 500, "json": False, "request_id": None}
    assert should_retry(info.value)
    with pytest.raises(errors.AuthError) as info2:
        decode_response(404, {}, b"nope")
    assert info2.value.name == "UnknownError" and not should_retry(info2.value)
    assert decode_response(200, {}, b"") == {}
    assert should_retry(errors.make_error("TooManyRequestsException", metadata={"http_status": 400}))


def test_network_error_after_retries():
    client = auth.AuthClient(user_pool_id="us-east-1_x", client_id="c", endpoint="http://127.0.0.1:9/")
    with pytest.raises(errors.NetworkError) as info:
        client.sign_in("a", "b", {"auth_flow_type": "USER_PASSWORD_AUTH"})
    assert info.value.recovery_suggestion
    assert not client.context.sign_in.active


def test_unconfigured_module_functions(monkeypatch):
    monkeypatch.setattr(auth.default_client, "_default", None)
    with pytest.raises(errors.AuthConfigException):
        auth.fetch_auth_session()
