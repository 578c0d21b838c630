"""The admin console's pure parts: the search box's filter, the sign-in redirect target, the
admin key check and the timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from userpool.server.console import auth, pools, signin, users, web
from userpool.server.oauth2.cookies import CookieJar
from userpool.server.sealing import Sealer


@pytest.mark.parametrize(("text", "expected"), [
    ("", None),
    ("   ", None),
    ('email ^= "ann"', 'email ^= "ann"'),
    ("ann", 'username ^= "ann"'),
    ('a"b\\c', 'username ^= "a\\"b\\\\c"'),
])
def test_search_box_filter(text: str, expected: str | None) -> None:
    assert users.filter_of(text) == expected


@pytest.mark.parametrize(("target", "ok"), [
    ("/admin/pools", True),
    ("/admin/pools/us-east-1_x/users?filter=a", True),
    ("https://evil.example/admin/", False),
    ("//evil.example/admin/", False),
    ("/admin//evil.example", False),
    ("/admin/\\evil.example", False),
    ("/adminx", False),
    ("", False),
])
def test_sign_in_goes_back_only_to_console_paths(target: str, ok: bool) -> None:
    assert signin._safe_next(target) == (target if ok else "")


def _state(tmp_path: Path) -> Any:
    return SimpleNamespace(admin_credentials={"AKIAEXAMPLE": "s3cret"}, sealer=Sealer(b"k" * 32),
                           config=SimpleNamespace(admin_console_client=None))


def test_admin_key_check(tmp_path: Path) -> None:
    state = _state(tmp_path)
    assert auth.check_key(state, "AKIAEXAMPLE", "s3cret")
    assert not auth.check_key(state, "AKIAEXAMPLE", "s3cre")
    assert not auth.check_key(state, "AKIAOTHER", "s3cret")
    assert not auth.check_key(state, "AKIAOTHER", "")


def test_a_session_ends_when_the_admin_key_changes(tmp_path: Path) -> None:
    state = _state(tmp_path)
    jar = CookieJar.for_sealer(state.sealer)
    cookie = auth.session_value(state, jar, "AKIAEXAMPLE")
    admin = auth.admin_of(state, jar, cookie)
    assert admin is not None and admin.who == "admin-key:AKIAEXAMPLE"
    state.admin_credentials["AKIAEXAMPLE"] = "rotated"
    assert auth.admin_of(state, jar, cookie) is None
    assert auth.admin_of(state, jar, cookie + "x") is None
    assert auth.admin_of(state, jar, jar.sign({"k": "AKIAEXAMPLE", "c": "x"}, "csrf")) is None


def test_timestamps_and_progress() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert web.when(moment) == "2026-01-02 03:04 UTC"
    assert web.when(moment.timestamp()) == "2026-01-02 03:04 UTC"
    assert web.when(None) == "" and web.when(True) == ""
    assert pools.done_of({"ImportedUsers": 7, "SkippedUsers": 2, "FailedUsers": 1}) == 10
    assert pools.done_of({}) == 0
