"""Rendering the hosted pages: Jinja2 with autoescaping, the pool's UI customization, and
headers that keep the pages out of frames and caches."""

from __future__ import annotations

import base64
from typing import Any

import jinja2
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from userpool.server.hosted import i18n
from userpool.server.ops import ui_customization


def environment(package: str) -> jinja2.Environment:
    """Jinja2 as every server-rendered page uses it (the hosted pages, the admin console):
    templates from ``package``'s templates/ dir, every value escaped, a missing one an error."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,  # every value a user or app can influence is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENV = environment("userpool.server.hosted")
HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # no scripts at all; inline styles for the pool's CSS; the logo as a data: URL
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
}


def customization(db: Session, pool_id: str, client_id: str | None) -> dict[str, str | None]:
    """SetUICustomization's CSS (checked there: only the ``*-customizable`` classes, no markup)
    and logo, the client's own else the pool's."""
    row = ui_customization.effective(db, pool_id, client_id)
    if row is None:
        return {"css": None, "logo": None}
    css = (row.css or "").replace("<", "")  # already refused by check_css; kept out of <style> regardless
    logo = None
    if row.image:
        kind = row.image_type if row.image_type in ("image/png", "image/jpeg") else "image/png"
        logo = f"data:{kind};base64,{base64.b64encode(row.image).decode()}"
    return {"css": css or None, "logo": logo}


def render(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """``lang`` (the request's, as given) picks the catalog (i18n.py); the page says which it used."""
    values.setdefault("css", None)
    values.setdefault("logo", None)
    values.setdefault("error", None)
    values.setdefault("notice", None)
    t = i18n.translator(values.get("lang"))
    values["lang"], values["t"] = t.lang, t
    html = _ENV.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def error_page(message: str | i18n.Text, status: int = 400, lang: str | None = None) -> HTMLResponse:
    return render("error.html", status, message=message, lang=lang)
