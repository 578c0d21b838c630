"""Checking AWS Signature Version 4 on admin operations.

The signature is recomputed with botocore's own signer over exactly the headers the
client said it signed, so anything boto3 or the AWS CLI signs verifies here. The region
in the credential scope is returned: a new pool takes its region from it.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from userpool.server import errors

SERVICE = "cognito-idp"
MAX_SKEW_SECONDS = 15 * 60
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)/(\d{8})/([^/\s]+)/([^/\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;\-]+),\s*Signature=([0-9a-f]{64})$"
)


def verify(
    method: str, url: str, headers: dict[str, str], body: bytes, credentials: dict[str, str], now: float
) -> tuple[str, str]:
    """(access key id, region) of a correctly signed request; AWS's errors otherwise."""
    header = headers.get("authorization")
    if not header:
        raise errors.MissingAuthenticationToken("Missing Authentication Token")
    m = _AUTH.match(header.strip())
    if not m:
        raise errors.IncompleteSignature("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.")
    access_key, date, region, service, signed, signature = m.groups()
    secret = credentials.get(access_key)
    if secret is None:
        raise errors.UnrecognizedClient("The security token included in the request is invalid.")
    if service != SERVICE:
        raise errors.InvalidSignature(f"Credential should be scoped to correct service: '{SERVICE}'.")
    amz_date = headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise errors.IncompleteSignature("Missing or invalid X-Amz-Date header.") from None
    if abs(when.timestamp() - now) > MAX_SKEW_SECONDS or amz_date[:8] != date:
        raise errors.InvalidSignature("Signature expired or not yet valid: the request time is outside the allowed window.")
    names = signed.split(";")
    if "host" not in names:
        raise errors.InvalidSignature("The request signature must include the host header.")
    request = AWSRequest(method=method, url=url, data=body, headers={n: headers.get(n, "") for n in names})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key, secret), SERVICE, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signature):
        raise errors.InvalidSignature(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
    return access_key, region
