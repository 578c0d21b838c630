"""``send_user_attribute_verification_code``: GetUserAttributeVerificationCode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..types import ClientMetadataOptions, CodeDeliveryDetails, coerce_options
from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def send_user_attribute_verification_code(
    ctx: AuthContext, user_attribute_key: str, options: ClientMetadataOptions | Mapping[str, Any] | None = None
) -> Flow[CodeDeliveryDetails]:
    opts = coerce_options(options, ClientMetadataOptions)
    require(user_attribute_key, "EmptyUserAttributeKey", "userAttributeKey is required")
    tokens = yield from require_tokens()
    response = yield from call(
        "GetUserAttributeVerificationCode",
        {
            "AccessToken": tokens.access_token.raw,
            "AttributeName": user_attribute_key,
            "ClientMetadata": opts.client_metadata,
        },
    )
    return CodeDeliveryDetails.from_cognito(response.get("CodeDeliveryDetails")) or CodeDeliveryDetails()
