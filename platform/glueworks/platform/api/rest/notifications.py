"""REST ``/v1``: job bookmarks (get, reset or rewind, set), run outputs, webhooks and the event outbox.

* ``GET /v1/jobs/{name}/bookmark`` (``?run_id=`` for the state a run saved)
* ``POST /v1/jobs/{name}/bookmark/reset`` with ``{"run_id": null | "<run>"}``: clear, or rewind to a run
* ``PUT /v1/jobs/{name}/bookmark`` with ``{"state": {...}}``: set explicitly (beyond Glue)
* ``GET /v1/runs/{run_id}/outputs``: the run's committed outputs and whether each is published
* ``GET /v1/webhooks``, ``POST /v1/webhooks`` ``{"url": …}``, ``DELETE /v1/webhooks?url=…``
* ``GET /v1/events?after_id=&limit=``: the tenant's events (EventBridge shape), oldest first
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from glueworks.platform.api.rest.router import Tenant
from glueworks.platform.context import Platform
from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services.bookmarks import BookmarkEntry

__all__ = ["bookmark_body", "build_notifications_router"]

Body = dict[str, Any]


def bookmark_body(entry: BookmarkEntry) -> Body:
    """A bookmark as snake_case JSON (``state`` as an object, not Glue's JSON string)."""
    return {
        "job_name": entry.job_name,
        "version": entry.version,
        "run": entry.run,
        "attempt": entry.attempt,
        "run_id": entry.run_id,
        "previous_run_id": entry.previous_run_id,
        "state": entry.state,
    }


def build_notifications_router(platform: Platform) -> APIRouter:
    """The router serving bookmarks, outputs, webhooks and events under ``/v1``."""
    router = APIRouter(prefix="/v1", tags=["bookmarks", "notifications"])

    @router.get("/jobs/{name}/bookmark")
    def get_bookmark(name: str, tenant_id: Tenant, run_id: str | None = None) -> Body:
        return bookmark_body(platform.bookmarks.get(tenant_id, name, run_id))

    @router.post("/jobs/{name}/bookmark/reset")
    def reset_bookmark(name: str, tenant_id: Tenant, body: Body | None = None) -> Body:
        run_id = (body or {}).get("run_id")
        if run_id is not None and not isinstance(run_id, str):
            raise InvalidInputError("must be a run id or null", field="run_id")
        return bookmark_body(platform.bookmarks.reset(tenant_id, name, run_id))

    @router.put("/jobs/{name}/bookmark")
    def put_bookmark(name: str, body: Body, tenant_id: Tenant) -> Body:
        if "state" not in body:
            raise InvalidInputError("is required", field="state")
        return bookmark_body(platform.bookmarks.put(tenant_id, name, body["state"]))

    @router.get("/runs/{run_id}/outputs")
    def run_outputs(run_id: str, tenant_id: Tenant) -> Body:
        platform.runs.get(tenant_id, run_id)  # 404 for another tenant's run
        return {"outputs": platform.outputs.outputs(tenant_id, run_id)}

    @router.get("/webhooks")
    def list_webhooks(tenant_id: Tenant) -> Body:
        return {"webhooks": platform.events.webhooks(tenant_id)}

    @router.post("/webhooks", status_code=201)
    def add_webhook(body: Body, tenant_id: Tenant) -> Body:
        return {"webhooks": platform.events.add_webhook(tenant_id, body.get("url"))}

    @router.delete("/webhooks")
    def remove_webhook(tenant_id: Tenant, url: Annotated[str, Query()]) -> Body:
        return {"webhooks": platform.events.remove_webhook(tenant_id, url)}

    @router.get("/events")
    def list_events(
        tenant_id: Tenant,
        after_id: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Body:
        return {"events": platform.events.since(tenant_id, after_id, limit)}

    return router
