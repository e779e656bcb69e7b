"""Which tenant a request acts for. Embedded mode has one tenant and needs no key on loopback.

With API keys configured (cluster mode), REST clients send ``Authorization: Bearer <key>``, and AWS clients
(boto3, the AWS CLI) sign with SigV4 using the tenant name as access key id and the tenant's API key as secret
key. The signature is verified with botocore's own signer, over the headers the client signed.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime, timedelta

from fastapi import Request

from glueworks.platform.errors import AccessDeniedError
from glueworks.platform.settings import DEFAULT_TENANT, Settings

_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;\-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MAX_CLOCK_SKEW = timedelta(minutes=15)


def resolve_tenant(settings: Settings, request: Request, body: bytes | None = None) -> str:
    """Return the tenant of a request, or raise AccessDeniedError. ``body`` is needed to verify SigV4."""
    keys = settings.auth.api_keys
    if not keys:
        return DEFAULT_TENANT
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        presented = header[7:].strip().encode()
        for tenant, key in keys.items():
            if hmac.compare_digest(presented, key.get_secret_value().encode()):
                return tenant
        run_tenant = _run_token_tenant(request, presented.decode(errors="replace"))
        if run_tenant is not None:
            return run_tenant
        raise AccessDeniedError("the API key is not valid")
    match = _SIGV4.match(header)
    if match is None:
        raise AccessDeniedError("missing credentials: send a bearer API key or a SigV4-signed request")
    tenant = match.group("key")
    secret = keys.get(tenant)
    if secret is None or body is None:
        raise AccessDeniedError("the request signature does not match")
    if not _sigv4_matches(request, body, match, secret.get_secret_value()):
        raise AccessDeniedError("the request signature does not match")
    return tenant


def _run_token_tenant(request: Request, token: str) -> str | None:
    """The tenant of a run-scoped token (services/run_tokens.py): good only while its run is active, and only
    on the catalog and query paths."""
    from glueworks.platform.services.run_tokens import RUN_TOKEN_PATHS, RUN_TOKEN_PREFIX

    if not token.startswith(RUN_TOKEN_PREFIX) or not request.url.path.startswith(RUN_TOKEN_PATHS):
        return None
    platform = getattr(request.app.state, "platform", None)
    tokens = getattr(platform, "run_tokens", None)
    return None if tokens is None else tokens.tenant_of(token)


def _sigv4_matches(request: Request, body: bytes, match: re.Match[str], secret: str) -> bool:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    stamp = request.headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return False
    if abs(datetime.now(UTC) - when) > MAX_CLOCK_SKEW or not stamp.startswith(match.group("date")):
        return False
    signed = match.group("headers").split(";")
    headers = {name: request.headers.get(name, "") for name in signed}
    url = f"{request.url.scheme}://{request.headers.get('host', '')}{request.url.path}"
    if request.url.query:
        url += f"?{request.url.query}"
    aws_request = AWSRequest(method=request.method, url=url, data=body, headers=headers)
    aws_request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(match.group("key"), secret), match.group("service"), match.group("region"))
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    return hmac.compare_digest(expected, match.group("signature"))
