"""REST ``POST /v1/query``: read-only SQL over the tenant's catalog tables. Thin: parse, call the service, render.

Body: ``{"sql": "...", "database": "sales", "max_rows": 100, "timeout_seconds": 10, "format": "json"}`` (only
``sql`` required; ``"format": "arrow"`` is the same as the Arrow ``Accept`` type).
Reply: ``{"columns": [{"name", "type"}], "rows": [[...], ...], "row_count", "truncated"}``, or with
``Accept: application/vnd.apache.arrow.stream`` the rows as an Arrow IPC stream (``X-Glueworks-Truncated``
says whether the row limit cut them).
"""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response

from glueworks.platform.api.rest.router import current_tenant
from glueworks.platform.context import Platform
from glueworks.platform.errors import InvalidInputError

__all__ = ["ARROW_STREAM", "build_query_router"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"
_MEMBERS = frozenset({"sql", "database", "max_rows", "timeout_seconds", "format"})

Tenant = Annotated[str, Depends(current_tenant)]


def build_query_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["query"])

    @router.post("/query", response_model=None)
    def query(
        request: Request,
        tenant_id: Tenant,
        body: Annotated[dict[str, Any], Body(examples=[{"sql": "SELECT * FROM sales.events LIMIT 10"}])],
    ) -> Response:
        """Run one SELECT over catalog tables (DuckDB); JSON rows, or Arrow with the Arrow stream Accept type."""
        unknown = sorted(set(body) - _MEMBERS)
        if unknown:
            raise InvalidInputError(f"unknown member; expected {', '.join(sorted(_MEMBERS))}", field=unknown[0])
        wanted = body.get("format", "json")
        if wanted not in ("json", "arrow"):
            raise InvalidInputError(f"must be 'json' or 'arrow', got {wanted!r}", field="format")
        result = platform.query.run(
            tenant_id,
            body.get("sql"),
            database=body.get("database"),
            max_rows=body.get("max_rows"),
            timeout_seconds=body.get("timeout_seconds"),
        )
        truncated = "true" if result.truncated else "false"
        if ARROW_STREAM in request.headers.get("accept", "") or wanted == "arrow":
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, result.table.schema) as writer:
                writer.write_table(result.table)
            return Response(
                sink.getvalue().to_pybytes(), media_type=ARROW_STREAM, headers={"X-Glueworks-Truncated": truncated}
            )
        payload = {
            "columns": result.columns,
            "rows": result.rows(),
            "row_count": result.table.num_rows,
            "truncated": result.truncated,
        }
        return JSONResponse(payload, headers={"X-Glueworks-Truncated": truncated})

    return router
