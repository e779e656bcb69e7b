"""Workflows: a graph of triggers, jobs and crawlers, run as a whole, with shared run properties.

A workflow's graph is its triggers (``Trigger.WorkflowName``) and what they watch and start. StartWorkflowRun
creates a RUNNING workflow run and fires the workflow's ON_DEMAND trigger(s) (else its other non-CONDITIONAL ones);
the scheduler then fires each CONDITIONAL trigger once its predicate holds in that run, and ends the run
(COMPLETED, or STOPPED after StopWorkflowRun) once every action has finished. Jobs started in a workflow run get
``--WORKFLOW_NAME`` and ``--WORKFLOW_RUN_ID``, with which they may call Get/PutWorkflowRunProperties.

ResumeWorkflowRun(RunId, NodeIds) makes a new run (PreviousRunId = RunId) that re-runs the chosen failed nodes
and everything downstream of them; the other nodes keep their outcome from the earlier run (the new run inherits
them), and triggers upstream of the chosen nodes do not fire again. The new run's Statistics count its own
actions. A run that is still active, or a node that did not fail, is not resumable: IllegalWorkflowStateException.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database, JobRunRow
from glueworks.platform.db.scheduling_models import (
    TriggerActionRow,
    TriggerFiringRow,
    TriggerRow,
    WorkflowRow,
    WorkflowRunRow,
)
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, GlueworksError, InvalidInputError
from glueworks.platform.scheduling.engine import (
    ACTIVE_WORKFLOW_STATES,
    create_workflow_run,
    new_workflow_run_id,
    start_triggers_of,
)
from glueworks.platform.scheduling.events_batching import PutEventsResult, put_events
from glueworks.platform.scheduling.firing import Dispatcher, fire
from glueworks.platform.scheduling.graph import GraphNode, WorkflowGraph, build_graph, node_id
from glueworks.platform.scheduling.outcomes import ActionView, latest_attempts, node_key, workflow_actions
from glueworks.platform.services.paging import decode_token, encode_token, newest_first, newest_first_token, page_size
from glueworks.platform.services.triggers import trigger_doc
from glueworks.platform.services.validation import check_name, check_range

__all__ = ["IllegalWorkflowStateError", "NodeView", "RunView", "WorkflowService", "WorkflowView"]

_STAT_OF = {
    "SUCCEEDED": "SucceededActions",
    "FAILED": "FailedActions",
    "STOPPED": "StoppedActions",
    "CANCELLED": "StoppedActions",
    "TIMEOUT": "TimeoutActions",
    "ERROR": "ErroredActions",
    "EXPIRED": "ErroredActions",
    "WAITING": "WaitingActions",
}
_STATS = (
    "TotalActions",
    "TimeoutActions",
    "FailedActions",
    "StoppedActions",
    "SucceededActions",
    "RunningActions",
    "ErroredActions",
    "WaitingActions",
)


class IllegalWorkflowStateError(GlueworksError):
    """The workflow run is not in a state that allows the operation (Glue's IllegalWorkflowStateException)."""

    code = "IllegalWorkflowStateException"


@dataclass
class NodeView:
    """A graph node, with the trigger (TRIGGER nodes) or the runs / crawls it made in a workflow run."""

    node: GraphNode
    trigger: TriggerRow | None = None
    job_runs: list[JobRunRow] = field(default_factory=list)
    crawls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class WorkflowView:
    workflow: WorkflowRow
    graph: WorkflowGraph
    nodes: list[NodeView]
    last_run: RunView | None


@dataclass
class RunView:
    run: WorkflowRunRow
    statistics: dict[str, int]
    graph: WorkflowGraph | None = None
    nodes: list[NodeView] = field(default_factory=list)


class WorkflowService:
    """Workflow definitions and runs (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        clock: Callable[[], datetime],
        *,
        stop_job_run: Callable[[str, str, str], None] = lambda tenant, job, run: None,
        new_run_id: Callable[[], str] = new_workflow_run_id,
    ) -> None:
        self._db = db
        self._dispatcher = dispatcher
        self._clock = clock
        self._stop_job_run = stop_job_run
        self._new_run_id = new_run_id

    # -- definitions -------------------------------------------------------------------------------------

    def create(
        self,
        tenant_id: str,
        name: str,
        *,
        description: str | None = None,
        default_run_properties: Mapping[str, str] | None = None,
        max_concurrent_runs: int | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> WorkflowRow:
        check_name(name, field="Name")
        check_range(max_concurrent_runs, field="MaxConcurrentRuns", low=1, high=1000)
        now = self._clock()
        row = WorkflowRow(
            tenant_id=tenant_id,
            name=name,
            description=description,
            default_run_properties=dict(default_run_properties or {}),
            max_concurrent_runs=max_concurrent_runs,
            tags=dict(tags or {}),
            created_on=now,
            last_modified_on=now,
        )
        try:
            with self._db.transaction() as session:
                session.add(row)
                session.flush()
        except IntegrityError:
            raise AlreadyExistsError(f"workflow {name!r} already exists") from None
        return row

    def get(self, tenant_id: str, name: str, *, include_graph: bool = False) -> WorkflowView:
        with self._db.transaction() as session:
            workflow = _workflow(session, tenant_id, name)
            triggers = _triggers(session, tenant_id, name)
            graph = build_graph(trigger_doc(t) for t in triggers)
            last = session.scalars(
                select(WorkflowRunRow)
                .where(WorkflowRunRow.tenant_id == tenant_id, WorkflowRunRow.workflow_name == name)
                .order_by(WorkflowRunRow.started_on.desc(), WorkflowRunRow.id.desc())
                .limit(1)
            ).first()
            last_view = None if last is None else self._run_view(session, last, triggers, include_graph)
        nodes = [NodeView(n, _trigger_of(triggers, n)) for n in graph.nodes] if include_graph else []
        return WorkflowView(workflow, graph, nodes, last_view)

    def page(self, tenant_id: str, max_results: int | None, next_token: str | None) -> tuple[list[str], str | None]:
        size = page_size(max_results, default=100, maximum=25 * 40)
        cursor = decode_token(next_token)
        query = select(WorkflowRow.name).where(WorkflowRow.tenant_id == tenant_id).order_by(WorkflowRow.name)
        if cursor is not None:
            query = query.where(WorkflowRow.name > str(cursor.get("after", "")))
        with self._db.transaction() as session:
            names = list(session.scalars(query.limit(size + 1)))
        token = encode_token({"after": names[size - 1]}) if len(names) > size else None
        return names[:size], token

    def batch_get(
        self, tenant_id: str, names: Sequence[str], *, include_graph: bool = False
    ) -> tuple[list[WorkflowView], list[str]]:
        found: list[WorkflowView] = []
        missing: list[str] = []
        for name in names:
            try:
                found.append(self.get(tenant_id, name, include_graph=include_graph))
            except EntityNotFoundError:
                missing.append(name)
        return found, missing

    def update(self, tenant_id: str, name: str, changes: Mapping[str, Any]) -> WorkflowRow:
        """Change description, default_run_properties or max_concurrent_runs."""
        unknown = set(changes) - {"description", "default_run_properties", "max_concurrent_runs"}
        if unknown:
            raise InvalidInputError(f"cannot be changed: {', '.join(sorted(unknown))}", field="Workflow")
        check_range(changes.get("max_concurrent_runs"), field="MaxConcurrentRuns", low=1, high=1000)
        with self._db.transaction() as session:
            row = _workflow(session, tenant_id, name, lock=True)
            for key, value in changes.items():
                setattr(row, key, dict(value) if key == "default_run_properties" else value)
            row.last_modified_on = self._clock()
        return row

    def delete(self, tenant_id: str, name: str) -> None:
        """Delete a workflow and its triggers (its jobs and crawlers stay). Deleting a missing one succeeds."""
        with self._db.transaction() as session:
            row = session.scalars(
                select(WorkflowRow).where(WorkflowRow.tenant_id == tenant_id, WorkflowRow.name == name)
            ).first()
            if row is None:
                return
            for trigger in _triggers(session, tenant_id, name):
                session.delete(trigger)
            session.delete(row)

    # -- runs --------------------------------------------------------------------------------------------

    def start_run(self, tenant_id: str, name: str, properties: Mapping[str, str] | None = None) -> str:
        """StartWorkflowRun; returns the run id.

        Raises:
            ConcurrentRunsExceededError: beyond the workflow's MaxConcurrentRuns.
            InvalidInputError: the workflow has no trigger that starts it.
        """
        with self._db.transaction() as session:
            workflow = _workflow(session, tenant_id, name, lock=True)
            starters = start_triggers_of(_triggers(session, tenant_id, name))
            if not starters:
                raise InvalidInputError(f"workflow {name!r} has no trigger that starts it", field="Name")
            now = self._clock()
            run = create_workflow_run(session, workflow, now=now, run_id=self._new_run_id(), properties=properties)
            firing_ids = []
            for trigger in starters:
                firing = fire(session, trigger, f"wr:{run.id}", now=now, workflow_run=run)
                if firing is not None:
                    firing_ids.append(firing.id)
            run_id = run.id
        self._dispatcher.dispatch(firing_ids=firing_ids)
        return run_id

    def put_events(self, tenant_id: str, name: str, body: Any) -> PutEventsResult:
        """Store events for the workflow's ACTIVATED EVENT trigger (see ``scheduling.events_batching``)."""
        return put_events(self._db, tenant_id, name, body, now=self._clock())

    def get_run(self, tenant_id: str, name: str, run_id: str, *, include_graph: bool = False) -> RunView:
        with self._db.transaction() as session:
            run = _run(session, tenant_id, name, run_id)
            return self._run_view(session, run, _triggers(session, tenant_id, name), include_graph)

    def runs_page(
        self, tenant_id: str, name: str, max_results: int | None, next_token: str | None, *, include_graph: bool
    ) -> tuple[list[RunView], str | None]:
        """Runs of a workflow, newest first."""
        size = page_size(max_results, default=100, maximum=1000)
        mine = select(WorkflowRunRow).where(WorkflowRunRow.tenant_id == tenant_id, WorkflowRunRow.workflow_name == name)
        query = newest_first(mine, WorkflowRunRow, size, next_token)
        with self._db.transaction() as session:
            _workflow(session, tenant_id, name)
            rows = list(session.scalars(query))
            triggers = _triggers(session, tenant_id, name)
            views = [self._run_view(session, r, triggers, include_graph) for r in rows[:size]]
        return views, newest_first_token(rows, size)

    def stop_run(self, tenant_id: str, name: str, run_id: str) -> None:
        """StopWorkflowRun: no new actions start; running job runs are asked to stop; the run ends STOPPED."""
        to_stop: list[tuple[str, str]] = []
        with self._db.transaction() as session:
            run = _run(session, tenant_id, name, run_id, lock=True)
            if run.status != "RUNNING":
                raise IllegalWorkflowStateError(f"workflow run {run_id} is {run.status}, not RUNNING")
            run.status = "STOPPING"
            run.last_modified_on = self._clock()
            own, _ = workflow_actions(session, run)
            for view in own:
                if view.action.status == "PENDING":
                    view.action.status = "STOPPED"
                    view.action.error_message = "the workflow run was stopped before this action started"
                elif view.action.kind == "JOB" and not view.terminal and view.run_ids:
                    to_stop.append((view.action.target_name, view.run_ids[-1]))
        for job_name, job_run_id in to_stop:
            self._stop_job_run(tenant_id, job_name, job_run_id)

    def resume_run(self, tenant_id: str, name: str, run_id: str, node_ids: Sequence[str]) -> tuple[str, list[str]]:
        """ResumeWorkflowRun: a new run re-running ``node_ids`` (failed nodes) and their downstream.

        Returns:
            (the new run's id, the node ids resumed).

        Raises:
            IllegalWorkflowStateError: the run is still active, or a node did not fail in it.
            InvalidInputError: a node id that is not a job or crawler node of the workflow.
        """
        if not node_ids:
            raise InvalidInputError("name at least one node to resume", field="NodeIds")
        with self._db.transaction() as session:
            workflow = _workflow(session, tenant_id, name, lock=True)
            run = _run(session, tenant_id, name, run_id)
            if run.status in ACTIVE_WORKFLOW_STATES:
                raise IllegalWorkflowStateError(
                    f"workflow run {run_id} is {run.status}; only a finished run can be resumed"
                )
            triggers = _triggers(session, tenant_id, name)
            graph = build_graph(trigger_doc(t) for t in triggers)
            own, inherited = workflow_actions(session, run)
            latest: dict[str, ActionView] = {}
            for view in [*inherited, *own]:
                latest[node_id(*node_key(view.action))] = view
            for i, nid in enumerate(node_ids):
                node = graph.node(nid)
                if node is None or node.kind == "TRIGGER":
                    raise InvalidInputError(f"{nid!r} is not a job or crawler node of {name!r}", field=f"NodeIds[{i}]")
                seen = latest.get(nid)
                if seen is None or not seen.terminal or seen.state == "SUCCEEDED":
                    state = "never ran" if seen is None else seen.state
                    raise IllegalWorkflowStateError(
                        f"node {node.kind} {node.name} is not resumable in run {run_id}: it {state.lower()}"
                    )
            rerun = graph.downstream(node_ids)
            keep = {
                f"{v.action.kind}:{v.action.target_name}": v.action.id for nid, v in latest.items() if nid not in rerun
            }
            now = self._clock()
            new_run = create_workflow_run(
                session,
                workflow,
                now=now,
                run_id=self._new_run_id(),
                properties=run.properties,
                previous_run_id=run.id,
                inherited=keep,
            )
            # Triggers that fired in the earlier run and are not downstream of a resumed node do not fire again.
            fired = set(
                session.scalars(
                    select(TriggerFiringRow.trigger_name).where(
                        TriggerFiringRow.tenant_id == tenant_id, TriggerFiringRow.workflow_run_id == run.id
                    )
                )
            )
            for trigger_name in sorted(fired):
                if node_id("TRIGGER", trigger_name) not in rerun:
                    session.add(
                        TriggerFiringRow(
                            tenant_id=tenant_id,
                            trigger_name=trigger_name,
                            fire_key=f"wr:{new_run.id}",
                            workflow_run_id=new_run.id,
                            fired_on=now,
                        )
                    )
            firing_ids: list[int] = []
            by_name = {t.name: t for t in triggers}
            for nid in dict.fromkeys(node_ids):
                action = latest[nid].action
                trigger = by_name.get(action.trigger_name)
                actions = [] if trigger is None else trigger.actions
                target = actions[action.position] if action.position < len(actions) else {}
                if (
                    trigger is None
                    or target.get("JobName" if action.kind == "JOB" else "CrawlerName") != action.target_name
                ):
                    raise IllegalWorkflowStateError(
                        f"the trigger {action.trigger_name!r} that ran {action.target_name!r} no longer does"
                    )
                firing = fire(
                    session,
                    trigger,
                    f"resume:{new_run.id}:{nid}",
                    now=now,
                    workflow_run=new_run,
                    positions=[action.position],
                )
                if firing is not None:
                    firing_ids.append(firing.id)
            new_id = new_run.id
        self._dispatcher.dispatch(firing_ids=firing_ids)
        return new_id, list(dict.fromkeys(node_ids))

    def get_run_properties(self, tenant_id: str, name: str, run_id: str) -> dict[str, str]:
        with self._db.transaction() as session:
            return dict(_run(session, tenant_id, name, run_id).properties)

    def put_run_properties(self, tenant_id: str, name: str, run_id: str, properties: Mapping[str, str]) -> None:
        """Add or overwrite properties of an active run (others keep their values)."""
        with self._db.transaction() as session:
            run = _run(session, tenant_id, name, run_id, lock=True)
            if run.status not in ACTIVE_WORKFLOW_STATES:
                raise IllegalWorkflowStateError(f"workflow run {run_id} is {run.status}; its properties are final")
            run.properties = {**run.properties, **properties}
            run.last_modified_on = self._clock()

    # -- views -------------------------------------------------------------------------------------------

    def _run_view(
        self, session: Session, run: WorkflowRunRow, triggers: Sequence[TriggerRow], include_graph: bool
    ) -> RunView:
        own, inherited = workflow_actions(session, run)
        stats = dict.fromkeys(_STATS, 0)
        for view in own:
            stats["TotalActions"] += 1
            stats[_STAT_OF.get(view.state, "RunningActions")] += 1
        result = RunView(run, stats)
        if not include_graph:
            return result
        graph = build_graph(trigger_doc(t) for t in triggers)
        runs_by_node: dict[str, list[str]] = {}
        crawls_by_node: dict[str, list[str]] = {}
        for view in [*inherited, *own]:
            nid = node_id(*node_key(view.action))
            target = runs_by_node if view.action.kind == "JOB" else crawls_by_node
            target.setdefault(nid, []).extend(view.run_ids)
        all_runs = [rid for ids in runs_by_node.values() for rid in ids]
        rows = {r.id: r for chain in latest_attempts(session, all_runs).values() for r in chain} if all_runs else {}
        crawls = _crawls(session, [c for ids in crawls_by_node.values() for c in ids])
        result.graph = graph
        result.nodes = [
            NodeView(
                n,
                _trigger_of(triggers, n),
                [rows[r] for r in runs_by_node.get(n.id, []) if r in rows],
                [crawls[c] for c in crawls_by_node.get(n.id, []) if c in crawls],
            )
            for n in graph.nodes
        ]
        return result


def _trigger_of(triggers: Sequence[TriggerRow], node: GraphNode) -> TriggerRow | None:
    if node.kind != "TRIGGER":
        return None
    return next((t for t in triggers if t.name == node.name), None)


def _crawls(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    from glueworks.platform.db.crawler_models import CrawlRow

    rows = session.scalars(select(CrawlRow).where(CrawlRow.id.in_(ids)))
    return {
        r.id: {"State": r.state, "StartedOn": r.start_time, "CompletedOn": r.end_time, "ErrorMessage": r.error_message}
        for r in rows
    }


def _workflow(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> WorkflowRow:
    query = select(WorkflowRow).where(WorkflowRow.tenant_id == tenant_id, WorkflowRow.name == name)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise EntityNotFoundError(f"workflow {name!r} not found")
    return row


def _triggers(session: Session, tenant_id: str, workflow_name: str) -> list[TriggerRow]:
    return list(
        session.scalars(
            select(TriggerRow)
            .where(TriggerRow.tenant_id == tenant_id, TriggerRow.workflow_name == workflow_name)
            .order_by(TriggerRow.id)
        )
    )


def _run(session: Session, tenant_id: str, name: str, run_id: str, *, lock: bool = False) -> WorkflowRunRow:
    query = select(WorkflowRunRow).where(
        WorkflowRunRow.tenant_id == tenant_id, WorkflowRunRow.workflow_name == name, WorkflowRunRow.id == run_id
    )
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise EntityNotFoundError(f"run {run_id} of workflow {name!r} not found")
    return row


def count_actions(session: Session, workflow_run_id: str) -> int:
    """How many actions a workflow run has (a test and CLI aid)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(TriggerActionRow)
            .where(TriggerActionRow.workflow_run_id == workflow_run_id)
        )
        or 0
    )
