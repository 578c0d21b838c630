"""Cognito's OAuth 2.0 / OpenID Connect endpoints (managed login), one module per endpoint.

How a request finds its pool: the ``client_id`` (unique across pools) names it on every
endpoint, and the access token does on userInfo, so a bare loopback address works. When the
Host header is one of a pool's domains (a prefix domain's first label, or a custom domain),
a client of another pool is refused as unknown.
"""

