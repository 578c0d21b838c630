"""The load generator: separate processes on loopback, each with its own httpx.Client, each
stopping by itself at a fixed deadline or after a maximum number of operations.

An *operation* is what a client does to complete one task (a complete SRP sign-in is two
requests: InitiateAuth and RespondToAuthChallenge, with the client's SRP maths in between).
"""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing as mp
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from userpool import srp

TARGET = "AWSCognitoIdentityProviderService."
PASSWORD = "Bench-passw0rd!"
CALLBACK = "https://app.example.com/callback"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # the workers' client defaults to the JSON protocol's type


class CallFailed(Exception):
    pass


def call(client: httpx.Client, op: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/", content=json.dumps(body), headers={"X-Amz-Target": TARGET + op})
    if r.status_code != 200:
        raise CallFailed(f"{op}: {r.status_code} {r.text[:200]}")
    return r.json() if r.content else {}


# ------------------------------------------------------------------ operations


def op_srp(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    eph = srp.client_ephemeral()
    first = call(client, "InitiateAuth", {
        "ClientId": w["client_id"], "AuthFlow": "USER_SRP_AUTH",
        "AuthParameters": {"USERNAME": w["username"], "SRP_A": eph.srp_a},
    })
    p = first["ChallengeParameters"]
    signature, timestamp = srp.password_claim(
        eph, w["pool_id"], p["USER_ID_FOR_SRP"], w["password"], p["SALT"], p["SRP_B"], p["SECRET_BLOCK"]
    )
    body: dict[str, Any] = {
        "ClientId": w["client_id"], "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": p.get("USERNAME", p["USER_ID_FOR_SRP"]), "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp,
        },
    }
    if first.get("Session"):
        body["Session"] = first["Session"]
    out = call(client, "RespondToAuthChallenge", body)
    if "AuthenticationResult" not in out:
        raise CallFailed(f"no tokens: {str(out)[:200]}")


def op_password(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    out = call(client, "InitiateAuth", {
        "ClientId": w["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": w["username"], "PASSWORD": w["password"]},
    })
    if "AuthenticationResult" not in out:
        raise CallFailed(f"no tokens: {str(out)[:200]}")


def op_refresh(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    if w.get("refresh_api") == "GetTokensFromRefreshToken":
        call(client, "GetTokensFromRefreshToken", {"ClientId": w["client_id"], "RefreshToken": w["refresh_token"]})
    else:
        call(client, "InitiateAuth", {
            "ClientId": w["client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": w["refresh_token"]},
        })


def op_get_user(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    call(client, "GetUser", {"AccessToken": w["access_token"]})


def op_sign_up(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    name = f"su{w['index']}x{n}x{uuid.uuid4().hex[:8]}"
    call(client, "SignUp", {
        "ClientId": w["client_id"], "Username": name, "Password": PASSWORD,
        "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}],
    })


def op_list_users(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    """ListUsers with an indexed filter (admin: the request is signed with botocore's signer)."""
    body = json.dumps({"UserPoolId": w["pool_id"], "Filter": w["filters"][n % len(w["filters"])], "Limit": 60}).encode()
    headers = w["sign"](body)
    r = client.post("/", content=body, headers=headers)
    if r.status_code != 200:
        raise CallFailed(f"ListUsers: {r.status_code} {r.text[:200]}")


# ------------------------------------------------------------------ managed login and USER_AUTH (userpool only)


def op_client_credentials(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    """A machine-to-machine token: POST /oauth2/token, client_credentials, HTTP Basic, a custom scope."""
    r = client.post("/oauth2/token", data={"grant_type": "client_credentials", "scope": w["m2m_scope"]},
                    auth=(w["m2m_client_id"], w["m2m_client_secret"]), headers=FORM)
    if r.status_code != 200 or "access_token" not in r.json():
        raise CallFailed(f"client_credentials: {r.status_code} {r.text[:200]}")


class _FirstForm(HTMLParser):
    """The action and the named inputs (hidden CSRF token included) of a page's first form."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif (tag == "input" and self.action is not None and not self._done and a.get("name")
              and (a.get("type") != "radio" or "checked" in a)):  # an unchecked radio button is not sent
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.action is not None:
            self._done = True


def _follow(client: httpx.Client, r: httpx.Response) -> httpx.Response:
    """Follow the server's own redirects (relative ones) as a browser would; stop at the app's."""
    for _ in range(5):
        location = r.headers.get("location", "")
        if r.status_code not in (302, 303) or not location.startswith("/"):
            return r
        r = client.get(location)
    raise CallFailed("too many redirects")


def op_code_exchange(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    """A whole managed-login sign-in, as a browser without a session does it: GET /oauth2/authorize
    (code, PKCE S256, state) -> the hosted /login page -> POST the form (username, password and the
    page's hidden fields, with its cookies) -> the redirect to the app with the code -> POST
    /oauth2/token authorization_code with the code_verifier."""
    client.cookies.clear()  # a fresh browser: no hosted session, so the sign-in page and the password
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    state = secrets.token_urlsafe(12)
    query = {"client_id": w["web_client_id"], "response_type": "code", "redirect_uri": CALLBACK, "scope": "openid email",
             "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    page = _follow(client, client.get("/oauth2/authorize?" + urlencode(query)))
    form = _FirstForm()
    form.feed(page.text)
    if page.status_code != 200 or form.action is None:
        raise CallFailed(f"authorize: no sign-in page: {page.status_code} {page.text[:200]}")
    posted = client.post(form.action, data={**form.fields, "username": w["username"], "password": w["password"]}, headers=FORM)
    landed = _follow(client, posted)
    location = landed.headers.get("location", "")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    if not location.startswith(CALLBACK) or params.get("state") != state or "code" not in params:
        raise CallFailed(f"sign-in: no code: {landed.status_code} {location or landed.text[:200]}")
    r = client.post("/oauth2/token", headers=FORM, data={
        "grant_type": "authorization_code", "client_id": w["web_client_id"], "code": params["code"],
        "redirect_uri": CALLBACK, "code_verifier": verifier})
    if r.status_code != 200 or "id_token" not in r.json():
        raise CallFailed(f"authorization_code: {r.status_code} {r.text[:200]}")


def newest_code(outbox: str, pool_id: str, username: str, after: float) -> str | None:
    """The newest e-mailed code for this user in the server's outbox (DATA_DIR/outbox.jsonl), read
    from the file's end: every worker signs in its own user, so its message is among the last lines."""
    with open(outbox, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        for window in (1 << 16, size):
            start = max(0, size - window)
            f.seek(start)
            data = f.read(size - start)
            # a line another worker is appending may be there in part: only whole lines count
            lines = data[: data.rfind(b"\n") + 1].splitlines()[1 if start else 0:]
            for line in reversed(lines):
                msg = json.loads(line)
                if msg["time"] < after:
                    break
                if msg["username"] == username and msg["user_pool_id"] == pool_id and msg["delivery_medium"] == "EMAIL" and msg["code"]:
                    return str(msg["code"])
    return None


def op_email_otp(client: httpx.Client, w: dict[str, Any], n: int) -> None:
    """USER_AUTH with PREFERRED_CHALLENGE EMAIL_OTP: InitiateAuth -> the code from the outbox ->
    RespondToAuthChallenge EMAIL_OTP_CODE (2 calls; no password, so no argon2id)."""
    asked = time.time() - 1  # the outbox's timestamps are the server's clock: the same machine's
    first = call(client, "InitiateAuth", {
        "ClientId": w["client_id"], "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": w["username"], "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    })
    if first.get("ChallengeName") != "EMAIL_OTP":
        raise CallFailed(f"no EMAIL_OTP challenge: {str(first)[:200]}")
    code = newest_code(w["outbox"], w["pool_id"], w["username"], asked)
    if code is None:
        raise CallFailed("no code in the outbox")
    out = call(client, "RespondToAuthChallenge", {
        "ClientId": w["client_id"], "ChallengeName": "EMAIL_OTP", "Session": first["Session"],
        "ChallengeResponses": {"USERNAME": w["username"], "EMAIL_OTP_CODE": code},
    })
    if "AuthenticationResult" not in out:
        raise CallFailed(f"no tokens: {str(out)[:200]}")


OPERATIONS = {
    "srp": op_srp,
    "password": op_password,
    "refresh": op_refresh,
    "get_user": op_get_user,
    "sign_up": op_sign_up,
    "list_users": op_list_users,
    "client_credentials": op_client_credentials,
    "code_exchange": op_code_exchange,
    "email_otp": op_email_otp,
}


# ------------------------------------------------------------------ running


@dataclass
class LoadResult:
    operations: int
    errors: int
    elapsed: float
    latencies: list[float]
    first_error: str | None

    @property
    def throughput(self) -> float:
        return self.operations / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _worker(url: str, name: str, w: dict[str, Any], start_at: float, duration: float, max_ops: int, out: Any) -> None:
    fn = OPERATIONS[name]
    latencies: list[float] = []
    errors = 0
    first_error = None
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        try:
            fn(client, w, -1)  # warm the connection (not counted)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            first_error = f"{type(exc).__name__}: {exc}"
        while time.time() < start_at:
            time.sleep(0.002)
        deadline = start_at + duration
        n = 0
        while n < max_ops and time.time() < deadline:
            t0 = time.perf_counter()
            try:
                fn(client, w, n)
            except Exception as exc:  # noqa: BLE001
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
            else:
                latencies.append(time.perf_counter() - t0)
            n += 1
    out.put((latencies, errors, first_error, time.time()))


def run(url: str, name: str, per_worker: list[dict[str, Any]], duration: float, max_ops: int,
        on_start: Any = None) -> LoadResult:
    """Run ``name`` from one process per entry of ``per_worker`` for ``duration`` seconds
    (each stops after ``max_ops`` as well); ``on_start()`` is called right before the start."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    start_at = time.time() + 0.6 + 0.05 * len(per_worker)
    procs = [ctx.Process(target=_worker, args=(url, name, w, start_at, duration, max_ops, queue), daemon=True) for w in per_worker]
    for p in procs:
        p.start()
    while time.time() < start_at - 0.02:
        time.sleep(0.005)
    if on_start:
        on_start()
    results = [queue.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join(10)
    ended = max(r[3] for r in results)
    latencies = [x for r in results for x in r[0]]
    return LoadResult(
        operations=len(latencies), errors=sum(r[1] for r in results), elapsed=max(1e-9, ended - start_at),
        latencies=latencies, first_error=next((r[2] for r in results if r[2]), None),
    )
