"""Glue job bookmark operations: GetJobBookmark, ResetJobBookmark.

GetJobBookmark with a RunId gives the state that run saved. ResetJobBookmark without a RunId clears the
bookmark (the next run reads everything); with a RunId it rewinds the bookmark to the state that run saved
(the next run reads what arrived after it). Setting a bookmark explicitly is REST only (``PUT
/v1/jobs/{name}/bookmark``): Glue has no such operation.
"""

from __future__ import annotations

from typing import Any

from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.context import Platform
from glueworks.platform.services.bookmarks import BookmarkEntry

__all__ = ["BOOKMARK_OPERATIONS", "bookmark_shape"]


def bookmark_shape(entry: BookmarkEntry) -> dict[str, Any]:
    """A bookmark as Glue's ``JobBookmarkEntry``."""
    return compact(
        {
            "JobName": entry.job_name,
            "Version": entry.version,
            "Run": entry.run,
            "Attempt": entry.attempt,
            "PreviousRunId": entry.previous_run_id,
            "RunId": entry.run_id,
            "JobBookmark": entry.job_bookmark,
        }
    )


def get_job_bookmark(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    entry = platform.bookmarks.get(tenant, params["JobName"], params.get("RunId"))
    return {"JobBookmarkEntry": bookmark_shape(entry)}


def reset_job_bookmark(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    entry = platform.bookmarks.reset(tenant, params["JobName"], params.get("RunId"))
    return {"JobBookmarkEntry": bookmark_shape(entry)}


BOOKMARK_OPERATIONS: dict[str, Handler] = {
    "GetJobBookmark": get_job_bookmark,
    "ResetJobBookmark": reset_job_bookmark,
}
