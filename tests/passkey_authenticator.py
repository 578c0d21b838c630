"""A software WebAuthn authenticator for tests: ES256 keys (cryptography), attestation "none",
CTAP2 authenticatorData (rpIdHash, flags, counter, attested credential data) and the
clientDataJSON a browser would write, in the JSON form Amplify sends (base64url fields).

It implements ``userpool.auth.PasskeyAuthenticator`` (``create`` / ``get``) and lets a test
misbehave on purpose: report another ``origin``, sign for another ``rp_id``, turn the counter
back, drop user verification, or replay ``last_assertion``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Key:
    private: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: str
    counter: int = 0


@dataclass
class SoftwareAuthenticator:
    origin: str
    #: sign for this RP id instead of the one in the options (a phishing site's authenticator)
    rp_id: str | None = None
    user_verified: bool = True
    counter_step: int = 1
    keys: dict[str, Key] = field(default_factory=dict)
    last_assertion: dict[str, Any] | None = None

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def _flags(self, extra: int = 0) -> int:
        return FLAG_UP | (FLAG_UV if self.user_verified else 0) | extra

    def create(self, options: Mapping[str, Any]) -> dict[str, Any]:
        rp_id = self.rp_id or options["rp"]["id"]
        private = ec.generate_private_key(ec.SECP256R1())
        numbers = private.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        credential_id = os.urandom(32)
        attested = bytes(16) + struct.pack(">H", len(credential_id)) + credential_id + encode_cbor(cose)
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags(FLAG_AT)]) + struct.pack(">I", 0) + attested
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.keys[b64url(credential_id)] = Key(private, rp_id, options["user"]["id"])
        return {
            "id": b64url(credential_id),
            "rawId": b64url(credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(self, options: Mapping[str, Any]) -> dict[str, Any]:
        allowed = [c["id"] for c in options.get("allowCredentials") or []]
        credential_id = next((c for c in allowed if c in self.keys), None) or next(iter(self.keys))
        return self.assert_with(credential_id, options["challenge"], self.rp_id or options.get("rpId") or "")

    def assert_with(self, credential_id: str, challenge: str, rp_id: str) -> dict[str, Any]:
        """An assertion by ``credential_id`` over ``challenge`` (the counter moves by counter_step)."""
        key = self.keys[credential_id]
        key.counter += self.counter_step
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags()]) + struct.pack(">I", max(key.counter, 0))
        client_data = self._client_data("webauthn.get", challenge)
        signature = key.private.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        self.last_assertion = {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": key.user_handle,
            },
        }
        return self.last_assertion
