"""The Glue front door: ``POST /`` speaking AWS JSON 1.1, for unmodified boto3 and AWS CLI clients.

Thin, like the REST door: parse and check the request (``protocol.py``, ``model.py``), call a service
(``jobs.py``, ``runs.py``), render the output or the error (``errors.py``). Every answer, success or error,
is rendered here, so the REST door's error handlers never see a Glue request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from glueworks.platform.api.glue.bookmarks import BOOKMARK_OPERATIONS
from glueworks.platform.api.glue.catalog import CATALOG_OPERATIONS
from glueworks.platform.api.glue.crawlers import CRAWLER_OPERATIONS
from glueworks.platform.api.glue.errors import glue_error
from glueworks.platform.api.glue.jobs import JOB_OPERATIONS
from glueworks.platform.api.glue.model import glue_model
from glueworks.platform.api.glue.protocol import (
    MAX_BODY_BYTES,
    Handler,
    parse_request,
    render_error,
    render_success,
)
from glueworks.platform.api.glue.runs import RUN_OPERATIONS
from glueworks.platform.api.glue.triggers import TRIGGER_OPERATIONS
from glueworks.platform.api.glue.workflows import WORKFLOW_OPERATIONS
from glueworks.platform.api.tenancy import resolve_tenant
from glueworks.platform.context import Platform
from glueworks.platform.errors import SerializationError

OPERATIONS: dict[str, Handler] = {**JOB_OPERATIONS, **RUN_OPERATIONS, **CATALOG_OPERATIONS, **CRAWLER_OPERATIONS}
OPERATIONS.update(TRIGGER_OPERATIONS)  # triggers and workflows (scheduling)
OPERATIONS.update(WORKFLOW_OPERATIONS)
OPERATIONS.update(BOOKMARK_OPERATIONS)  # H: GetJobBookmark, ResetJobBookmark


def new_request_id() -> str:
    return str(uuid.uuid4())


def build_glue_router(platform: Platform, *, request_ids: Callable[[], str] = new_request_id) -> APIRouter:
    """The router serving ``POST /``.

    Args:
        platform: the services to call.
        request_ids: makes the ``x-amzn-RequestId`` of each answer; a seam for tests.
    """
    router = APIRouter()

    def serve(request: Request, body: bytes, request_id: str) -> Response:
        # Runs on a worker thread: the services are synchronous (SQLAlchemy sessions).
        operation: str | None = None
        try:
            tenant = resolve_tenant(platform.settings, request, body)
            parsed = parse_request(glue_model(), request.headers.get("x-amz-target"), body, OPERATIONS)
            operation = parsed.operation
            output = OPERATIONS[operation](platform, tenant, parsed.params)
            return render_success(output, request_id)
        except Exception as exc:
            return render_error(glue_error(exc, request_id=request_id, operation=operation), request_id)

    @router.post(
        "/",
        tags=["glue"],
        summary="AWS Glue API (JSON 1.1)",
        description=(
            "The AWS Glue API for unmodified AWS clients: `X-Amz-Target: AWSGlue.<Operation>`, "
            "`Content-Type: application/x-amz-json-1.1`, bodies as in botocore's Glue service model."
        ),
        response_class=Response,
    )
    async def glue(request: Request) -> Response:
        request_id = request_ids()
        try:
            body = await _read_body(request)
        except SerializationError as exc:
            return render_error(glue_error(exc, request_id=request_id), request_id)
        return await run_in_threadpool(serve, request, body, request_id)

    return router


async def _read_body(request: Request) -> bytes:
    """The request body, refusing to buffer more than MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise SerializationError(f"request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
