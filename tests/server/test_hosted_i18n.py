"""The hosted pages in the languages Cognito's managed login offers (``lang`` on /oauth2/authorize
and /login): one catalog per language, English for anything else, and the language kept on
every next page (the next sign-in step, forgotten password, sign-up)."""

from __future__ import annotations

import json
import re
import string
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningServer
from tests.server.oauth_helpers import Browser, Page, oauth_pool, unique
from userpool.server import messages
from userpool.server.hosted import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"
HOSTED = Path(i18n.__file__).parent


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def page_of(result: Any) -> Page:
    assert isinstance(result, Page), result.headers.get("location")
    return result


def html_lang(page: Page) -> str:
    found = re.search(r'<html lang="([^"]+)">', page.response.text)
    assert found, page.response.text[:200]
    return found.group(1)


def query_of(page: Page) -> str:
    return page.forms[0].action.split("?", 1)[1]


# ------------------------------------------------------------------ the catalogs


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_message_with_the_same_placeholders() -> None:
    english = i18n.catalog("en")
    assert set(i18n.LANGUAGES) == {"de", "en", "es", "fr", "id", "it", "ja", "ko", "pt-BR", "zh-CN", "zh-TW"}
    for code in i18n.LANGUAGES:
        other = i18n.catalog(code)
        assert set(other) == set(english), code
        for key, text in english.items():
            assert placeholders(other[key]) == placeholders(text), (code, key)
            assert other[key].strip(), (code, key)
        if code != "en":  # translated, not English left in place (a few words are the same in some languages)
            same = [k for k in english if other[k] == english[k]]
            assert len(same) < 6, (code, same)
    shipped = {p.name for p in resources.files("userpool.server.hosted").joinpath("locales").iterdir()}
    assert shipped == {f"{code}.json" for code in i18n.LANGUAGES}


def test_every_key_the_pages_use_is_in_the_catalog() -> None:
    english = i18n.catalog("en")
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= {k for k in re.findall(r't\("([a-z_.A-Z]+)"', template.read_text()) if not k.endswith(".")}
    for module in HOSTED.glob("*.py"):
        used |= set(re.findall(r'"((?:msg|cognito)\.[a-z_]+)"', module.read_text()))
    assert used and used <= set(english), used - set(english)
    # the prefixed keys the templates build: one per MFA choice and code challenge
    for name in ("SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"):
        assert f"mfa.{name}" in english and f"code.title.{name}" in english
    assert set(i18n.COGNITO_MESSAGES.values()) | set(i18n.COGNITO_PREFIXES.values()) <= set(english)


@pytest.mark.parametrize(("lang", "code"), [
    ("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr"), ("pt-BR", "pt-BR"), ("pt_br", "pt-BR"), ("pt", "pt-BR"),
    ("zh-cn", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-TW"), ("zh-Hant", "zh-TW"), ("ja-JP", "ja"),
    ("xx", "en"), ("", "en"), (None, "en"), ("en-GB", "en"), ("../../etc/passwd", "en"),
])
def test_lang_values_pick_a_catalog_or_english(lang: str | None, code: str) -> None:
    assert i18n.resolve(lang) == code


def test_cognitos_messages_are_translated_and_unknown_ones_kept() -> None:
    fr = i18n.translator("fr")
    assert fr.text(messages.WRONG_PASSWORD) == i18n.catalog("fr")["cognito.wrong_password"]
    assert fr.text("Password does not conform to policy: Password not long enough") == \
        i18n.catalog("fr")["cognito.password_policy"]
    assert fr.text("PreAuthentication failed with error nope.") == "PreAuthentication failed with error nope."
    assert fr.text(i18n.Text("msg.enter_attribute", name="email")) == "Renseignez email."
    en = i18n.translator("en")
    assert en.text("Password does not conform to policy: Password not long enough").endswith("not long enough")


# ------------------------------------------------------------------ the pages


def test_the_sign_in_page_in_french(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    login = page_of(browser.authorize(pool, lang="fr"))
    assert login.status == 200 and html_lang(login) == "fr"
    for text in ("Nom d'utilisateur", "Mot de passe", "Se connecter", "Mot de passe oublié ?",
                 "Connectez-vous avec votre nom d'utilisateur et votre mot de passe"):
        assert text in login.text, text
    assert "Sign in with your username and password" not in login.text and "Username" not in login.text
    assert "lang=fr" in login.form.action


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_language_renders_the_sign_in_page(server: RunningServer, browser: Browser, lang: str) -> None:
    pool = oauth_pool(server)
    login = browser.page(browser.get("/login?" + f"client_id={pool['client_id']}&response_type=code"
                                     f"&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&lang={lang}"))
    assert login.status == 200 and html_lang(login) == lang
    assert i18n.catalog(lang)["login.heading"] in login.text


@pytest.mark.parametrize("lang", ["xx", "klingon", "en"])
def test_an_unknown_lang_is_english(server: RunningServer, browser: Browser, lang: str) -> None:
    pool = oauth_pool(server)
    login = page_of(browser.authorize(pool, lang=lang))
    assert html_lang(login) == "en"
    assert "Sign in with your username and password" in login.text and "Username" in login.text


def test_the_language_survives_each_post_and_the_next_step(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd1",
                                   MessageAction="SUPPRESS")
    login = page_of(browser.authorize(pool, lang="de"))
    wrong = page_of(browser.follow_to_app(browser.submit(login.form, username=username, password="Wrong-passw0rd1")))
    assert wrong.status == 400 and html_lang(wrong) == "de"
    assert "Benutzername oder Passwort ist falsch." in wrong.text  # Cognito's refusal, in German
    step = page_of(browser.follow_to_app(browser.submit(wrong.form, username=username, password="Temp-passw0rd1")))
    assert step.status == 200 and html_lang(step) == "de"
    assert "Neues Passwort" in step.text and "lang=de" in step.form.action
    empty = page_of(browser.follow_to_app(browser.submit(step.form, new_password="")))
    assert empty.status == 400 and "Bitte geben Sie ein neues Passwort ein." in empty.text


def test_forgot_password_and_sign_up_keep_the_language(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool, attributes={"email": "jo@example.com", "email_verified": "true"})
    login = page_of(browser.authorize(pool, lang="ja"))
    forgot = page_of(browser.follow_to_app(browser.get("/forgotPassword?" + query_of(login))))
    assert html_lang(forgot) == "ja" and i18n.catalog("ja")["forgot.heading"] in forgot.text
    reset = page_of(browser.follow_to_app(browser.submit(forgot.form, username=username)))
    assert html_lang(reset) == "ja" and "パスワードのリセット" in reset.text and "lang=ja" in reset.form.action
    signup = page_of(browser.follow_to_app(browser.get("/signup?" + query_of(login))))
    assert html_lang(signup) == "ja" and "新しいアカウントの登録" in signup.text
    blank = page_of(browser.follow_to_app(browser.submit(signup.form, username="", password="")))
    assert blank.status == 400 and "すべての項目を入力してください。" in blank.text
    made = page_of(browser.follow_to_app(browser.submit(signup.form, username=unique(), password="Passw0rd!x",
                                                        attr_email="new@example.com")))
    assert html_lang(made) == "ja" and "アカウントの確認" in made.text


def test_error_pages_before_the_request_is_checked_use_the_lang_too(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    login = page_of(browser.authorize(pool, lang="es"))
    forged = browser.http.post(login.form.action, data={"username": "x", "password": "y", "_csrf": "forged"})
    page = browser.page(forged)
    assert forged.status_code == 403 and html_lang(page) == "es"
    assert i18n.catalog("es")["msg.form_expired"] in page.text
    assert json.loads(json.dumps(page.text))  # plain text, nothing broken in the encoding
