"""The one table that turns errors into Glue JSON 1.1 error responses: ``{"__type": code, "message": text}``.

Domain errors carry their Glue code (``glueworks.platform.errors``); this table adds the HTTP status. AWS
JSON services answer client faults with 400 and their own faults with 500, and botocore picks the exception
class from ``__type`` alone, so the status only tells retrying clients whose fault it was. Any other exception
is a bug of ours: it becomes a 500 ``InternalServiceException`` with a generic message, and its details go to
the server log under the request id, never to the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from glueworks.platform.errors import GlueworksError

log = logging.getLogger(__name__)

INTERNAL = "InternalServiceException"


@dataclass(frozen=True)
class GlueError:
    """An error as it goes on the wire."""

    code: str
    status: int
    message: str

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


def glue_error(exc: BaseException, *, request_id: str, operation: str | None = None) -> GlueError:
    """Turn any exception raised while serving a request into the error the client sees."""
    if isinstance(exc, GlueworksError):
        return GlueError(exc.code, 500 if exc.code == INTERNAL else 400, exc.message)
    log.error("request %s (%s) failed", request_id, operation or "unknown operation", exc_info=exc)
    return GlueError(INTERNAL, 500, f"internal error; the server log has the details under request id {request_id}")
