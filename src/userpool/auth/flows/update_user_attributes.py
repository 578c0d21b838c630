"""``update_user_attributes``: UpdateUserAttributes; per attribute, done or a code to confirm.

Cognito sends a code for each changed attribute that needs verification and lists it in
``CodeDeliveryDetailsList``; those attributes get ``CONFIRM_ATTRIBUTE_WITH_CODE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import UpdateAttributeStep
from ..types import (
    ClientMetadataOptions,
    CodeDeliveryDetails,
    UpdateUserAttributeNextStep,
    UpdateUserAttributeOutput,
    attribute_list,
    coerce_options,
)
from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def update_user_attributes(
    ctx: AuthContext,
    user_attributes: Mapping[str, str],
    options: ClientMetadataOptions | Mapping[str, Any] | None = None,
) -> Flow[dict[str, UpdateUserAttributeOutput]]:
    opts = coerce_options(options, ClientMetadataOptions)
    require(dict(user_attributes or {}), "EmptyUpdateUserAttributes", "userAttributes are required")
    tokens = yield from require_tokens()
    response = yield from call(
        "UpdateUserAttributes",
        {
            "AccessToken": tokens.access_token.raw,
            "UserAttributes": attribute_list(user_attributes),
            "ClientMetadata": opts.client_metadata,
        },
    )
    pending: dict[str, CodeDeliveryDetails] = {}
    for item in response.get("CodeDeliveryDetailsList") or ():
        details = CodeDeliveryDetails.from_cognito(item)
        if details is not None and details.attribute_name:
            pending[details.attribute_name] = details
    result: dict[str, UpdateUserAttributeOutput] = {}
    for name in user_attributes:
        if name in pending:
            step = UpdateUserAttributeNextStep(UpdateAttributeStep.CONFIRM_ATTRIBUTE_WITH_CODE, pending[name])
            result[name] = UpdateUserAttributeOutput(False, step)
        else:
            result[name] = UpdateUserAttributeOutput(True, UpdateUserAttributeNextStep(UpdateAttributeStep.DONE))
    return result
