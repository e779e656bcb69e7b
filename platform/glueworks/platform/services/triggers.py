"""Triggers: SCHEDULED (cron), CONDITIONAL (a predicate over job and crawler states), ON_DEMAND and EVENT.

States: a trigger is CREATED, or ACTIVATED by StartOnCreation or StartTrigger, and DEACTIVATED by StopTrigger.
ON_DEMAND triggers stay CREATED: StartTrigger fires them at once. Firing and starting actions are the scheduler's
(``glueworks.platform.scheduling``); this service checks and stores definitions, and fires ON_DEMAND triggers.

Checks, each naming its field: a cron expression Glue would reject, or one firing more often than every
``min_interval_minutes`` (Glue's documented minimum is 5; 0 turns the check off); a predicate or an action on a
job or crawler that does not exist (EntityNotFoundException); a trigger that would close a cycle in its workflow
(InvalidInputException). A job deleted after its trigger was created is found out when the trigger fires: the
action ends in Glue's ERROR state.

Glue keeps EVENT triggers for workflows; so does glueworks (WorkflowName is required). Their batching condition
is checked and stored; the scheduler fires them from events put to the workflow (``scheduling.events_batching``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database, JobRow
from glueworks.platform.db.scheduling_models import TriggerRow, WorkflowRow, WorkflowRunRow
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, InvalidInputError
from glueworks.platform.scheduling.cron import min_gap_minutes, parse_cron
from glueworks.platform.scheduling.engine import create_workflow_run, new_workflow_run_id
from glueworks.platform.scheduling.firing import Dispatcher, fire
from glueworks.platform.scheduling.graph import build_graph, refuse_cycles
from glueworks.platform.scheduling.predicates import parse_predicate
from glueworks.platform.services.paging import decode_token, encode_token, page_size
from glueworks.platform.services.validation import MAX_TIMEOUT_MINUTES, check_arguments, check_name, check_range

__all__ = ["TRIGGER_TYPES", "TriggerService", "TriggerSpec", "trigger_doc"]

TRIGGER_TYPES = ("SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT")
_UPDATABLE = ("description", "schedule", "actions", "predicate", "event_batching")


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger definition, with Glue's members as Glue spells them inside ``predicate`` and ``actions``."""

    type: str
    actions: Sequence[Mapping[str, Any]]
    workflow_name: str | None = None
    schedule: str | None = None
    predicate: Mapping[str, Any] | None = None
    description: str | None = None
    event_batching: Mapping[str, Any] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def trigger_doc(row: TriggerRow) -> dict[str, Any]:
    """The parts of a trigger the workflow graph needs, as Glue shapes."""
    return {"Name": row.name, "Predicate": row.predicate, "Actions": row.actions}


class TriggerService:
    """Trigger definitions and their (de)activation; fires ON_DEMAND triggers."""

    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        clock: Callable[[], datetime],
        *,
        min_interval_minutes: int = 5,
        new_run_id: Callable[[], str] = new_workflow_run_id,
    ) -> None:
        self._db = db
        self._dispatcher = dispatcher
        self._clock = clock
        self._min_interval = min_interval_minutes
        self._new_run_id = new_run_id

    # -- definitions -------------------------------------------------------------------------------------

    def create(self, tenant_id: str, name: str, spec: TriggerSpec, *, start_on_creation: bool = False) -> TriggerRow:
        """Create a trigger; with ``start_on_creation`` a SCHEDULED/CONDITIONAL/EVENT one starts ACTIVATED.

        Raises:
            InvalidInputError: a bad member (named), or a cycle in the workflow.
            EntityNotFoundError: the workflow, or a job or crawler named in Predicate or Actions, does not exist.
            AlreadyExistsError: a trigger of that name exists.
        """
        check_name(name, field="Name")
        if spec.type not in TRIGGER_TYPES:
            raise InvalidInputError(f"must be one of {', '.join(TRIGGER_TYPES)}, got {spec.type!r}", field="Type")
        if start_on_creation and spec.type == "ON_DEMAND":
            raise InvalidInputError("is not supported for ON_DEMAND triggers", field="StartOnCreation")
        now = self._clock()
        try:
            with self._db.transaction() as session:
                self._check(session, tenant_id, name, spec)
                row = TriggerRow(
                    tenant_id=tenant_id,
                    name=name,
                    trigger_id=uuid.uuid4().hex,
                    workflow_name=spec.workflow_name,
                    type=spec.type,
                    state="CREATED",
                    description=spec.description,
                    schedule=spec.schedule,
                    predicate=None if spec.predicate is None else dict(spec.predicate),
                    actions=[dict(a) for a in spec.actions],
                    event_batching=None if spec.event_batching is None else dict(spec.event_batching),
                    tags=dict(spec.tags),
                    created_on=now,
                    last_modified_on=now,
                )
                if start_on_creation:
                    _activate(row, now)
                session.add(row)
                session.flush()
        except IntegrityError:
            raise AlreadyExistsError(f"trigger {name!r} already exists") from None
        return row

    def get(self, tenant_id: str, name: str) -> TriggerRow:
        with self._db.transaction() as session:
            return _get(session, tenant_id, name)

    def page(
        self,
        tenant_id: str,
        max_results: int | None,
        next_token: str | None,
        *,
        dependent_job_name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> tuple[list[TriggerRow], str | None]:
        """Triggers by name; ``dependent_job_name`` keeps those whose actions start that job (as Glue does)."""
        size = page_size(max_results, default=100, maximum=1000)
        cursor = decode_token(next_token)
        query = select(TriggerRow).where(TriggerRow.tenant_id == tenant_id).order_by(TriggerRow.name)
        if cursor is not None:
            query = query.where(TriggerRow.name > str(cursor.get("after", "")))
        with self._db.transaction() as session:
            if dependent_job_name is not None:
                _job(session, tenant_id, dependent_job_name, field="DependentJobName")
            rows = list(session.scalars(query))
        if dependent_job_name is not None:
            rows = [r for r in rows if any(a.get("JobName") == dependent_job_name for a in r.actions)]
        if tags:
            rows = [r for r in rows if all(r.tags.get(k) == v for k, v in tags.items())]
        token = encode_token({"after": rows[size - 1].name}) if len(rows) > size else None
        return rows[:size], token

    def batch_get(self, tenant_id: str, names: Sequence[str]) -> tuple[list[TriggerRow], list[str]]:
        with self._db.transaction() as session:
            rows = list(
                session.scalars(
                    select(TriggerRow).where(TriggerRow.tenant_id == tenant_id, TriggerRow.name.in_(list(names)))
                )
            )
        found = {row.name for row in rows}
        return rows, [n for n in names if n not in found]

    def update(self, tenant_id: str, name: str, changes: Mapping[str, Any]) -> TriggerRow:
        """Change the given members (snake_case keys of :class:`TriggerSpec`); the type cannot change."""
        unknown = set(changes) - set(_UPDATABLE)
        if unknown:
            raise InvalidInputError(f"cannot be changed: {', '.join(sorted(unknown))}", field="TriggerUpdate")
        with self._db.transaction() as session:
            row = _get(session, tenant_id, name, lock=True)
            spec = TriggerSpec(
                type=row.type,
                actions=changes.get("actions", row.actions),
                workflow_name=row.workflow_name,
                schedule=changes.get("schedule", row.schedule),
                predicate=changes.get("predicate", row.predicate),
                description=changes.get("description", row.description),
                event_batching=changes.get("event_batching", row.event_batching),
            )
            self._check(session, tenant_id, name, spec, field_prefix="TriggerUpdate.")
            row.actions = [dict(a) for a in spec.actions]
            row.schedule = spec.schedule
            row.predicate = None if spec.predicate is None else dict(spec.predicate)
            row.description = spec.description
            row.event_batching = None if spec.event_batching is None else dict(spec.event_batching)
            now = self._clock()
            row.last_modified_on = now
            if row.state == "ACTIVATED" and row.type == "SCHEDULED":
                row.next_tick = parse_cron(row.schedule or "").next_after(now)
        return row

    def delete(self, tenant_id: str, name: str) -> None:
        with self._db.transaction() as session:
            session.delete(_get(session, tenant_id, name, lock=True))

    # -- activation --------------------------------------------------------------------------------------

    def start(self, tenant_id: str, name: str) -> str:
        """StartTrigger: fire an ON_DEMAND trigger now (a new workflow run if it is in a workflow); else activate.

        Returns:
            The trigger's name.
        """
        firing_id: int | None = None
        with self._db.transaction() as session:
            row = _get(session, tenant_id, name, lock=True)
            now = self._clock()
            if row.type != "ON_DEMAND":
                if row.state != "ACTIVATED":
                    _activate(row, now)
                    row.last_modified_on = now
                return row.name
            run: WorkflowRunRow | None = None
            if row.workflow_name is not None:
                workflow = _workflow(session, tenant_id, row.workflow_name)
                run = create_workflow_run(session, workflow, now=now, run_id=self._new_run_id())
            firing = fire(session, row, f"start:{uuid.uuid4().hex}", now=now, workflow_run=run)
            firing_id = None if firing is None else firing.id
        if firing_id is not None:
            self._dispatcher.dispatch(firing_ids=[firing_id])
        return name

    def stop(self, tenant_id: str, name: str) -> str:
        """StopTrigger: deactivate a SCHEDULED, CONDITIONAL or EVENT trigger."""
        with self._db.transaction() as session:
            row = _get(session, tenant_id, name, lock=True)
            if row.type == "ON_DEMAND":
                raise InvalidInputError(
                    "an ON_DEMAND trigger is never activated, so it cannot be stopped", field="Name"
                )
            row.state = "DEACTIVATED"
            row.next_tick = None
            row.last_modified_on = self._clock()
        return name

    # -- checks ------------------------------------------------------------------------------------------

    def _check(self, session: Session, tenant_id: str, name: str, spec: TriggerSpec, field_prefix: str = "") -> None:
        if spec.type == "SCHEDULED":
            self._check_schedule(spec.schedule, field=field_prefix + "Schedule")
        elif spec.schedule:
            raise InvalidInputError("is only for SCHEDULED triggers", field=field_prefix + "Schedule")
        if spec.type == "CONDITIONAL":
            predicate = parse_predicate(spec.predicate, field=field_prefix + "Predicate")
            for i, cond in enumerate(predicate.conditions):
                where = f"{field_prefix}Predicate.Conditions[{i}]"
                if cond.kind == "JOB":
                    _job(session, tenant_id, cond.name, field=f"{where}.JobName")
                else:
                    _crawler(session, tenant_id, cond.name, field=f"{where}.CrawlerName")
        elif spec.predicate:
            raise InvalidInputError("is only for CONDITIONAL triggers", field=field_prefix + "Predicate")
        if spec.type == "EVENT":
            if spec.workflow_name is None:
                raise InvalidInputError("EVENT triggers belong to a workflow, as in Glue", field="WorkflowName")
            _check_batching(spec.event_batching, field=field_prefix + "EventBatchingCondition")
        self._check_actions(session, tenant_id, spec.actions, field=field_prefix + "Actions")
        if spec.workflow_name is not None:
            _workflow(session, tenant_id, spec.workflow_name)
            others = session.scalars(
                select(TriggerRow).where(
                    TriggerRow.tenant_id == tenant_id,
                    TriggerRow.workflow_name == spec.workflow_name,
                    TriggerRow.name != name,
                )
            )
            mine = {"Name": name, "Predicate": spec.predicate, "Actions": spec.actions}
            graph = build_graph([*(trigger_doc(t) for t in others), mine])
            refuse_cycles(graph, workflow=spec.workflow_name, field=field_prefix + "Predicate")

    def _check_schedule(self, schedule: str | None, *, field: str) -> None:
        if not schedule:
            raise InvalidInputError("is required for SCHEDULED triggers", field=field)
        try:
            parsed = parse_cron(schedule)
        except ValueError as exc:
            raise InvalidInputError(str(exc), field=field) from None
        if self._min_interval and min_gap_minutes(parsed) < self._min_interval:
            raise InvalidInputError(
                f"{schedule!r} fires {min_gap_minutes(parsed)} minutes apart; the minimum interval is "
                f"{self._min_interval} minutes, as in Glue",
                field=field,
            )

    def _check_actions(
        self, session: Session, tenant_id: str, actions: Sequence[Mapping[str, Any]], *, field: str
    ) -> None:
        if not actions:
            raise InvalidInputError("a trigger needs at least one action", field=field)
        for i, action in enumerate(actions):
            where = f"{field}[{i}]"
            job, crawler = action.get("JobName"), action.get("CrawlerName")
            if bool(job) == bool(crawler):
                raise InvalidInputError("name exactly one of JobName and CrawlerName", field=where)
            if job:
                _job(session, tenant_id, str(job), field=f"{where}.JobName")
            else:
                _crawler(session, tenant_id, str(crawler), field=f"{where}.CrawlerName")
            check_arguments(action.get("Arguments") or {}, field=f"{where}.Arguments")
            check_range(action.get("Timeout"), field=f"{where}.Timeout", low=1, high=MAX_TIMEOUT_MINUTES)


def _activate(row: TriggerRow, now: datetime) -> None:
    row.state = "ACTIVATED"
    row.activated_on = now
    if row.type == "SCHEDULED":
        row.next_tick = parse_cron(row.schedule or "").next_after(now)


def _check_batching(value: Mapping[str, Any] | None, *, field: str) -> None:
    if value is None:
        return
    size, window = value.get("BatchSize"), value.get("BatchWindow")
    if not isinstance(size, int) or not 1 <= size <= 100:
        raise InvalidInputError(f"must be an integer 1-100, got {size!r}", field=f"{field}.BatchSize")
    if window is not None and (not isinstance(window, int) or not 1 <= window <= 900):
        raise InvalidInputError(f"must be an integer 1-900 (seconds), got {window!r}", field=f"{field}.BatchWindow")


def _get(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> TriggerRow:
    query = select(TriggerRow).where(TriggerRow.tenant_id == tenant_id, TriggerRow.name == name)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise EntityNotFoundError(f"trigger {name!r} not found")
    return row


def _job(session: Session, tenant_id: str, name: str, *, field: str) -> None:
    found = session.scalars(select(JobRow.id).where(JobRow.tenant_id == tenant_id, JobRow.name == name)).first()
    if found is None:
        raise EntityNotFoundError(f"{field}: job {name!r} not found")


def _crawler(session: Session, tenant_id: str, name: str, *, field: str) -> None:
    from glueworks.platform.db.crawler_models import CrawlerRow

    found = session.scalars(
        select(CrawlerRow.id).where(CrawlerRow.tenant_id == tenant_id, CrawlerRow.name == name)
    ).first()
    if found is None:
        raise EntityNotFoundError(f"{field}: crawler {name!r} not found")


def _workflow(session: Session, tenant_id: str, name: str) -> WorkflowRow:
    row = session.scalars(
        select(WorkflowRow).where(WorkflowRow.tenant_id == tenant_id, WorkflowRow.name == name)
    ).first()
    if row is None:
        raise EntityNotFoundError(f"WorkflowName: workflow {name!r} not found")
    return row
