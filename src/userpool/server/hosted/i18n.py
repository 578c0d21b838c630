"""The hosted pages in the person's language: the ``lang`` parameter of ``/oauth2/authorize``
and ``/login`` (carried on every next page) picks one message catalog, as Cognito's managed
login does for the languages it lists; anything else is English.

One catalog per language in ``locales/<lang>.json``, a flat map of message keys to text
(``{name}`` placeholders filled in at render time); ``en.json`` is the reference and every
other catalog has exactly its keys (tests check it). The pages' code names messages by key,
or passes a :class:`Text` for one with values; the messages Cognito's operations answer with
(``Incorrect username or password.`` ...) are translated by their exact English text, and
anything unknown (a trigger's own message) is shown as it came.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from userpool.server import messages

DEFAULT = "en"
LANGUAGES = ("de", "en", "es", "fr", "id", "it", "ja", "ko", "pt-BR", "zh-CN", "zh-TW")
_BY_LOWER = {code.lower(): code for code in LANGUAGES}
_REGIONLESS = {"pt": "pt-BR", "zh": "zh-CN"}  # a bare language: the variant Cognito offers
_TRADITIONAL = ("zh-hant", "zh-hk", "zh-mo")

# Cognito's answers a person sees on the pages (messages.py's, and a few worded once elsewhere),
# by exact text; the value is their catalog key.
COGNITO_MESSAGES = {
    messages.WRONG_PASSWORD: "cognito.wrong_password",
    messages.USER_DISABLED: "cognito.user_disabled",
    messages.USER_NOT_FOUND: "cognito.user_not_found",
    messages.SESSION_EXPIRED: "cognito.session_expired",
    messages.INVALID_SESSION: "cognito.session_expired",
    messages.WRONG_CODE: "cognito.wrong_code",
    messages.RESET_REQUIRED: "cognito.reset_required",
    "Password attempts exceeded": "cognito.attempts_exceeded",
    "Attempt limit exceeded, please try after some time.": "cognito.limit_exceeded",
    "Invalid verification code provided, please try again.": "cognito.wrong_code",
    "Invalid code provided, please request a code again.": "cognito.code_expired",
    "User already exists": "cognito.user_exists",
    "Temporary password has expired and must be reset by an administrator.": "cognito.temporary_expired",
}
COGNITO_PREFIXES = {"Password does not conform to policy": "cognito.password_policy"}


@dataclass(frozen=True, init=False)
class Text:
    """A message with values: ``Text("msg.enter_attribute", name="email")``."""

    key: str
    values: dict[str, str] = field(default_factory=dict)

    def __init__(self, key: str, **values: str) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "values", values)


def resolve(lang: str | None) -> str:
    """The catalog for a ``lang`` value: exact (any case), else by its language alone
    (``fr-CA`` is French, ``pt`` Brazilian Portuguese), else English."""
    if not lang:
        return DEFAULT
    wanted = lang.strip().lower().replace("_", "-")
    if wanted in _BY_LOWER:
        return _BY_LOWER[wanted]
    if wanted.startswith(_TRADITIONAL):
        return "zh-TW"
    base = wanted.split("-", 1)[0]
    return _BY_LOWER.get(base) or _REGIONLESS.get(base) or DEFAULT


@cache
def catalog(code: str) -> dict[str, str]:
    text = resources.files("userpool.server.hosted").joinpath("locales", f"{code}.json").read_text("utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


@dataclass(frozen=True)
class Translator:
    """What the templates call ``t``: ``t("login.submit")``, ``t.text(error)``."""

    lang: str

    def __call__(self, key: str, **values: Any) -> str:
        text = catalog(self.lang).get(key) or catalog(DEFAULT)[key]  # a missing key is a bug: KeyError
        return text.format(**values) if values else text

    def text(self, message: str | Text | None) -> str:
        """A message for the person: a catalog key, a :class:`Text`, one of Cognito's answers, or as it is."""
        if message is None:
            return ""
        if isinstance(message, Text):
            return self(message.key, **message.values)
        if message in catalog(DEFAULT):
            return self(message)
        if self.lang == DEFAULT:
            return message
        key = COGNITO_MESSAGES.get(message)
        if key is None:
            key = next((k for prefix, k in COGNITO_PREFIXES.items() if message.startswith(prefix)), None)
        return self(key) if key is not None else message


def translator(lang: str | None) -> Translator:
    return Translator(resolve(lang))
