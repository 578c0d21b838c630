"""DEVICE_SRP_AUTH: a remembered device signs in in place of MFA (ChallengeRequiredOnNewDevice).

:func:`issue` asks for it after the first factor (``mfa_step.py``); the client answers with
``DEVICE_KEY`` and a fresh ``SRP_A``, and :func:`answer` replies DEVICE_PASSWORD_VERIFIER
(``device_password_verifier.py``): salt, ``SRP_B`` and a single-use ``SECRET_BLOCK``, the SRP
of ``userpool.srp`` with the device group key and device key in place of pool and user.
"""

from __future__ import annotations

from typing import Any

from userpool import srp
from userpool.server import devices, errors, lockout
from userpool.server.context import Context
from userpool.server.db import AppClient, Device, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa


def issue(ctx: Context, client: AppClient, user: User, device: Device, source: str, caller: Caller) -> dict[str, Any]:
    state = {"source": source, "device_key": device.device_key}
    session = pipeline.open_challenge(ctx, client, user, user.username, names.DEVICE_SRP_AUTH, caller, state)
    return _mfa.answer_of(names.DEVICE_SRP_AUTH, session, {"USERNAME": user.username})


def require_device(ctx: Context, user: User, state: dict[str, Any], answers: dict[str, Any]) -> Device:
    """The remembered device this sign-in was asked to prove: the answer's DEVICE_KEY must be it."""
    key = answers.get("DEVICE_KEY")
    if not key:
        raise errors.InvalidParameter("Missing required parameter DEVICE_KEY")
    device = devices.find(ctx, user, key, lock=True)
    if device is None or key != state.get("device_key") or not devices.is_remembered(device):
        raise errors.ResourceNotFound(devices.NOT_FOUND, persist=True)
    return device


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    big_a = srp.parse_srp_a(answers.get("SRP_A") or "")
    if big_a is None:
        raise errors.InvalidParameter("Missing required parameter SRP_A" if not answers.get("SRP_A") else "SRP_A is invalid")
    pending, user = pipeline.take_challenge(ctx, client, answers, session, names.DEVICE_SRP_AUTH, caller)
    lockout.check_not_locked(user, ctx.now)
    device = require_device(ctx, user, pending.state, answers)
    verifier = devices.verifier(ctx, device)
    eph = srp.server_ephemeral(verifier)
    key = srp.server_session_key(big_a, verifier, eph)
    if key is None:
        raise errors.InvalidParameter("SRP_A is invalid", persist=True)
    state = {"key": key.hex(), "device_key": device.device_key, "source": _mfa.source(pending)}
    handle = pipeline.open_challenge(ctx, client, user, user.username, names.DEVICE_PASSWORD_VERIFIER, caller, state,
                                     secret_block=True)
    parameters = {"SALT": device.srp_salt or "", "SRP_B": eph.srp_b, "SECRET_BLOCK": handle, "USERNAME": user.username,
                  "DEVICE_KEY": device.device_key}
    return _mfa.answer_of(names.DEVICE_PASSWORD_VERIFIER, handle, parameters)
