"""WSGI middleware: every request needs a good token; claims go to ``environ["userpool.claims"]``.

For WSGI apps other than Flask (or a whole Flask app at once). Refusals are the RFC 6750
answers of :mod:`userpool.verify.bearer`; the wrapped app never sees a refused request::

    app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app, verifier, public_paths={"/health"})
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from userpool.verify.bearer import BearerError, GuardedMiddleware

ENVIRON_KEY = "userpool.claims"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BearerAuthWsgiMiddleware(GuardedMiddleware[WSGIApp]):
    """Require a verified bearer token on every request."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in self.public_paths:
            return self.app(environ, start_response)
        try:
            environ[ENVIRON_KEY] = self.guard.authenticate(environ.get("HTTP_AUTHORIZATION"))
        except BearerError as exc:
            body, headers = exc.denial.encoded()
            status = HTTPStatus(exc.denial.status)
            start_response(f"{status.value} {status.phrase}", headers)
            return [body]
        return self.app(environ, start_response)
