"""REST ``/v1/triggers`` and ``/v1/workflows``: triggers, workflows and workflow runs, snake_case.

Each route is its Glue operation with snake_case member names (``actions[].job_name``,
``predicate.conditions[].state``, ``run.statistics.total_actions``); map keys (arguments, run properties, tags) are
kept as given. Bodies go through the same model checks and the same handlers as the Glue door, so both doors accept
and answer exactly the same things.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Body as BodyParam

from glueworks.platform.api.glue.model import glue_model
from glueworks.platform.api.glue.triggers import TRIGGER_OPERATIONS
from glueworks.platform.api.glue.workflows import WORKFLOW_OPERATIONS
from glueworks.platform.api.rest.catalog import to_pascal, to_snake
from glueworks.platform.api.rest.router import MaxResults, Tenant
from glueworks.platform.context import Platform

__all__ = ["build_orchestration_router"]

Body = dict[str, Any]
_OPERATIONS = {**TRIGGER_OPERATIONS, **WORKFLOW_OPERATIONS}


def build_orchestration_router(platform: Platform) -> APIRouter:
    """The router serving ``/v1/triggers`` and ``/v1/workflows``."""
    router = APIRouter(prefix="/v1")

    def call(operation: str, tenant: str, body: Body | None = None, **members: Any) -> Body:
        model = glue_model()
        shape = model.input_shape_name(operation)
        given = to_pascal(shape, body or {}, "") if shape else {}
        params = model.validate_input(operation, {**given, **{k: v for k, v in members.items() if v is not None}})
        output = _OPERATIONS[operation](platform, tenant, params)
        result: Body = to_snake(f"{operation}Response", output)
        return result

    # -- triggers ----------------------------------------------------------------------------------------

    @router.post("/triggers", status_code=201, tags=["triggers"])
    def create_trigger(body: Body, tenant_id: Tenant) -> Body:
        name = call("CreateTrigger", tenant_id, body)["name"]
        return call("GetTrigger", tenant_id, Name=name)["trigger"]  # type: ignore[no-any-return]

    @router.get("/triggers", tags=["triggers"])
    def list_triggers(
        tenant_id: Tenant,
        max_results: MaxResults = None,
        next_token: str | None = None,
        dependent_job_name: str | None = None,
    ) -> Body:
        return call(
            "GetTriggers", tenant_id, MaxResults=max_results, NextToken=next_token, DependentJobName=dependent_job_name
        )

    @router.get("/triggers/{name}", tags=["triggers"])
    def get_trigger(name: str, tenant_id: Tenant) -> Body:
        return call("GetTrigger", tenant_id, Name=name)["trigger"]  # type: ignore[no-any-return]

    @router.patch("/triggers/{name}", tags=["triggers"])
    def update_trigger(name: str, body: Body, tenant_id: Tenant) -> Body:
        update = to_pascal("TriggerUpdate", body, "")
        return call("UpdateTrigger", tenant_id, Name=name, TriggerUpdate=update)["trigger"]  # type: ignore[no-any-return]

    @router.delete("/triggers/{name}", tags=["triggers"])
    def delete_trigger(name: str, tenant_id: Tenant) -> Body:
        return call("DeleteTrigger", tenant_id, Name=name)

    @router.post("/triggers/{name}/start", tags=["triggers"])
    def start_trigger(name: str, tenant_id: Tenant) -> Body:
        return call("StartTrigger", tenant_id, Name=name)

    @router.post("/triggers/{name}/stop", tags=["triggers"])
    def stop_trigger(name: str, tenant_id: Tenant) -> Body:
        return call("StopTrigger", tenant_id, Name=name)

    # -- workflows ---------------------------------------------------------------------------------------

    @router.post("/workflows", status_code=201, tags=["workflows"])
    def create_workflow(body: Body, tenant_id: Tenant) -> Body:
        name = call("CreateWorkflow", tenant_id, body)["name"]
        return call("GetWorkflow", tenant_id, Name=name)["workflow"]  # type: ignore[no-any-return]

    @router.get("/workflows", tags=["workflows"])
    def list_workflows(tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None) -> Body:
        return call("ListWorkflows", tenant_id, MaxResults=max_results, NextToken=next_token)

    @router.get("/workflows/{name}", tags=["workflows"])
    def get_workflow(name: str, tenant_id: Tenant, include_graph: bool = False) -> Body:
        return call("GetWorkflow", tenant_id, Name=name, IncludeGraph=include_graph)["workflow"]  # type: ignore[no-any-return]

    @router.patch("/workflows/{name}", tags=["workflows"])
    def update_workflow(name: str, body: Body, tenant_id: Tenant) -> Body:
        call("UpdateWorkflow", tenant_id, body, Name=name)
        return call("GetWorkflow", tenant_id, Name=name)["workflow"]  # type: ignore[no-any-return]

    @router.delete("/workflows/{name}", tags=["workflows"])
    def delete_workflow(name: str, tenant_id: Tenant) -> Body:
        return call("DeleteWorkflow", tenant_id, Name=name)

    @router.post("/workflows/{name}/runs", status_code=201, tags=["workflows"])
    def start_workflow_run(name: str, tenant_id: Tenant, body: Body | None = None) -> Body:
        return call("StartWorkflowRun", tenant_id, body, Name=name)

    @router.get("/workflows/{name}/runs", tags=["workflows"])
    def list_workflow_runs(
        name: str,
        tenant_id: Tenant,
        max_results: MaxResults = None,
        next_token: str | None = None,
        include_graph: Annotated[bool, Query()] = False,
    ) -> Body:
        return call(
            "GetWorkflowRuns",
            tenant_id,
            Name=name,
            MaxResults=max_results,
            NextToken=next_token,
            IncludeGraph=include_graph,
        )

    @router.get("/workflows/{name}/runs/{run_id}", tags=["workflows"])
    def get_workflow_run(name: str, run_id: str, tenant_id: Tenant, include_graph: bool = False) -> Body:
        return call("GetWorkflowRun", tenant_id, Name=name, RunId=run_id, IncludeGraph=include_graph)["run"]  # type: ignore[no-any-return]

    @router.post("/workflows/{name}/runs/{run_id}/stop", tags=["workflows"])
    def stop_workflow_run(name: str, run_id: str, tenant_id: Tenant) -> Body:
        call("StopWorkflowRun", tenant_id, Name=name, RunId=run_id)
        return {"run_id": run_id}

    @router.post("/workflows/{name}/runs/{run_id}/resume", tags=["workflows"])
    def resume_workflow_run(name: str, run_id: str, body: Body, tenant_id: Tenant) -> Body:
        return call("ResumeWorkflowRun", tenant_id, body, Name=name, RunId=run_id)

    @router.get("/workflows/{name}/runs/{run_id}/properties", tags=["workflows"])
    def get_run_properties(name: str, run_id: str, tenant_id: Tenant) -> Body:
        return call("GetWorkflowRunProperties", tenant_id, Name=name, RunId=run_id)

    @router.put("/workflows/{name}/runs/{run_id}/properties", tags=["workflows"])
    def put_run_properties(name: str, run_id: str, body: Body, tenant_id: Tenant) -> Body:
        call("PutWorkflowRunProperties", tenant_id, body, Name=name, RunId=run_id)
        return call("GetWorkflowRunProperties", tenant_id, Name=name, RunId=run_id)

    @router.post("/workflows/{name}/events", status_code=202, tags=["workflows"])
    def put_workflow_events(name: str, body: Annotated[Any, BodyParam()], tenant_id: Tenant) -> Body:
        """One EventBridge-shaped event, or ``{"events": [...]}`` (1-100), for the workflow's EVENT trigger."""
        result = platform.workflows.put_events(tenant_id, name, body)
        return {
            "workflow_name": result.workflow_name,
            "trigger_name": result.trigger_name,
            "event_ids": result.event_ids,
            "duplicate_event_ids": result.duplicate_ids,
        }

    return router
