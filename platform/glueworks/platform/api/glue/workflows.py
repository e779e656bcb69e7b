"""Glue workflow operations: CreateWorkflow, GetWorkflow, ListWorkflows, BatchGetWorkflows, UpdateWorkflow,
DeleteWorkflow, StartWorkflowRun, GetWorkflowRun, GetWorkflowRuns, StopWorkflowRun, ResumeWorkflowRun,
GetWorkflowRunProperties, PutWorkflowRunProperties.

Graphs (IncludeGraph) list TRIGGER, JOB and CRAWLER nodes with stable UniqueIds, and edges from watched nodes
to conditional triggers and from triggers to what they start; in a run's graph, JOB nodes carry that run's
JobRuns (every attempt) and CRAWLER nodes its Crawls.
"""

from __future__ import annotations

from typing import Any

from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.api.glue.runs import run_shape
from glueworks.platform.api.glue.triggers import trigger_shape
from glueworks.platform.context import Platform
from glueworks.platform.scheduling.graph import WorkflowGraph
from glueworks.platform.services.workflows import NodeView, RunView, WorkflowView

__all__ = ["WORKFLOW_OPERATIONS", "workflow_run_shape", "workflow_shape"]


def graph_shape(graph: WorkflowGraph, nodes: list[NodeView]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for view in nodes:
        node: dict[str, Any] = {"Type": view.node.kind, "Name": view.node.name, "UniqueId": view.node.id}
        if view.node.kind == "TRIGGER" and view.trigger is not None:
            node["TriggerDetails"] = {"Trigger": trigger_shape(view.trigger)}
        elif view.node.kind == "JOB":
            node["JobDetails"] = {"JobRuns": [run_shape(r) for r in view.job_runs]}
        elif view.node.kind == "CRAWLER":
            node["CrawlerDetails"] = {"Crawls": [compact(c) for c in view.crawls]}
        out.append(node)
    return {"Nodes": out, "Edges": [{"SourceId": s, "DestinationId": d} for s, d in graph.edges]}


def workflow_run_shape(view: RunView) -> dict[str, Any]:
    run = view.run
    return compact(
        {
            "Name": run.workflow_name,
            "WorkflowRunId": run.id,
            "PreviousRunId": run.previous_run_id,
            "WorkflowRunProperties": run.properties,
            "StartedOn": run.started_on,
            "CompletedOn": run.completed_on,
            "Status": run.status,
            "ErrorMessage": run.error_message,
            "Statistics": view.statistics,
            "Graph": None if view.graph is None else graph_shape(view.graph, view.nodes),
        }
    )


def workflow_shape(view: WorkflowView, *, include_graph: bool) -> dict[str, Any]:
    row = view.workflow
    return compact(
        {
            "Name": row.name,
            "Description": row.description,
            "DefaultRunProperties": row.default_run_properties,
            "CreatedOn": row.created_on,
            "LastModifiedOn": row.last_modified_on,
            "LastRun": None if view.last_run is None else workflow_run_shape(view.last_run),
            "Graph": graph_shape(view.graph, view.nodes) if include_graph else None,
            "MaxConcurrentRuns": row.max_concurrent_runs,
        }
    )


def create_workflow(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    row = platform.workflows.create(
        tenant,
        params["Name"],
        description=params.get("Description"),
        default_run_properties=params.get("DefaultRunProperties"),
        max_concurrent_runs=params.get("MaxConcurrentRuns"),
        tags=params.get("Tags"),
    )
    return {"Name": row.name}


def get_workflow(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    include = bool(params.get("IncludeGraph"))
    view = platform.workflows.get(tenant, params["Name"], include_graph=include)
    return {"Workflow": workflow_shape(view, include_graph=include)}


def list_workflows(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    names, token = platform.workflows.page(tenant, params.get("MaxResults"), params.get("NextToken"))
    return compact({"Workflows": names, "NextToken": token})


def batch_get_workflows(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    include = bool(params.get("IncludeGraph"))
    found, missing = platform.workflows.batch_get(tenant, list(params["Names"]), include_graph=include)
    return {"Workflows": [workflow_shape(v, include_graph=include) for v in found], "MissingWorkflows": missing}


def update_workflow(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    members = {
        "Description": "description",
        "DefaultRunProperties": "default_run_properties",
        "MaxConcurrentRuns": "max_concurrent_runs",
    }
    changes = {field: params[member] for member, field in members.items() if member in params}
    platform.workflows.update(tenant, params["Name"], changes)
    return {"Name": params["Name"]}


def delete_workflow(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.workflows.delete(tenant, params["Name"])
    return {"Name": params["Name"]}


def start_workflow_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"RunId": platform.workflows.start_run(tenant, params["Name"], params.get("RunProperties"))}


def get_workflow_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    view = platform.workflows.get_run(
        tenant, params["Name"], params["RunId"], include_graph=bool(params.get("IncludeGraph"))
    )
    return {"Run": workflow_run_shape(view)}


def get_workflow_runs(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    views, token = platform.workflows.runs_page(
        tenant,
        params["Name"],
        params.get("MaxResults"),
        params.get("NextToken"),
        include_graph=bool(params.get("IncludeGraph")),
    )
    return compact({"Runs": [workflow_run_shape(v) for v in views], "NextToken": token})


def stop_workflow_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.workflows.stop_run(tenant, params["Name"], params["RunId"])
    return {}


def resume_workflow_run(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    run_id, node_ids = platform.workflows.resume_run(tenant, params["Name"], params["RunId"], list(params["NodeIds"]))
    return {"RunId": run_id, "NodeIds": node_ids}


def get_workflow_run_properties(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"RunProperties": platform.workflows.get_run_properties(tenant, params["Name"], params["RunId"])}


def put_workflow_run_properties(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.workflows.put_run_properties(tenant, params["Name"], params["RunId"], params["RunProperties"])
    return {}


WORKFLOW_OPERATIONS: dict[str, Handler] = {
    "BatchGetWorkflows": batch_get_workflows,
    "CreateWorkflow": create_workflow,
    "DeleteWorkflow": delete_workflow,
    "GetWorkflow": get_workflow,
    "GetWorkflowRun": get_workflow_run,
    "GetWorkflowRunProperties": get_workflow_run_properties,
    "GetWorkflowRuns": get_workflow_runs,
    "ListWorkflows": list_workflows,
    "PutWorkflowRunProperties": put_workflow_run_properties,
    "ResumeWorkflowRun": resume_workflow_run,
    "StartWorkflowRun": start_workflow_run,
    "StopWorkflowRun": stop_workflow_run,
    "UpdateWorkflow": update_workflow,
}
