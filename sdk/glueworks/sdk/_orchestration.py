"""`client.triggers` and `client.workflows`: triggers, workflows and workflow runs over `/v1`.

Members are Glue's trigger and workflow shapes with snake_case names, e.g.
`actions=[{"job_name": "load", "arguments": {"--day": "1"}}]` or
`predicate={"conditions": [{"job_name": "extract", "state": "SUCCEEDED"}]}`; the server checks them and its
error names any bad member. Replies are the server's JSON objects (dicts), as documented in docs/scheduling.md.

Example:
    >>> client.workflows.create("nightly", default_run_properties={"day": "1"})  # doctest: +SKIP
    >>> client.triggers.create("go", "ON_DEMAND", [{"job_name": "extract"}], workflow_name="nightly")  # doctest: +SKIP
    >>> run_id = client.workflows.start_run("nightly")  # doctest: +SKIP
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from glueworks.sdk._transport import Transport, path_segment

__all__ = ["Triggers", "Workflows"]

Doc = dict[str, Any]


def _params(**values: str | int | bool | None) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is not None:
            out[key] = value
    return out


def _json(transport: Transport, method: str, path: str, **kwargs: Any) -> Doc:
    reply: Doc = transport.request(method, path, **kwargs).json()
    return reply


class Triggers:
    """Triggers; reached as `client.triggers`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(
        self,
        name: str,
        type: str,
        actions: Sequence[Mapping[str, Any]],
        *,
        start_on_creation: bool = False,
        **fields: Any,
    ) -> Doc:
        """Create a trigger: `type` is SCHEDULED (give `schedule`), CONDITIONAL (give `predicate`), ON_DEMAND or EVENT.

        Raises:
            InvalidInputException: A bad member, a bad cron expression, or a cycle in the workflow.
            EntityNotFoundException: A job, crawler or workflow named does not exist.
        """
        body = {"name": name, "type": type, "actions": list(actions), "start_on_creation": start_on_creation, **fields}
        return _json(self._transport, "POST", "/triggers", json=body)

    def get(self, name: str) -> Doc:
        return _json(self._transport, "GET", f"/triggers/{path_segment(name, 'trigger')}")

    def list(
        self, *, dependent_job_name: str | None = None, max_results: int | None = None, next_token: str | None = None
    ) -> Doc:
        """One page: `{"triggers": [...], "next_token": ...}`."""
        params = _params(dependent_job_name=dependent_job_name, max_results=max_results, next_token=next_token)
        return _json(self._transport, "GET", "/triggers", params=params)

    def update(self, name: str, **fields: Any) -> Doc:
        """Change `description`, `schedule`, `actions`, `predicate` or `event_batching_condition`."""
        return _json(self._transport, "PATCH", f"/triggers/{path_segment(name, 'trigger')}", json=fields)

    def delete(self, name: str) -> Doc:
        return _json(self._transport, "DELETE", f"/triggers/{path_segment(name, 'trigger')}")

    def start(self, name: str) -> Doc:
        """Fire an ON_DEMAND trigger now; activate any other."""
        return _json(self._transport, "POST", f"/triggers/{path_segment(name, 'trigger')}/start")

    def stop(self, name: str) -> Doc:
        return _json(self._transport, "POST", f"/triggers/{path_segment(name, 'trigger')}/stop")


class Workflows:
    """Workflows and their runs; reached as `client.workflows`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @staticmethod
    def _path(name: str, *rest: str) -> str:
        return "/".join([f"/workflows/{path_segment(name, 'workflow')}", *rest])

    def create(self, name: str, **fields: Any) -> Doc:
        """Create a workflow (`description`, `default_run_properties`, `max_concurrent_runs`, `tags`)."""
        return _json(self._transport, "POST", "/workflows", json={"name": name, **fields})

    def get(self, name: str, *, include_graph: bool = False) -> Doc:
        return _json(self._transport, "GET", self._path(name), params=_params(include_graph=include_graph))

    def list(self, *, max_results: int | None = None, next_token: str | None = None) -> Doc:
        """One page of names: `{"workflows": [...], "next_token": ...}`."""
        params = _params(max_results=max_results, next_token=next_token)
        return _json(self._transport, "GET", "/workflows", params=params)

    def update(self, name: str, **fields: Any) -> Doc:
        return _json(self._transport, "PATCH", self._path(name), json=fields)

    def delete(self, name: str) -> Doc:
        """Delete a workflow and its triggers."""
        return _json(self._transport, "DELETE", self._path(name))

    def start_run(self, name: str, run_properties: Mapping[str, str] | None = None) -> str:
        """Start a run; return its id.

        Raises:
            ConcurrentRunsExceededException: The workflow has MaxConcurrentRuns active runs.
        """
        body = {"run_properties": dict(run_properties)} if run_properties else {}
        return str(_json(self._transport, "POST", self._path(name, "runs"), json=body)["run_id"])

    def get_run(self, name: str, run_id: str, *, include_graph: bool = False) -> Doc:
        path = self._path(name, "runs", path_segment(run_id, "run_id"))
        return _json(self._transport, "GET", path, params=_params(include_graph=include_graph))

    def list_runs(self, name: str, *, max_results: int | None = None, next_token: str | None = None) -> Doc:
        params = _params(max_results=max_results, next_token=next_token)
        return _json(self._transport, "GET", self._path(name, "runs"), params=params)

    def stop_run(self, name: str, run_id: str) -> Doc:
        return _json(self._transport, "POST", self._path(name, "runs", path_segment(run_id, "run_id"), "stop"))

    def resume_run(self, name: str, run_id: str, node_ids: builtins.list[str]) -> Doc:
        """Re-run failed nodes (graph `unique_id`s) in a new run: `{"run_id": ..., "node_ids": [...]}`.

        Raises:
            IllegalWorkflowStateException: The run is still active, or a node did not fail.
        """
        path = self._path(name, "runs", path_segment(run_id, "run_id"), "resume")
        return _json(self._transport, "POST", path, json={"node_ids": node_ids})

    def get_run_properties(self, name: str, run_id: str) -> dict[str, str]:
        path = self._path(name, "runs", path_segment(run_id, "run_id"), "properties")
        return dict(_json(self._transport, "GET", path)["run_properties"])

    def put_run_properties(self, name: str, run_id: str, properties: Mapping[str, str]) -> dict[str, str]:
        """Add or overwrite properties of an active run; return them all."""
        path = self._path(name, "runs", path_segment(run_id, "run_id"), "properties")
        return dict(_json(self._transport, "PUT", path, json={"run_properties": dict(properties)})["run_properties"])
