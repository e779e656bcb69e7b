"""Cluster-mode authentication: bearer keys for REST, verified SigV4 for AWS clients."""

from __future__ import annotations

import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.requests import Request

from glueworks.platform.api.tenancy import resolve_tenant
from glueworks.platform.errors import AccessDeniedError
from glueworks.platform.settings import Settings

SETTINGS = Settings(host="127.0.0.1", auth={"api_keys": {"acme": "acme-secret", "globex": "globex-secret"}})


def signed(key_id: str, secret: str, body: bytes) -> Request:
    aws = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8080/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetJobs"},
    )
    SigV4Auth(Credentials(key_id, secret), "glue", "us-east-1").add_auth(aws)
    headers = [(k.lower().encode(), str(v).encode()) for k, v in aws.headers.items()]
    headers.append((b"host", b"127.0.0.1:8080"))
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": headers,
             "scheme": "http", "server": ("127.0.0.1", 8080)}
    return Request(scope)


def test_valid_signature_selects_the_tenant() -> None:
    body = json.dumps({}).encode()
    assert resolve_tenant(SETTINGS, signed("acme", "acme-secret", body), body) == "acme"


@pytest.mark.parametrize(
    ("key_id", "secret", "tamper"),
    [("acme", "wrong", False), ("globex", "acme-secret", False), ("acme", "acme-secret", True), ("nobody", "x", False)],
)
def test_bad_signatures_are_denied(key_id: str, secret: str, tamper: bool) -> None:
    body = b"{}"
    request = signed(key_id, secret, body)
    with pytest.raises(AccessDeniedError):
        resolve_tenant(SETTINGS, request, b'{"MaxResults": 1}' if tamper else body)


def test_bearer_keys_and_embedded_default() -> None:
    def bearer(token: str) -> Request:
        return Request({"type": "http", "method": "GET", "path": "/v1/jobs", "query_string": b"",
                        "headers": [(b"authorization", f"Bearer {token}".encode())]})

    assert resolve_tenant(SETTINGS, bearer("globex-secret")) == "globex"
    with pytest.raises(AccessDeniedError):
        resolve_tenant(SETTINGS, bearer("guess"))
    assert resolve_tenant(Settings(), bearer("anything")) == "default"
