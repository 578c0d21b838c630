"""Managed login settings read from Amplify's three configuration shapes, and the pure parts of
sign_in_with_redirect (state, PKCE, the authorize URL, the callback's checks)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from userpool.auth import AuthConfig, OAuthConfig, errors
from userpool.auth.flows import sign_in_with_redirect as redirect
from userpool.auth.types import SignInWithRedirectOptions

POOL, CLIENT = "us-east-1_Abc123", "client123"


def test_gen2_outputs():
    outputs = {"version": "1.3", "auth": {
        "user_pool_id": POOL, "user_pool_client_id": CLIENT, "aws_region": "us-east-1",
        "oauth": {"identity_providers": ["GOOGLE", "LOGIN_WITH_AMAZON"], "domain": "shop.auth.us-east-1.amazoncognito.com",
                  "scopes": ["openid", "email"], "redirect_sign_in_uri": ["http://localhost:8976/callback", "myapp://"],
                  "redirect_sign_out_uri": ["http://localhost:8976/signed-out"], "response_type": "code"}}}
    oauth = AuthConfig.from_outputs(outputs).oauth
    assert oauth == OAuthConfig(domain="shop.auth.us-east-1.amazoncognito.com", scopes=("openid", "email"),
                                redirect_sign_in=("http://localhost:8976/callback", "myapp://"),
                                redirect_sign_out=("http://localhost:8976/signed-out",), providers=("Google", "Amazon"))
    assert oauth.base_url == "https://shop.auth.us-east-1.amazoncognito.com"  # no scheme: https, as Amplify
    assert oauth.loopback_sign_in_uri() == "http://localhost:8976/callback"


def test_amplify_v6_resources_config():
    config = AuthConfig.from_outputs({"Auth": {"Cognito": {
        "userPoolId": POOL, "userPoolClientId": CLIENT,
        "loginWith": {"oauth": {"domain": "login.example.com", "scopes": ["openid"], "redirectSignIn": ["http://127.0.0.1:0/cb"],
                                "redirectSignOut": ["http://127.0.0.1:0/out"], "responseType": "code"}}}}})
    assert config.user_pool_id == POOL and config.client_id == CLIENT
    assert config.oauth is not None and config.oauth.redirect_sign_in == ("http://127.0.0.1:0/cb",)
    assert config.oauth.logout_url(CLIENT, "http://127.0.0.1:5000/out") == (
        "https://login.example.com/logout?client_id=client123&logout_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fout")


def test_gen1_aws_exports():
    config = AuthConfig.from_outputs({
        "aws_user_pools_id": POOL, "aws_user_pools_web_client_id": CLIENT, "aws_cognito_region": "us-east-1",
        "oauth": {"domain": "login.example.com", "scope": ["openid", "profile"],
                  "redirectSignIn": "http://localhost:3000/,http://localhost:8976/cb", "redirectSignOut": "http://localhost:3000/",
                  "responseType": "code"}})
    assert config.oauth is not None and config.oauth.scopes == ("openid", "profile")
    assert config.oauth.redirect_sign_in == ("http://localhost:3000/", "http://localhost:8976/cb")


@pytest.mark.parametrize("domain", ["http://login.example.com", "ftp://127.0.0.1", ""])
def test_refused_domains(domain):
    with pytest.raises(errors.OAuthNotConfigureException):
        OAuthConfig(domain=domain)


def test_local_server_domain_with_its_scheme():
    assert OAuthConfig(domain="http://127.0.0.1:9229/").endpoint("/oauth2/token") == "http://127.0.0.1:9229/oauth2/token"


def test_no_loopback_redirect_is_a_configuration_error():
    with pytest.raises(errors.OAuthNotConfigureException, match="loopback"):
        OAuthConfig(domain="login.example.com", redirect_sign_in=("https://app.example.com/cb",)).loopback_sign_in_uri()


def test_state_pkce_and_authorize_url():
    state = redirect.new_state("to /orders-1")
    assert redirect.custom_state_of(state) == "to /orders-1" and redirect.custom_state_of(redirect.new_state(None)) is None
    verifier, challenge = redirect.pkce_pair()
    assert len(verifier) == 128
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    oauth = OAuthConfig(domain="login.example.com", scopes=("openid", "email"))
    url = redirect.authorize_url(oauth, CLIENT, "http://localhost:1/cb", redirect.provider_parameter("Amazon"), state,
                                 challenge, SignInWithRedirectOptions(login_hint="a@b.c", prompt="LOGIN"))
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith("https://login.example.com/oauth2/authorize?")
    assert query == {"redirect_uri": "http://localhost:1/cb", "response_type": "code", "client_id": CLIENT,
                     "identity_provider": "LoginWithAmazon", "scope": "openid email", "login_hint": "a@b.c",
                     "prompt": "login", "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    assert redirect.provider_parameter({"custom": "Corp"}) == {"identity_provider": "Corp"}
    assert redirect.provider_parameter({"idp_identifier": "corp.example.com"}) == {"idp_identifier": "corp.example.com"}
    with pytest.raises(errors.AuthValidationError):
        redirect.provider_parameter("Myspace")


def test_callback_checks():
    assert redirect.code_from_callback("http://localhost:1/cb?code=c0de&state=s1", "s1") == "c0de"
    for callback, message in [("http://localhost:1/cb?code=c0de&state=s2", "validating the state"),
                              ("http://localhost:1/cb?state=s1", "cancelled"),
                              ("http://localhost:1/cb?error=access_denied&state=s1", "access_denied")]:
        with pytest.raises(errors.OAuthSignInException, match=message):
            redirect.code_from_callback(callback, "s1")
