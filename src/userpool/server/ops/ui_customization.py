"""GetUICustomization, SetUICustomization: the classic hosted UI's CSS and logo.

Set for the whole pool (``ClientId`` absent or ``ALL``) or for one app client, which then
wins over the pool's. As in Cognito, the CSS may only style the hosted page's
``*-customizable`` classes; that rule also keeps anything but style rules (``@import``,
markup, ``url(...)`` fetches) out of the page it is applied to. The logo is a PNG or JPEG,
served at ``ImageUrl`` (``GET /ui-logo/<pool>/<client>``).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import UICustomization

ALL_CLIENTS = "ALL"
MAX_IMAGE_BYTES = 100 * 1024
# The classes of Cognito's classic hosted UI that CSS may style.
CUSTOMIZABLE_CLASSES = frozenset(
    {
        "background-customizable", "banner-customizable", "errorMessage-customizable", "idpButton-customizable",
        "idpButton-customizable:hover", "inputField-customizable", "inputField-customizable:focus",
        "label-customizable", "legalText-customizable", "logo-customizable", "submitButton-customizable",
        "submitButton-customizable:hover", "textDescription-customizable", "redirect-customizable",
        "passwordCheck-notValid-customizable", "passwordCheck-valid-customizable", "idpDescription-customizable",
    }
)
_RULE = re.compile(r"\s*([^{}]+?)\s*\{([^{}]*)\}\s*", re.DOTALL)
_UNSAFE = re.compile(r"[<>\\@]|url\s*\(|expression\s*\(|javascript:", re.IGNORECASE)
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def check_css(css: str) -> None:
    """Only ``.<class> { declarations }`` rules on the customizable classes, no unsafe text."""
    if _UNSAFE.search(css):
        raise errors.InvalidParameter("The CSS contains characters or constructs that are not allowed.")
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    position = 0
    for rule in _RULE.finditer(body):
        if rule.start() != position:
            break
        position = rule.end()
        for selector in rule.group(1).split(","):
            name = selector.strip().removeprefix(".")
            if not selector.strip().startswith(".") or name not in CUSTOMIZABLE_CLASSES:
                raise errors.InvalidParameter(f"The CSS class {selector.strip()} is not allowed.")
    if body[position:].strip():
        raise errors.InvalidParameter("The CSS could not be parsed.")


def image_type(data: bytes) -> str:
    for magic, kind in _IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    raise errors.InvalidParameter("The image file must be a PNG or JPEG image.")


def _image(req: dict[str, Any]) -> bytes | None:
    raw = req.get("ImageFile")
    if raw is None:
        return None
    try:
        data = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidParameter("ImageFile is not valid base64.") from None
    if not data:
        return None
    if len(data) > MAX_IMAGE_BYTES:
        raise errors.InvalidParameter("The image file must be 100 KB or smaller.")
    image_type(data)
    return data


def effective(db: Session, pool_id: str, client_id: str | None) -> UICustomization | None:
    """What the hosted page of ``client_id`` shows: the client's own, else the pool's."""
    if client_id and client_id != ALL_CLIENTS:
        own = db.get(UICustomization, (pool_id, client_id))
        if own is not None:
            return own
    return db.get(UICustomization, (pool_id, ALL_CLIENTS))


def _client_id(ctx: Context, req: dict[str, Any]) -> str:
    pools.get_pool(ctx.db, req["UserPoolId"])
    client_id: str = req.get("ClientId") or ALL_CLIENTS
    if client_id != ALL_CLIENTS:
        pools.get_client(ctx.db, client_id, req["UserPoolId"])
    return client_id


def _describe(ctx: Context, pool_id: str, client_id: str, row: UICustomization | None) -> dict[str, Any]:
    out: dict[str, Any] = {"UserPoolId": pool_id, "ClientId": client_id}
    if row is None:
        return out
    out.update({"CreationDate": row.created_at, "LastModifiedDate": row.modified_at})
    if row.css is not None:
        out["CSS"] = row.css
        out["CSSVersion"] = str(int(row.modified_at * 1000))
    if row.image is not None:
        out["ImageUrl"] = f"{ctx.config.base_url}/ui-logo/{row.pool_id}/{row.client_id}?v={int(row.modified_at * 1000)}"
    return out


def set_ui_customization(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Replaces the CSS and logo; neither given leaves nothing customized at that level."""
    client_id = _client_id(ctx, req)
    css = req.get("CSS")
    if css:
        check_css(css)
    image = _image(req)
    row = ctx.db.get(UICustomization, (req["UserPoolId"], client_id))
    if row is None:
        row = UICustomization(pool_id=req["UserPoolId"], client_id=client_id, created_at=ctx.now)
        ctx.db.add(row)
    row.css = css or None
    row.image = image
    row.image_type = image_type(image) if image else None
    row.modified_at = ctx.now
    ctx.db.flush()
    return {"UICustomization": _describe(ctx, req["UserPoolId"], client_id, row)}


def get_ui_customization(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client_id = _client_id(ctx, req)
    row = effective(ctx.db, req["UserPoolId"], client_id)
    return {"UICustomization": _describe(ctx, req["UserPoolId"], row.client_id if row else client_id, row)}


async def logo_endpoint(request: Request) -> Response:
    """``ImageUrl``: the stored logo, public like Cognito's CloudFront-hosted one."""
    from starlette.concurrency import run_in_threadpool

    state = request.app.state.userpool
    pool_id, client_id = request.path_params["pool_id"], request.path_params["client_id"]

    def load() -> tuple[bytes, str] | None:
        with state.database.transaction() as db:
            row = db.get(UICustomization, (pool_id, client_id))
            return (row.image, row.image_type or "image/png") if row is not None and row.image else None

    found = await run_in_threadpool(load)
    if found is None:
        return Response(status_code=404)
    return Response(found[0], media_type=found[1], headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})
