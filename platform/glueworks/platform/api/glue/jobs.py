"""Glue job operations: CreateJob, GetJob, GetJobs, ListJobs, BatchGetJobs, UpdateJob, DeleteJob.

Each handler maps validated Glue input members to a service call and the result to Glue's output shape.

Members glueworks stores: Name, Description, Role, Command{Name, ScriptLocation, PythonVersion, Runtime},
DefaultArguments, NonOverridableArguments, MaxRetries, Timeout, WorkerType, NumberOfWorkers, MaxCapacity
(``AllocatedCapacity``, deprecated, stands for it when it is absent), ExecutionProperty{MaxConcurrentRuns},
GlueVersion, Tags (CreateJob only, as in Glue). Members that only tune AWS's own service (JobMode, LogUri,
Connections, NotificationProperty, CodeGenConfigurationNodes, SourceControlDetails, MaintenanceWindow) are
accepted and not kept. JobRunQueuingEnabled (runs beyond MaxConcurrentRuns wait) and ExecutionClass (FLEX runs
only on spare capacity) are kept and acted on by the run service. Members whose promise glueworks cannot keep
are refused with InvalidInputException rather than dropped: SecurityConfiguration (encryption).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.context import Platform
from glueworks.platform.db import JobRow
from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services import JobSpec

__all__ = ["JOB_OPERATIONS", "job_shape", "max_capacity_of", "refuse_unsupported"]


def refuse_unsupported(params: Mapping[str, Any], *, prefix: str = "") -> None:
    """Refuse members that ask for something glueworks cannot do, instead of silently ignoring them."""
    if "SecurityConfiguration" in params:
        raise InvalidInputError(
            "security configurations (encryption settings) are not supported by glueworks yet",
            field=prefix + "SecurityConfiguration",
        )


def max_capacity_of(params: Mapping[str, Any]) -> float | None:
    """MaxCapacity, or the deprecated AllocatedCapacity standing for it, as Glue reads them."""
    value = params.get("MaxCapacity")
    if value is None and "AllocatedCapacity" in params and "WorkerType" not in params:
        return float(params["AllocatedCapacity"])
    return None if value is None else float(value)


def _definition(params: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """The job definition a CreateJob body or a JobUpdate describes, as JobSpec fields.

    Members absent take JobSpec's defaults; Command is left out when absent (UpdateJob keeps it then).
    """
    refuse_unsupported(params, prefix=prefix)
    values: dict[str, Any] = {
        "description": params.get("Description"),
        "role": params.get("Role"),
        "default_arguments": dict(params.get("DefaultArguments", {})),
        "non_overridable_arguments": dict(params.get("NonOverridableArguments", {})),
        "max_retries": params.get("MaxRetries", 0),
        "timeout": params.get("Timeout"),
        "worker_type": params.get("WorkerType"),
        "number_of_workers": params.get("NumberOfWorkers"),
        "max_capacity": max_capacity_of(params),
        "max_concurrent_runs": params.get("ExecutionProperty", {}).get("MaxConcurrentRuns", 1),
        "glue_version": params.get("GlueVersion"),
        "job_run_queuing_enabled": bool(params.get("JobRunQueuingEnabled", False)),
        "execution_class": params.get("ExecutionClass"),
    }
    command = params.get("Command")
    if command is not None:
        if "ScriptLocation" not in command:
            raise InvalidInputError("is required", field=prefix + "Command.ScriptLocation")
        values.update(
            script_location=command["ScriptLocation"],
            command_name=command.get("Name", "glueetl"),
            python_version=command.get("PythonVersion", "3"),
            runtime=command.get("Runtime"),
        )
    return values


def job_shape(row: JobRow) -> dict[str, Any]:
    """A job row as Glue's ``Job`` shape; members without a value are left out."""
    command = {
        "Name": row.command_name,
        "ScriptLocation": row.script_location,
        "PythonVersion": row.python_version,
        "Runtime": row.runtime,
    }
    return compact(
        {
            "Name": row.name,
            "JobMode": "SCRIPT",
            "Description": row.description,
            "Role": row.role,
            "CreatedOn": row.created_on,
            "LastModifiedOn": row.last_modified_on,
            "ExecutionProperty": {"MaxConcurrentRuns": row.max_concurrent_runs},
            "Command": compact(command),
            "DefaultArguments": row.default_arguments,
            "NonOverridableArguments": row.non_overridable_arguments,
            "MaxRetries": row.max_retries,
            "Timeout": row.timeout,
            "WorkerType": row.worker_type,
            "NumberOfWorkers": row.number_of_workers,
            "MaxCapacity": row.max_capacity,
            "GlueVersion": row.glue_version,
            "ExecutionClass": row.execution_class,
            "JobRunQueuingEnabled": True if row.job_run_queuing_enabled else None,
        }
    )


# -- operations ------------------------------------------------------------------------------------------


def create_job(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    spec = JobSpec(**_definition(params), tags=dict(params.get("Tags", {})))
    row = platform.jobs.create(tenant, params["Name"], spec)
    return {"Name": row.name}


def get_job(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"Job": job_shape(platform.jobs.get(tenant, params["JobName"]))}


def get_jobs(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.jobs.page(tenant, params.get("MaxResults"), params.get("NextToken"))
    return compact({"Jobs": [job_shape(row) for row in rows], "NextToken": token})


def list_jobs(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    """Job names, a page at a time. With ``Tags``, only jobs holding every given key with that value.

    The tag filter applies within each page, so a page may hold fewer names than MaxResults (even none)
    while NextToken still leads on; AWS paginators and the CLI handle that.
    """
    rows, token = platform.jobs.page(tenant, params.get("MaxResults"), params.get("NextToken"))
    wanted: dict[str, str] = params.get("Tags", {})
    names = [row.name for row in rows if all(row.tags.get(key) == value for key, value in wanted.items())]
    return compact({"JobNames": names, "NextToken": token})


def batch_get_jobs(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, missing = platform.jobs.batch_get(tenant, list(params["JobNames"]))
    order = {name: index for index, name in enumerate(params["JobNames"])}
    rows.sort(key=lambda row: order[row.name])
    return {"Jobs": [job_shape(row) for row in rows], "JobsNotFound": missing}


def update_job(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    """Glue semantics: JobUpdate replaces the definition. Absent members reset to their defaults, except
    Command, which is kept when absent; tags are not part of a JobUpdate and are kept."""
    changes = _definition(params["JobUpdate"], prefix="JobUpdate.")
    row = platform.jobs.update(tenant, params["JobName"], changes)
    return {"JobName": row.name}


def delete_job(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a job; its active runs are stopped. Deleting a job that does not exist succeeds, as in Glue."""
    name = params["JobName"]
    active = platform.jobs.delete(tenant, name)
    if active:
        platform.runs.stop_all(tenant, active)
    return {"JobName": name}


JOB_OPERATIONS: dict[str, Handler] = {
    "BatchGetJobs": batch_get_jobs,
    "CreateJob": create_job,
    "DeleteJob": delete_job,
    "GetJob": get_job,
    "GetJobs": get_jobs,
    "ListJobs": list_jobs,
    "UpdateJob": update_job,
}
