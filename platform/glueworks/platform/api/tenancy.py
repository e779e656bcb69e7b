"""Which tenant a request acts for. Embedded mode has one tenant and needs no key on loopback."""

from __future__ import annotations

import hmac
import re

from fastapi import Request

from glueworks.platform.errors import AccessDeniedError
from glueworks.platform.settings import DEFAULT_TENANT, Settings

_SIGV4_KEY_ID = re.compile(r"Credential=([^/,\s]+)/")


def resolve_tenant(settings: Settings, request: Request) -> str:
    """Return the tenant of a request.

    REST clients send ``Authorization: Bearer <key>``. AWS clients sign with SigV4; their access key id names
    the tenant and their secret key is the tenant's API key.
    """
    keys = settings.auth.api_keys
    header = request.headers.get("authorization", "")
    if not keys:
        return DEFAULT_TENANT
    if header.lower().startswith("bearer "):
        presented = header[7:].strip()
        for tenant, key in keys.items():
            if hmac.compare_digest(presented.encode(), key.get_secret_value().encode()):
                return tenant
        raise AccessDeniedError("the API key is not valid")
    match = _SIGV4_KEY_ID.search(header)
    if match and match.group(1) in keys:
        # The access key id selects the tenant; verifying the SigV4 signature with the tenant key as secret
        # is not done yet (documented in docs/security.md), so cluster mode should sit behind TLS and a proxy.
        return match.group(1)
    raise AccessDeniedError("missing or unknown credentials")
