"""Rows of the database as REST wire models (``glueworks.sdk.models``)."""

from __future__ import annotations

from typing import Any

from glueworks.platform.db import JobRow, JobRunRow
from glueworks.sdk.models import ExecutionProperty, Job, JobCommand, JobRun, RunMetrics


def job_model(row: JobRow) -> Job:
    return Job(
        name=row.name,
        description=row.description,
        role=row.role,
        command=JobCommand(
            name=row.command_name,
            script_location=row.script_location,
            python_version=row.python_version,
            runtime=row.runtime,
        ),
        default_arguments=row.default_arguments,
        non_overridable_arguments=row.non_overridable_arguments,
        max_retries=row.max_retries,
        timeout=row.timeout,
        worker_type=row.worker_type,  # type: ignore[arg-type]
        number_of_workers=row.number_of_workers,
        max_capacity=row.max_capacity,
        execution_property=ExecutionProperty(max_concurrent_runs=row.max_concurrent_runs),
        glue_version=row.glue_version,
        tags=row.tags,
        job_run_queuing_enabled=row.job_run_queuing_enabled,
        execution_class=row.execution_class,  # type: ignore[arg-type]
        created_on=row.created_on,
        last_modified_on=row.last_modified_on,
    )


def log_group_name(tenant_id: str) -> str:
    """The equivalent of Glue's log group: where a tenant's run logs live (``/v1/runs/{id}/logs``)."""
    return f"/glueworks/jobs/{tenant_id}"


def run_model(row: JobRunRow, metrics: dict[str, Any] | None = None) -> JobRun:
    values = dict(row.metrics if metrics is None else metrics)
    values.setdefault("execution_time", row.execution_time)
    values.setdefault("dpu_seconds", row.dpu_seconds or 0.0)
    return JobRun(
        id=row.id,
        job_name=row.job_name,
        attempt=row.attempt,
        previous_run_id=row.previous_run_id,
        trigger_name=row.trigger_name,
        job_run_state=row.state,  # type: ignore[arg-type]
        arguments=row.arguments,
        started_on=row.started_on,
        last_modified_on=row.last_modified_on,
        completed_on=row.completed_on,
        execution_time=values["execution_time"],
        error_message=row.error_message,
        timeout=row.timeout,
        max_capacity=row.max_capacity,
        worker_type=row.worker_type,
        number_of_workers=row.number_of_workers,
        dpu_seconds=row.dpu_seconds,
        glue_version=row.glue_version,
        log_group_name=log_group_name(row.tenant_id),
        metrics=RunMetrics.model_validate({k: v for k, v in values.items() if v is not None}),
        state_detail=row.state_detail,
        execution_class=row.execution_class,  # type: ignore[arg-type]
        job_run_queuing_enabled=row.job_run_queuing_enabled,
        failure_kind=row.failure_kind,
    )
