"""The read side of job runs that needs no state machine: a page of a job's runs, a run's metrics and log text.

They only read: `RunService` gives them its session or the run row it read, and settles what they return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import fsspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glueworks.platform.db import JobRow, JobRunRow
from glueworks.platform.errors import EntityNotFoundError
from glueworks.platform.services.paging import newest_first, newest_first_token, page_size


def runs_page(
    session: Session, tenant_id: str, job_name: str, max_results: int | None, next_token: str | None
) -> tuple[list[JobRunRow], str | None]:
    """Runs of a job, retries included, newest first, and the token of the next page (None on the last).

    Raises:
        InvalidInputError: `next_token` is not a token this API issued (field NextToken).
        EntityNotFoundError: the first page of a job that does not exist.
    """
    size = page_size(max_results, default=100, maximum=200)
    mine = select(JobRunRow).where(JobRunRow.tenant_id == tenant_id, JobRunRow.job_name == job_name)
    query = newest_first(mine, JobRunRow, size, next_token)
    jobs = select(func.count()).select_from(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name == job_name)
    if not next_token and session.scalar(jobs) == 0:
        raise EntityNotFoundError(f"job {job_name!r} not found")
    rows = list(session.scalars(query))
    return rows[:size], newest_first_token(rows, size)


def run_metrics(run: JobRunRow, progress: Mapping[str, Any] | None, now: datetime) -> dict[str, Any]:
    """A run's metrics: recorded once it ended; while it runs, the driver's `progress` and the time so far."""
    values: dict[str, Any] = dict(run.metrics)
    if run.state == "RUNNING":
        values.update(progress or {})
        if run.running_on is not None:
            elapsed = (now - run.running_on).total_seconds()
            values["execution_time"] = math.ceil(elapsed)
            values["dpu_seconds"] = round((run.max_capacity or 0) * elapsed, 3)
    else:
        values["execution_time"] = run.execution_time
        values["dpu_seconds"] = run.dpu_seconds or 0.0
    return values


def read_log(location: str | None, offset: int, limit: int, terminal: bool) -> tuple[str, int, bool]:
    """Log text from byte `offset` of the file at `location`: (text, next offset, complete).

    The log is complete once the run is `terminal` and nothing follows what was read; a log not written
    yet reads as empty. `offset` is >= 0 (`RunService.logs` checks it before it looks the run up).
    """
    if not location:
        return "", offset, terminal
    try:
        with fsspec.open(location, "rb") as handle:
            handle.seek(offset)
            data: bytes = handle.read(limit)
            more = bool(handle.read(1))
    except FileNotFoundError:
        return "", offset, terminal
    text = data.decode("utf-8", errors="replace")
    return text, offset + len(data), terminal and not more
