"""Glue job run operations: StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun.

StartJobRun takes Arguments, Timeout, WorkerType, NumberOfWorkers, MaxCapacity (``AllocatedCapacity``,
deprecated, stands for it when it is absent), JobRunQueuingEnabled (runs beyond MaxConcurrentRuns wait in
WAITING instead of being refused) and ExecutionClass (FLEX runs start only on spare capacity).
NotificationProperty, ExecutionRoleSessionPolicy and GetJobRun's PredecessorsIncluded are accepted and have no
effect. Refused rather than ignored: SecurityConfiguration, and JobRunId (retrying a given earlier run).

Idempotent starts on this door: Glue's StartJobRun has no client token, so glueworks reads one from the run
arguments: ``Arguments={"--glueworks-idempotency-key": "<key>"}``. The argument is taken out of the run's
arguments (the script never sees it). The same key with the same request returns the run the first request
created (no second run, even for concurrent requests); the same key with another request fails with
IdempotentParameterMismatchException naming the key. Keys are scoped to the job.
"""

from __future__ import annotations

from typing import Any

from glueworks.platform.api.glue.jobs import max_capacity_of, refuse_unsupported
from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.api.rest.render import log_group_name
from glueworks.platform.context import Platform
from glueworks.platform.db import JobRunRow
from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services import RunOverrides

__all__ = ["IDEMPOTENCY_ARGUMENT", "RUN_OPERATIONS", "run_shape"]

# The run argument that carries an idempotency key on the Glue door (StartJobRun has no client token).
IDEMPOTENCY_ARGUMENT = "--glueworks-idempotency-key"


def run_shape(row: JobRunRow) -> dict[str, Any]:
    """A run row as Glue's ``JobRun`` shape; members without a value are left out."""
    return compact(
        {
            "Id": row.id,
            "Attempt": row.attempt,
            "PreviousRunId": row.previous_run_id,
            "TriggerName": row.trigger_name,
            "JobName": row.job_name,
            "JobMode": "SCRIPT",
            "StartedOn": row.started_on,
            "LastModifiedOn": row.last_modified_on,
            "CompletedOn": row.completed_on,
            "JobRunState": row.state,
            "Arguments": row.arguments,
            "ErrorMessage": row.error_message,
            "ExecutionTime": row.execution_time,
            "Timeout": row.timeout,
            "MaxCapacity": row.max_capacity,
            "WorkerType": row.worker_type,
            "NumberOfWorkers": row.number_of_workers,
            "LogGroupName": log_group_name(row.tenant_id),
            "GlueVersion": row.glue_version,
            "DPUSeconds": row.dpu_seconds,
            "ExecutionClass": row.execution_class,
            "JobRunQueuingEnabled": row.job_run_queuing_enabled,
            "StateDetail": row.state_detail,
        }
    )


def start_job_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    refuse_unsupported(params)
    if "JobRunId" in params:
        raise InvalidInputError("retrying a given earlier run is not supported by glueworks yet", field="JobRunId")
    arguments = dict(params.get("Arguments", {}))
    key = arguments.pop(IDEMPOTENCY_ARGUMENT, None)
    queuing = params.get("JobRunQueuingEnabled")
    overrides = RunOverrides(
        arguments=arguments,
        timeout=params.get("Timeout"),
        worker_type=params.get("WorkerType"),
        number_of_workers=params.get("NumberOfWorkers"),
        max_capacity=max_capacity_of(params),
        job_run_queuing_enabled=None if queuing is None else bool(queuing),
        execution_class=params.get("ExecutionClass"),
    )
    row = platform.runs.start(tenant, params["JobName"], overrides, idempotency_key=key)
    return {"JobRunId": row.id}


def get_job_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    row = platform.runs.get(tenant, params["RunId"], job_name=params["JobName"])
    return {"JobRun": run_shape(row)}


def get_job_runs(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    """Runs of a job, newest first, a page at a time (at most 200 per page, as in Glue)."""
    rows, token = platform.runs.page(tenant, params["JobName"], params.get("MaxResults"), params.get("NextToken"))
    return compact({"JobRuns": [run_shape(row) for row in rows], "NextToken": token})


def batch_stop_job_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    """Ask runs to stop. A run that is unknown or already ended is reported in Errors, not raised."""
    job_name = params["JobName"]
    stopping, failures = platform.runs.stop(tenant, job_name, list(params["JobRunIds"]))
    return {
        "SuccessfulSubmissions": [{"JobName": job_name, "JobRunId": run_id} for run_id in stopping],
        "Errors": [
            {
                "JobName": job_name,
                "JobRunId": failure.run_id,
                "ErrorDetail": {"ErrorCode": failure.code, "ErrorMessage": failure.message},
            }
            for failure in failures
        ],
    }


RUN_OPERATIONS: dict[str, Handler] = {
    "BatchStopJobRun": batch_stop_job_run,
    "GetJobRun": get_job_run,
    "GetJobRuns": get_job_runs,
    "StartJobRun": start_job_run,
}
