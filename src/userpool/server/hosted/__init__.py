"""Managed login's pages (Cognito's classic hosted UI): sign-in and every step after it,
sign-up, confirmation and password reset, server-rendered with Jinja2 (autoescaped)."""
