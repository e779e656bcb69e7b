"""The rules shared by the scheduler and the services: starting a workflow run and moving one along.

A workflow run moves along in scheduler passes: its CONDITIONAL triggers whose predicate its actions satisfy fire,
once each per workflow run (fire key ``wr:<run id>``); when no action is left unfinished and nothing fired in the
pass, a RUNNING run is COMPLETED (Glue reports failed actions in the statistics, not as the run's status) and a
STOPPING run is STOPPED.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glueworks.platform.db.scheduling_models import TriggerFiringRow, TriggerRow, WorkflowRow, WorkflowRunRow
from glueworks.platform.errors import ConcurrentRunsExceededError
from glueworks.platform.scheduling.firing import fire
from glueworks.platform.scheduling.outcomes import recent_outcome, workflow_actions, workflow_outcomes
from glueworks.platform.scheduling.predicates import parse_predicate

__all__ = [
    "ACTIVE_WORKFLOW_STATES",
    "advance_workflow_run",
    "create_workflow_run",
    "fire_conditional",
    "new_workflow_run_id",
    "start_triggers_of",
]

ACTIVE_WORKFLOW_STATES = ("RUNNING", "STOPPING")


def new_workflow_run_id() -> str:
    """Glue's workflow run id shape: ``wr_`` and 64 hex digits."""
    return "wr_" + secrets.token_hex(32)


def create_workflow_run(
    session: Session,
    workflow: WorkflowRow,
    *,
    now: datetime,
    run_id: str,
    properties: Mapping[str, str] | None = None,
    previous_run_id: str | None = None,
    inherited: Mapping[str, int] | None = None,
) -> WorkflowRunRow:
    """Add a RUNNING workflow run, refusing beyond the workflow's MaxConcurrentRuns.

    Raises:
        ConcurrentRunsExceededError: the workflow already has MaxConcurrentRuns active runs.
    """
    if workflow.max_concurrent_runs is not None:
        active = session.scalar(
            select(func.count())
            .select_from(WorkflowRunRow)
            .where(
                WorkflowRunRow.tenant_id == workflow.tenant_id,
                WorkflowRunRow.workflow_name == workflow.name,
                WorkflowRunRow.status.in_(ACTIVE_WORKFLOW_STATES),
            )
        )
        if (active or 0) >= workflow.max_concurrent_runs:
            raise ConcurrentRunsExceededError(
                f"workflow {workflow.name!r} has {active} active runs; its MaxConcurrentRuns is "
                f"{workflow.max_concurrent_runs}"
            )
    run = WorkflowRunRow(
        id=run_id,
        tenant_id=workflow.tenant_id,
        workflow_name=workflow.name,
        previous_run_id=previous_run_id,
        properties={**workflow.default_run_properties, **(properties or {})},
        status="RUNNING",
        inherited=dict(inherited or {}),
        started_on=now,
        last_modified_on=now,
    )
    session.add(run)
    session.flush()
    return run


def start_triggers_of(triggers: Sequence[TriggerRow]) -> list[TriggerRow]:
    """The triggers StartWorkflowRun fires: the ON_DEMAND ones, else every one that is not CONDITIONAL."""
    on_demand = [t for t in triggers if t.type == "ON_DEMAND"]
    return on_demand or [t for t in triggers if t.type != "CONDITIONAL"]


def advance_workflow_run(
    session: Session, run: WorkflowRunRow, triggers: Sequence[TriggerRow], now: datetime
) -> list[int]:
    """Fire the run's satisfied CONDITIONAL triggers, or end the run when it is done; return new firing ids."""
    own, inherited = workflow_actions(session, run)
    fired: list[int] = []
    if run.status == "RUNNING":
        outcomes = workflow_outcomes(own, inherited)
        for trigger in triggers:
            if trigger.type != "CONDITIONAL" or trigger.state != "ACTIVATED" or not trigger.predicate:
                continue
            if parse_predicate(trigger.predicate).evaluate(outcomes) is None:
                continue
            firing = fire(session, trigger, f"wr:{run.id}", now=now, workflow_run=run)
            if firing is not None:
                fired.append(firing.id)
    if fired or not all(view.terminal for view in own):
        return fired
    if run.status in ACTIVE_WORKFLOW_STATES:
        run.status = "COMPLETED" if run.status == "RUNNING" else "STOPPED"
        run.completed_on = now
        run.last_modified_on = now
    return fired


def fire_conditional(session: Session, trigger: TriggerRow, now: datetime) -> int | None:
    """Outside workflows: fire once per new set of runs satisfying the predicate; the new firing's id or None.

    The runs looked at are each watched node's latest finished run since the trigger was activated; the fire key
    is a digest of their ids, so the same runs never fire the trigger twice and any new satisfying run does.
    """
    if not trigger.predicate:
        return None
    predicate = parse_predicate(trigger.predicate)
    outcomes = {
        node: recent_outcome(session, trigger.tenant_id, node, trigger.activated_on) for node in predicate.nodes()
    }
    met = predicate.evaluate(outcomes)
    if met is None:
        return None
    digest = hashlib.sha256(",".join(o.run_id for o in met).encode()).hexdigest()[:48]
    key = f"runs:{digest}"
    exists = session.scalar(
        select(func.count())
        .select_from(TriggerFiringRow)
        .where(
            TriggerFiringRow.tenant_id == trigger.tenant_id,
            TriggerFiringRow.trigger_name == trigger.name,
            TriggerFiringRow.fire_key == key,
        )
    )
    if exists:
        return None
    firing = fire(session, trigger, key, now=now)
    return None if firing is None else firing.id
