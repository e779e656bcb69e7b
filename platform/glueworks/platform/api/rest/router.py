"""REST ``/v1``: snake_case JSON for the SDK, the CLI and the console. Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from glueworks.platform.api.rest.render import job_model, run_model
from glueworks.platform.api.tenancy import resolve_tenant
from glueworks.platform.context import Platform
from glueworks.platform.services import JobSpec, RunOverrides
from glueworks.sdk.models import (
    MAX_WAIT_SECONDS,
    Health,
    Job,
    JobCreate,
    JobDeleted,
    JobList,
    JobRun,
    JobRunList,
    JobRunState,
    JobUpdate,
    RunLogs,
    RunMetrics,
    RunStart,
    ScriptUpload,
)

VERSION = "0.1.0"


def spec_from_create(body: JobCreate) -> JobSpec:
    return JobSpec(
        script_location=body.command.script_location,
        command_name=body.command.name,
        python_version=body.command.python_version,
        runtime=body.command.runtime,
        description=body.description,
        role=body.role,
        default_arguments=body.default_arguments,
        non_overridable_arguments=body.non_overridable_arguments,
        max_retries=body.max_retries,
        timeout=body.timeout,
        worker_type=None if body.worker_type is None else body.worker_type.value,
        number_of_workers=body.number_of_workers,
        max_capacity=body.max_capacity,
        max_concurrent_runs=body.execution_property.max_concurrent_runs,
        glue_version=body.glue_version,
        tags=body.tags,
        job_run_queuing_enabled=body.job_run_queuing_enabled,
        execution_class=None if body.execution_class is None else body.execution_class.value,
    )


def changes_from_update(body: JobUpdate) -> dict[str, Any]:
    changes = body.changes()
    command = changes.pop("command", None)
    if command is not None:
        changes["script_location"] = command["script_location"]
        changes["command_name"] = command.get("name", "glueetl")
        changes["python_version"] = command.get("python_version", "3")
        changes["runtime"] = command.get("runtime")
    prop = changes.pop("execution_property", None)
    if prop is not None:
        changes["max_concurrent_runs"] = prop.get("max_concurrent_runs", 1)
    if changes.get("worker_type") is not None:
        changes["worker_type"] = str(changes["worker_type"])
    if changes.get("execution_class") is not None:
        changes["execution_class"] = str(changes["execution_class"])
    return changes


def current_tenant(request: Request) -> str:
    platform: Platform = request.app.state.platform
    return resolve_tenant(platform.settings, request)


Tenant = Annotated[str, Depends(current_tenant)]
MaxResults = Annotated[int | None, Query(ge=1, le=1000)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255, description="Makes a start repeatable.")
]


def build_rest_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/health", tags=["platform"])
    def health() -> Health:
        return Health(status="ok", version=VERSION)

    @router.put("/scripts/{filename}", tags=["scripts"], openapi_extra={
        "requestBody": {"content": {"text/x-python": {"schema": {"type": "string"}}}, "required": True}
    })
    async def upload_script(filename: str, request: Request, tenant_id: Tenant) -> ScriptUpload:
        """Store a job script (raw body). Returns the ``script_location`` to use in a job's command."""
        source = await request.body()
        location, size = await run_in_threadpool(platform.scripts.upload, tenant_id, filename, source)
        return ScriptUpload(script_location=location, size=size)

    @router.post("/jobs", status_code=201, tags=["jobs"])
    def create_job(body: JobCreate, tenant_id: Tenant) -> Job:
        return job_model(platform.jobs.create(tenant_id, body.name, spec_from_create(body)))

    @router.get("/jobs", tags=["jobs"])
    def list_jobs(tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None) -> JobList:
        rows, token = platform.jobs.page(tenant_id, max_results, next_token)
        return JobList(jobs=[job_model(row) for row in rows], next_token=token)

    @router.get("/jobs/{name}", tags=["jobs"])
    def get_job(name: str, tenant_id: Tenant) -> Job:
        return job_model(platform.jobs.get(tenant_id, name))

    @router.patch("/jobs/{name}", tags=["jobs"])
    def update_job(name: str, body: JobUpdate, tenant_id: Tenant) -> Job:
        return job_model(platform.jobs.update(tenant_id, name, changes_from_update(body)))

    @router.delete("/jobs/{name}", tags=["jobs"])
    def delete_job(name: str, tenant_id: Tenant) -> JobDeleted:
        platform.runs.stop_all(tenant_id, platform.jobs.delete(tenant_id, name))
        return JobDeleted(name=name)

    @router.post("/jobs/{name}/runs", status_code=201, tags=["runs"])
    def start_run(name: str, body: RunStart, tenant_id: Tenant, idempotency_key: IdempotencyKey = None) -> JobRun:
        """Start a run. With an ``Idempotency-Key`` header, repeating the same request returns the same run
        (never a second one, even when the requests race); the same key with another body is refused with
        ``IdempotentParameterMismatchException`` (409). Keys are scoped to the job."""
        overrides = RunOverrides(
            arguments=body.arguments,
            timeout=body.timeout,
            worker_type=None if body.worker_type is None else body.worker_type.value,
            number_of_workers=body.number_of_workers,
            max_capacity=body.max_capacity,
            job_run_queuing_enabled=body.job_run_queuing_enabled,
            execution_class=None if body.execution_class is None else body.execution_class.value,
        )
        return run_model(platform.runs.start(tenant_id, name, overrides, idempotency_key=idempotency_key))

    @router.get("/jobs/{name}/runs", tags=["runs"])
    def list_runs(
        name: str, tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None
    ) -> JobRunList:
        rows, token = platform.runs.page(tenant_id, name, max_results, next_token)
        return JobRunList(runs=[run_model(row) for row in rows], next_token=token)

    @router.get("/runs/{run_id}", tags=["runs"])
    def get_run(
        run_id: str,
        tenant_id: Tenant,
        changed_from: JobRunState | None = None,
        wait_seconds: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
    ) -> JobRun:
        """A run. With `changed_from` and `wait_seconds`, a long poll: the answer comes as soon as the run is
        in another state than `changed_from`, or after `wait_seconds` with the run as it is."""
        if changed_from is not None and wait_seconds > 0:
            row = platform.runs.wait_for_change(tenant_id, run_id, changed_from.value, wait_seconds)
        else:
            row = platform.runs.get(tenant_id, run_id)
        return run_model(row, platform.runs.metrics_of(row))

    @router.post("/runs/{run_id}/stop", tags=["runs"])
    def stop_run(run_id: str, tenant_id: Tenant) -> JobRun:
        row = platform.runs.get(tenant_id, run_id)
        _, failures = platform.runs.stop(tenant_id, row.job_name, [run_id])
        if failures and failures[0].code != "InvalidInputException":
            platform.runs.get(tenant_id, run_id)  # raises the not-found error
        return run_model(platform.runs.get(tenant_id, run_id))

    @router.get("/runs/{run_id}/logs", tags=["runs"])
    def run_logs(run_id: str, tenant_id: Tenant, offset: Annotated[int, Query(ge=0)] = 0) -> RunLogs:
        text, next_offset, complete = platform.runs.logs(tenant_id, run_id, offset)
        return RunLogs(run_id=run_id, offset=offset, next_offset=next_offset, text=text, complete=complete)

    @router.get("/runs/{run_id}/metrics", tags=["runs"])
    def run_metrics(run_id: str, tenant_id: Tenant) -> RunMetrics:
        return RunMetrics.model_validate(
            {k: v for k, v in platform.runs.metrics(tenant_id, run_id).items() if v is not None}
        )

    return router
