"""Tracked devices through the Python client, against the real server: the device is
confirmed automatically after a sign-in (Amplify's getNewDeviceMetadata), remember_device
then lets a later sign-in skip TOTP through DEVICE_SRP_AUTH done by the client itself, and
fetch_devices / forget_device work as Amplify's do."""

from __future__ import annotations

import time

import pyotp
import pytest
from client_helpers import make_pool

from userpool.auth import AuthDevice, MemoryStore, errors

PASSWORD = "Passw0rd!"


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time(), counter_offset=offset)


def _device_pool(server, *, prompt: bool = True):
    pool = make_pool(server, DeviceConfiguration={"ChallengeRequiredOnNewDevice": True,
                                                  "DeviceOnlyRememberedOnUserPrompt": prompt})
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
                                          SoftwareTokenMfaConfiguration={"Enabled": True})
    return pool


def _totp_user(client, username: str) -> str:
    """TOTP set up and preferred on a first sign-in (which also confirms this client's device)."""
    assert client.sign_in(username, PASSWORD).is_signed_in
    details = client.set_up_totp()
    client.verify_totp_setup(_code(details.shared_secret))
    client.update_mfa_preference(totp="PREFERRED")
    return details.shared_secret


def test_remember_device_then_the_next_sign_in_skips_totp(connect, server, make_user):
    pool = _device_pool(server)
    username = make_user(pool)
    client = connect(pool, storage=MemoryStore())
    secret = _totp_user(client, username)
    devices = client.fetch_devices()
    assert len(devices) == 1 and isinstance(devices[0], AuthDevice)
    assert devices[0].attributes["dev:device_remembered_status"] == "not_remembered"  # on user prompt only
    device_key = client.fetch_auth_session().tokens.access_token.payload["device_key"]
    assert devices[0].id == device_key and devices[0].name
    client.sign_out()
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"  # confirmed, not remembered: MFA as before
    with pytest.raises(errors.UserUnAuthenticatedException):
        client.remember_device()
    assert client.confirm_sign_in(_code(secret, 1)).is_signed_in
    assert [d.id for d in client.fetch_devices()] == [device_key]  # the same device, not a new one


def test_remembered_device_sign_in_and_forget_device(connect, server, make_user):
    pool = _device_pool(server)
    username = make_user(pool)
    client = connect(pool, storage=MemoryStore())
    secret = _totp_user(client, username)
    client.remember_device()
    assert client.fetch_devices()[0].attributes["dev:device_remembered_status"] == "remembered"
    key = client.fetch_auth_session().tokens.access_token.payload["device_key"]
    client.sign_out()
    out = client.sign_in(username, PASSWORD)  # DEVICE_SRP_AUTH answered by the client: no TOTP step
    assert out.is_signed_in, out.next_step
    tokens = client.fetch_auth_session(force_refresh=True).tokens  # the refresh names the device too
    assert tokens.access_token.payload["device_key"] == key
    client.forget_device()
    assert client.fetch_devices() == []
    client.sign_out()
    out = client.sign_in(username, PASSWORD)  # forgotten: TOTP again, and a new device after it
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert client.confirm_sign_in(_code(secret, 1)).is_signed_in
    devices = client.fetch_devices()
    assert [d.id for d in devices] != [key] and len(devices) == 1
    client.forget_device(devices[0])
    assert client.fetch_devices() == []
    with pytest.raises(errors.DeviceMetadataException):
        client.remember_device()


def test_without_device_tracking_nothing_is_stored(connect, server, make_user):
    pool = make_pool(server)
    username = make_user(pool)
    store = MemoryStore()
    client = connect(pool, storage=store)
    assert client.sign_in(username, PASSWORD).is_signed_in
    assert "device_key" not in client.fetch_auth_session().tokens.access_token.payload
    assert not [k for k in store._items if k.endswith(".device")]
    with pytest.raises(errors.DeviceMetadataException):
        client.remember_device()
    assert client.fetch_devices() == []
