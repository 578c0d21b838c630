"""The client's commands: ``userpool login``, ``token``, ``whoami``, ``logout``.

Sessions live in a :class:`~userpool.auth.FileStore` (``tokens.json``, mode 0600) and the
pool/app client/endpoint chosen at login in ``config.json``, both under
``$USERPOOL_CONFIG_DIR`` (default ``$XDG_CONFIG_HOME/userpool`` or ``~/.config/userpool``),
so ``curl -H "Authorization: Bearer $(userpool token)" ...`` works after one ``login`` and
refreshes the token as needed. ``login`` walks every next step Amplify defines; a TOTP setup
shows a QR code in the terminal when ``segno`` is installed (``userpool[qr]``), and the
``otpauth://`` URI and secret always. ``login --browser`` signs in through managed login in
the system browser instead (``sign_in_with_redirect``: a loopback redirect, RFC 8252), with the
hosted UI's settings from ``--outputs`` (``auth.oauth``) or ``--domain`` / ``--redirect-uri``;
``$BROWSER`` picks the browser, as Python's ``webbrowser`` reads it.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from .auth import (
    AuthClient,
    AuthConfig,
    FileStore,
    OAuthConfig,
    SignInOutput,
    SignInStep,
    errors,
    system_browser,
)
from .auth.types import AuthTokens

T = TypeVar("T")

Endpoint = Annotated[
    str | None, typer.Option("--endpoint", envvar="USERPOOL_ENDPOINT", help="Cognito endpoint URL (default: saved, or AWS).")
]
PoolId = Annotated[str | None, typer.Option("--user-pool-id", envvar="USERPOOL_USER_POOL_ID", help="User pool id.")]
ClientId = Annotated[str | None, typer.Option("--client-id", envvar="USERPOOL_CLIENT_ID", help="App client id.")]
ClientSecret = Annotated[
    str | None, typer.Option("--client-secret", envvar="USERPOOL_CLIENT_SECRET", help="App client secret, if it has one.")
]
Region = Annotated[str | None, typer.Option("--region", envvar="USERPOOL_REGION", help="Region (default: from the pool id).")]
Outputs = Annotated[
    Path | None, typer.Option("--outputs", envvar="USERPOOL_OUTPUTS", help="An Amplify Gen 2 amplify_outputs.json.")
]


Domain = Annotated[
    str | None,
    typer.Option("--domain", envvar="USERPOOL_OAUTH_DOMAIN",
                 help="Managed login domain (host, or a URL with its scheme for a local server); for --browser."),
]
RedirectUri = Annotated[
    str | None,
    typer.Option("--redirect-uri", envvar="USERPOOL_REDIRECT_URI",
                 help="Loopback callback URL registered on the app client, e.g. http://localhost:8976/callback."),
]
LogoutUri = Annotated[
    str | None, typer.Option("--logout-uri", help="Sign-out URL registered on the app client (LogoutURLs).")
]
Scopes = Annotated[list[str] | None, typer.Option("--scope", help="OAuth scope to ask for (repeatable).")]


def config_dir() -> Path:
    """``$USERPOOL_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/userpool``, else ``~/.config/userpool``."""
    explicit = os.environ.get("USERPOOL_CONFIG_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or "~/.config"
    return Path(base).expanduser() / "userpool"


def _saved_config_path() -> Path:
    return config_dir() / "config.json"


def _load_saved() -> dict[str, Any]:
    try:
        data = json.loads(_saved_config_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_config(config: AuthConfig) -> None:
    store = FileStore(_saved_config_path())  # atomic, 0600: it may hold a client secret
    oauth = json.dumps(dataclasses.asdict(config.oauth)) if config.oauth else None
    values = {"user_pool_id": config.user_pool_id, "client_id": config.client_id, "endpoint": config.endpoint,
              "region": config.region, "client_secret": config.client_secret, "oauth": oauth}
    for key, value in values.items():
        if value is None:
            store.remove_item(key)
        else:
            store.set_item(key, value)


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _auth_error(error: errors.AuthError) -> NoReturn:
    hint = f"\n  {error.recovery_suggestion}" if error.recovery_suggestion else ""
    _fail(f"Error: {error}{hint}")


def _resolve(
    endpoint: str | None,
    user_pool_id: str | None,
    client_id: str | None,
    client_secret: str | None,
    region: str | None,
    outputs: Path | None,
) -> AuthConfig:
    saved = _load_saved()
    overrides = {"endpoint": endpoint, "client_secret": client_secret, "region": region}
    try:
        if outputs is not None:
            return AuthConfig.from_outputs(outputs, **overrides)
        if user_pool_id or client_id:
            if not (user_pool_id and client_id):
                _fail("Error: give both --user-pool-id and --client-id (or --outputs).")
            return AuthConfig(user_pool_id=user_pool_id, client_id=client_id, client_secret=client_secret,
                              endpoint=endpoint, region=region)
        if not saved.get("user_pool_id"):
            _fail("Error: not configured: run `userpool login --user-pool-id ... --client-id ...` (or --outputs).")
        return AuthConfig(
            user_pool_id=saved["user_pool_id"],
            client_id=saved["client_id"],
            client_secret=client_secret or saved.get("client_secret"),
            endpoint=endpoint or saved.get("endpoint"),
            region=region or saved.get("region"),
            oauth=json.loads(saved["oauth"]) if saved.get("oauth") else None,
        )
    except (errors.AuthError, ValueError) as exc:
        _auth_error(exc if isinstance(exc, errors.AuthError) else errors.AuthConfigException(str(exc)))


def _with_oauth(
    config: AuthConfig, domain: str | None, redirect_uri: str | None, logout_uri: str | None, scopes: list[str] | None
) -> AuthConfig:
    """The hosted UI's settings given on the command line, over those of the outputs or the saved ones."""
    if not (domain or redirect_uri or logout_uri or scopes):
        return config
    base = config.oauth
    try:
        oauth = OAuthConfig(
            domain=domain or (base.domain if base else ""),
            scopes=tuple(scopes) if scopes else (base.scopes if base else ()),
            redirect_sign_in=(redirect_uri,) if redirect_uri else (base.redirect_sign_in if base else ()),
            redirect_sign_out=(logout_uri,) if logout_uri else (base.redirect_sign_out if base else ()),
        )
    except errors.AuthError as exc:
        _auth_error(exc)
    return dataclasses.replace(config, oauth=oauth)


def _open_browser(url: str) -> bool:
    typer.echo(f"Opening the sign-in page in your browser:\n  {url}", err=True)
    return system_browser(url)


def _client(config: AuthConfig) -> AuthClient:
    return AuthClient(config, storage=FileStore(config_dir() / "tokens.json"), browser_opener=_open_browser)


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except errors.AuthError as exc:
        _auth_error(exc)


# ---------------------------------------------------------------- login


def show_qr(uri: str) -> None:
    """A QR code of ``uri`` in the terminal, when ``segno`` is importable."""
    try:
        import segno
    except ImportError:
        typer.echo("(install 'segno' -- pip install 'userpool[qr]' -- to see a QR code here)")
        return
    buffer = io.StringIO()
    segno.make(uri, error="m").terminal(out=buffer, compact=True)
    typer.echo(buffer.getvalue())


def _ask(prompt: str, hide: bool = False, confirm: bool = False) -> str:
    if not sys.stdin.isatty():
        return _ask_piped(prompt, confirm)
    return str(typer.prompt(prompt, hide_input=hide, confirmation_prompt=confirm)).strip()


def _ask_piped(prompt: str, confirm: bool) -> str:
    """Input from a pipe: one line per answer, each prompt ended on its own line. (There is no
    terminal to hide a password from: getpass would warn, GetPassWarning, and echo nothing, so
    the prompt would run into the next line of output.)"""
    answers = []
    for label in (prompt, "Repeat for confirmation")[: 2 if confirm else 1]:
        typer.echo(f"{label}: ", nl=False, err=True)
        line = sys.stdin.readline()
        typer.echo("", err=True)
        if not line:
            _fail(f"Error: no input for {prompt.lower()} (standard input ended).")
        answers.append(line.strip())
    if confirm and answers[0] != answers[1]:
        _fail("Error: the two entries do not match.")
    return answers[0]


_RETRY = errors.RETRYABLE_CHALLENGE_ERRORS | {"AuthValidationError", "IncorrectMFAMethod"}


def _answer_step(client: AuthClient, out: SignInOutput, username: str, password: str, app_name: str) -> SignInOutput:
    """Ask the user what the next step needs; return the result of answering it."""
    step = out.next_step
    name = step.sign_in_step
    if name is SignInStep.CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED:
        typer.echo("A new password is required.")
        new = _ask("New password", hide=True, confirm=True)
        attributes = {attr: _ask(f"Value for {attr}") for attr in step.missing_attributes}
        return client.confirm_sign_in(new, {"user_attributes": attributes or None})
    if name in (SignInStep.CONFIRM_SIGN_IN_WITH_SMS_CODE, SignInStep.CONFIRM_SIGN_IN_WITH_EMAIL_CODE):
        where = step.code_delivery_details.destination if step.code_delivery_details else None
        return client.confirm_sign_in(_ask(f"Code sent to {where}" if where else "Code"))
    if name is SignInStep.CONFIRM_SIGN_IN_WITH_TOTP_CODE:
        return client.confirm_sign_in(_ask("Code from your authenticator app"))
    if name in (SignInStep.CONTINUE_SIGN_IN_WITH_MFA_SELECTION, SignInStep.CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION):
        verb = "use" if name is SignInStep.CONTINUE_SIGN_IN_WITH_MFA_SELECTION else "set up"
        allowed = list(step.allowed_mfa_types)
        choice = _ask(f"Which MFA method do you want to {verb}? ({', '.join(allowed)})").upper()
        while choice not in allowed:
            choice = _ask(f"Choose one of {', '.join(allowed)}").upper()
        return client.confirm_sign_in(choice)
    if name is SignInStep.CONTINUE_SIGN_IN_WITH_TOTP_SETUP and step.totp_setup_details:
        uri = step.totp_setup_details.get_setup_uri(app_name, username)
        typer.echo("Set up your authenticator app: scan this QR code, or enter the secret.")
        show_qr(uri)
        typer.echo(f"URI:    {uri}\nSecret: {step.totp_setup_details.shared_secret}")
        return client.confirm_sign_in(_ask("Code from your authenticator app"))
    if name is SignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_SETUP:
        return client.confirm_sign_in(_ask("Email address for MFA codes"))
    if name is SignInStep.CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE:
        for key, value in (step.additional_info or {}).items():
            typer.echo(f"{key}: {value}")
        return client.confirm_sign_in(_ask("Answer"))
    if name is SignInStep.CONFIRM_SIGN_UP:
        sent = client.resend_sign_up_code(username)
        typer.echo(f"Your account is not confirmed; a code was sent to {sent.destination or 'you'}.")
        client.confirm_sign_up(username, _ask("Confirmation code"))
        return client.sign_in(username, password)
    if name is SignInStep.RESET_PASSWORD:
        started = client.reset_password(username)
        details = started.next_step.code_delivery_details
        typer.echo(f"A password reset is required; a code was sent to {details.destination if details else 'you'}.")
        code = _ask("Reset code")
        new = _ask("New password", hide=True, confirm=True)
        client.confirm_reset_password(username, code, new)
        return client.sign_in(username, new)
    _fail(f"Error: unsupported next step {name}")


def login(
    username: Annotated[str | None, typer.Option("--username", "-u", help="Username (prompted if absent).")] = None,
    password: Annotated[
        str | None, typer.Option("--password", envvar="USERPOOL_PASSWORD", help="Password (prompted if absent).")
    ] = None,
    auth_flow: Annotated[
        str | None,
        typer.Option("--auth-flow", help="USER_SRP_AUTH (default), USER_PASSWORD_AUTH, CUSTOM_WITH_SRP, CUSTOM_WITHOUT_SRP."),
    ] = None,
    app_name: Annotated[str, typer.Option("--app-name", help="Issuer shown by authenticator apps.")] = "userpool",
    browser: Annotated[
        bool, typer.Option("--browser", help="Sign in on the managed login page in the system browser.")
    ] = False,
    provider: Annotated[
        str | None, typer.Option("--provider", help="With --browser: COGNITO, Google, ... or an IdP's name.")
    ] = None,
    endpoint: Endpoint = None,
    user_pool_id: PoolId = None,
    client_id: ClientId = None,
    client_secret: ClientSecret = None,
    region: Region = None,
    outputs: Outputs = None,
    domain: Domain = None,
    redirect_uri: RedirectUri = None,
    logout_uri: LogoutUri = None,
    scope: Scopes = None,
) -> None:
    """Sign in interactively, walking every next step (MFA, new password, setup, challenges)."""
    config = _with_oauth(
        _resolve(endpoint, user_pool_id, client_id, client_secret, region, outputs), domain, redirect_uri, logout_uri, scope
    )
    client = _client(config)
    if _guard(client.fetch_auth_session).tokens is not None:
        previous = client.context.tokens.load()
        _guard(client.sign_out)
        typer.echo(f"Signed out the previous session{f' of {previous.username}' if previous else ''}.")
    if browser:
        _browser_login(client, provider)
        return
    username = username or _ask("Username")
    custom_only = (auth_flow or "").upper() == "CUSTOM_WITHOUT_SRP"
    if password is None and not custom_only:
        password = _ask("Password", hide=True)
    options = {"auth_flow_type": auth_flow.upper()} if auth_flow else None
    out = _guard(lambda: client.sign_in(username, password, options))
    failures = 0
    while not out.is_signed_in:
        try:
            out = _answer_step(client, out, username, password or "", app_name)
            failures = 0
        except errors.AuthError as exc:
            failures += 1
            if exc.name not in _RETRY or failures >= 3 or not client.context.sign_in.active:
                _auth_error(exc)
            typer.echo(f"{exc} -- try again.", err=True)
    _save_config(config)
    user = client.get_current_user()
    typer.echo(f"Signed in as {user.username} ({user.user_id}).")


def _browser_login(client: AuthClient, provider: str | None) -> None:
    """``sign_in_with_redirect`` (``{"custom": name}`` for a provider Amplify has no name for)."""
    chosen: str | dict[str, str] | None = provider
    if provider and provider not in ("COGNITO", "Google", "Facebook", "Amazon", "Apple"):
        chosen = {"custom": provider}
    _guard(lambda: client.sign_in_with_redirect(chosen))
    _save_config(client.config)
    user = client.get_current_user()
    typer.echo(f"Signed in as {user.username} ({user.user_id}).")


# ---------------------------------------------------------------- token, whoami, logout


def _session_tokens(client: AuthClient) -> AuthTokens:
    """The signed-in session's tokens (refreshed as needed), or a clear error to sign in first."""
    session = _guard(client.fetch_auth_session)
    if session.tokens is None:
        _fail("Error: not signed in; run `userpool login`.")
    return session.tokens


def token(
    id_token: Annotated[bool, typer.Option("--id", help="Print the ID token instead of the access token.")] = False,
    endpoint: Endpoint = None,
    user_pool_id: PoolId = None,
    client_id: ClientId = None,
    client_secret: ClientSecret = None,
    region: Region = None,
    outputs: Outputs = None,
) -> None:
    """Print a valid access token (refreshed if needed): curl -H "Authorization: Bearer $(userpool token)"."""
    tokens = _session_tokens(_client(_resolve(endpoint, user_pool_id, client_id, client_secret, region, outputs)))
    chosen = tokens.id_token if id_token else tokens.access_token
    if chosen is None:
        _fail("Error: the session has no ID token.")
    sys.stdout.write(str(chosen) + "\n")


def _date(epoch: Any) -> str | None:
    """A token's time claim as an ISO 8601 UTC date (``2026-12-02T15:04:05Z``)."""
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        return None
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whoami(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    endpoint: Endpoint = None,
    user_pool_id: PoolId = None,
    client_id: ClientId = None,
    client_secret: ClientSecret = None,
    region: Region = None,
    outputs: Outputs = None,
) -> None:
    """Who is signed in: username, sub, email, groups, token expiry."""
    config = _resolve(endpoint, user_pool_id, client_id, client_secret, region, outputs)
    tokens = _session_tokens(_client(config))
    access = tokens.access_token.payload
    id_claims = tokens.id_token.payload if tokens.id_token else {}
    info = {
        "username": access.get("username"),
        "sub": access.get("sub"),
        "email": id_claims.get("email"),
        "groups": access.get("cognito:groups", []),
        "user_pool_id": config.user_pool_id,
        "client_id": config.client_id,
        "expires_at": _date(access.get("exp")),
    }
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        if value not in (None, []):
            typer.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")


def logout(
    global_sign_out: Annotated[bool, typer.Option("--global", help="Sign out of every session (GlobalSignOut).")] = False,
    endpoint: Endpoint = None,
    user_pool_id: PoolId = None,
    client_id: ClientId = None,
    client_secret: ClientSecret = None,
    region: Region = None,
    outputs: Outputs = None,
) -> None:
    """Sign out: revoke this session's refresh token (or all sessions with --global)."""
    client = _client(_resolve(endpoint, user_pool_id, client_id, client_secret, region, outputs))
    was = client.context.tokens.load()
    _guard(lambda: client.sign_out(global_sign_out=global_sign_out))
    typer.echo(f"Signed out{f' {was.username}' if was else ' (no session)'}{' everywhere' if global_sign_out else ''}.")


def client_commands(app: typer.Typer) -> None:
    """Register ``login``, ``token``, ``whoami`` and ``logout`` on the ``userpool`` app."""
    app.command("login")(login)
    app.command("token")(token)
    app.command("whoami")(whoami)
    app.command("logout")(logout)
