"""The AWS JSON 1.1 protocol as Glue speaks it: read a request, resolve its operation, render the answer.

A request is ``POST /`` with ``X-Amz-Target: AWSGlue.<Operation>`` and a JSON object body whose members are
PascalCase, exactly as in botocore's Glue model. The answer is HTTP 200 with the output shape as JSON, or an
error (see ``errors.py``). Timestamps travel as epoch seconds (numbers), both ways. Every answer carries an
``x-amzn-RequestId`` header, which botocore exposes as ``ResponseMetadata.RequestId``.

An empty body is read as ``{}`` (curl users often send none); anything else that is not a JSON object is a
``SerializationException``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.responses import Response

from glueworks.platform.api.glue.errors import GlueError
from glueworks.platform.api.glue.model import ServiceModel
from glueworks.platform.context import Platform
from glueworks.platform.errors import SerializationError, UnknownOperationError

CONTENT_TYPE = "application/x-amz-json-1.1"
REQUEST_ID_HEADER = "x-amzn-RequestId"
MAX_BODY_BYTES = 16 * 1024 * 1024

Handler = Callable[[Platform, str, dict[str, Any]], dict[str, Any]]
"""An operation: (platform, tenant, validated input members) -> output members."""


@dataclass(frozen=True)
class GlueRequest:
    """A request whose operation is known and implemented and whose input passed the model's checks."""

    operation: str
    params: dict[str, Any]


def resolve_operation(model: ServiceModel, target: str | None, implemented: Container[str]) -> str:
    """Return the operation named by an ``X-Amz-Target`` header.

    Raises:
        UnknownOperationError: the header is missing, names another service or an unknown operation, or
            names a Glue operation glueworks does not implement yet.
    """
    if not target:
        raise UnknownOperationError(f"missing X-Amz-Target header; expected {model.target_prefix}.<Operation>")
    prefix, _, operation = target.partition(".")
    if prefix != model.target_prefix or not model.has_operation(operation):
        raise UnknownOperationError(f"unknown operation: X-Amz-Target {target!r} is not a Glue operation")
    if operation not in implemented:
        raise UnknownOperationError(f"{operation} is a Glue operation that is not implemented in glueworks yet")
    return operation


def parse_body(body: bytes) -> dict[str, Any]:
    """Read a request body as a JSON object.

    Raises:
        SerializationError: the body is too large, not UTF-8, not JSON, or not a JSON object.
    """
    if len(body) > MAX_BODY_BYTES:
        raise SerializationError(f"request body is {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted")
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise SerializationError(f"request body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SerializationError(
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise SerializationError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SerializationError(f"request body must be a JSON object, got {type(value).__name__}")
    return value


def parse_request(model: ServiceModel, target: str | None, body: bytes, implemented: Container[str]) -> GlueRequest:
    """Resolve the operation, read the body and check it against the operation's input shape."""
    operation = resolve_operation(model, target, implemented)
    params = model.validate_input(operation, parse_body(body))
    return GlueRequest(operation, params)


def compact(members: dict[str, Any]) -> dict[str, Any]:
    """Leave out members without a value, as AWS does in its output shapes."""
    return {name: value for name, value in members.items() if value is not None}


def render_success(output: dict[str, Any], request_id: str) -> Response:
    return _response(200, output, request_id)


def render_error(error: GlueError, request_id: str) -> Response:
    return _response(error.status, error.body(), request_id)


def _response(status: int, payload: dict[str, Any], request_id: str) -> Response:
    content = json.dumps(payload, default=_wire_value, allow_nan=False, separators=(",", ":"))
    return Response(
        content=content.encode("utf-8"),
        status_code=status,
        media_type=CONTENT_TYPE,
        headers={REQUEST_ID_HEADER: request_id},
    )


def _wire_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.timestamp()  # epoch seconds: what botocore's JSON parser turns back into a datetime
    raise TypeError(f"{type(value).__name__} is not a Glue wire value")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
