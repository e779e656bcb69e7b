"""EVENT triggers: events put to a workflow, batched by its EVENT trigger into workflow runs.

Glue starts a workflow from EventBridge events (a rule whose target is the workflow); glueworks takes the events
at ``POST /v1/workflows/{name}/events`` (:func:`put_events`), or from a webhook of the platform's own job and
crawler state-change events registered to that URL. Each event is stored, pending, against the workflow's
ACTIVATED EVENT trigger.

Each scheduler pass (:func:`fire_event_batches`) looks at every ACTIVATED EVENT trigger's pending events, oldest
first: when ``BatchSize`` are pending, or ``BatchWindow`` seconds have passed since the oldest one was received,
the first ``BatchSize`` of them start ONE workflow run. The run's properties hold the batch's event ids under
``aws:eventIds`` (a JSON list, as Glue does). Exactly once: the batch's fire key is ``ev:<first event id>``, the
firing row is unique per (trigger, fire key), and the events are marked taken in the same transaction that
inserts the firing and the run; events beyond ``BatchSize`` wait for the next batch. A DEACTIVATED trigger takes
no events and consumes none of those already pending.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database
from glueworks.platform.db.scheduling_models import TriggerRow, WorkflowEventRow, WorkflowRow
from glueworks.platform.errors import ConcurrentRunsExceededError, EntityNotFoundError, InvalidInputError
from glueworks.platform.scheduling.engine import create_workflow_run
from glueworks.platform.scheduling.firing import fire

__all__ = [
    "DEFAULT_BATCH_WINDOW",
    "EVENT_IDS_PROPERTY",
    "MAX_EVENTS_PER_PUT",
    "PutEventsResult",
    "WorkflowEvent",
    "batch_fire_key",
    "fire_event_batches",
    "parse_events",
    "put_events",
]

log = logging.getLogger(__name__)

EVENT_IDS_PROPERTY = "aws:eventIds"
MAX_EVENTS_PER_PUT = 100
DEFAULT_BATCH_WINDOW = 900  # seconds, Glue's default
MAX_EVENT_BYTES = 256 * 1024  # EventBridge's limit on one event
_OPTIONAL_MEMBERS = frozenset({"id", "time", "version", "account", "region", "resources"})
_MEMBERS = frozenset({"source", "detail-type", "detail"}) | _OPTIONAL_MEMBERS


@dataclass(frozen=True)
class WorkflowEvent:
    """One checked event of a request."""

    event_id: str
    source: str
    detail_type: str
    detail: dict[str, Any]
    time: str | None


@dataclass(frozen=True)
class PutEventsResult:
    """What :func:`put_events` stored: the new event ids, and the ids already stored before (a re-send)."""

    workflow_name: str
    trigger_name: str
    event_ids: list[str]
    duplicate_ids: list[str]


def batch_fire_key(first_event_id: str) -> str:
    """The fire key (and, through it, the idempotency keys) of the batch starting with ``first_event_id``."""
    return f"ev:{first_event_id}"


def _text(event: Mapping[str, Any], member: str, where: str, limit: int, *, required: bool) -> str | None:
    value = event.get(member)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError("must be a non-empty string", field=f"{where}.{member}")
    if len(value) > limit:
        raise InvalidInputError(f"is longer than {limit} characters", field=f"{where}.{member}")
    return value


def _parse_one(event: Any, where: str, new_id: Callable[[], str]) -> WorkflowEvent:
    if not isinstance(event, Mapping):
        raise InvalidInputError("must be an object", field=where)
    unknown = sorted(set(event) - _MEMBERS)
    if unknown:
        raise InvalidInputError(f"unknown member {unknown[0]!r}", field=f"{where}.{unknown[0]}")
    source = _text(event, "source", where, 256, required=True)
    detail_type = _text(event, "detail-type", where, 128, required=True)
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidInputError("must be a JSON object", field=f"{where}.detail")
    event_id = _text(event, "id", where, 128, required=False) or new_id()
    time = _text(event, "time", where, 64, required=False)
    if time is not None:
        try:
            datetime.fromisoformat(time.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInputError("must be an ISO 8601 timestamp", field=f"{where}.time") from None
    if len(json.dumps(event, default=str).encode()) > MAX_EVENT_BYTES:
        raise InvalidInputError(f"is larger than {MAX_EVENT_BYTES} bytes", field=where)
    assert source is not None and detail_type is not None  # required members
    return WorkflowEvent(event_id, source, detail_type, dict(detail), time)


def parse_events(body: Any, new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> list[WorkflowEvent]:
    """Check a request body: one EventBridge-shaped event, or ``{"events": [...]}`` with 1 to 100 of them.

    Raises:
        InvalidInputError: naming the offending field (``events[2].detail-type``, ...).
    """
    if isinstance(body, Mapping) and "events" in body:
        if set(body) != {"events"}:
            extra = sorted(set(body) - {"events"})[0]
            raise InvalidInputError("not allowed next to 'events'", field=extra)
        items = body["events"]
        if not isinstance(items, list):
            raise InvalidInputError("must be a list", field="events")
        if not 1 <= len(items) <= MAX_EVENTS_PER_PUT:
            raise InvalidInputError(f"must hold 1 to {MAX_EVENTS_PER_PUT} events, not {len(items)}", field="events")
        events = [_parse_one(item, f"events[{i}]", new_id) for i, item in enumerate(items)]
    else:
        events = [_parse_one(body, "event", new_id)]
    seen: set[str] = set()
    for i, event in enumerate(events):
        if event.event_id in seen:
            raise InvalidInputError(f"id {event.event_id!r} appears twice in the request", field=f"events[{i}].id")
        seen.add(event.event_id)
    return events


def _event_trigger(session: Session, tenant_id: str, workflow_name: str) -> TriggerRow:
    workflow = session.scalars(
        select(WorkflowRow.id).where(WorkflowRow.tenant_id == tenant_id, WorkflowRow.name == workflow_name)
    ).first()
    if workflow is None:
        raise EntityNotFoundError(f"workflow {workflow_name!r} not found")
    triggers = list(
        session.scalars(
            select(TriggerRow)
            .where(
                TriggerRow.tenant_id == tenant_id,
                TriggerRow.workflow_name == workflow_name,
                TriggerRow.type == "EVENT",
            )
            .order_by(TriggerRow.id)
        )
    )
    active = [t for t in triggers if t.state == "ACTIVATED"]
    if not active:
        states = ", ".join(f"{t.name} is {t.state}" for t in triggers) or "it has none"
        raise InvalidInputError(
            f"workflow {workflow_name!r} has no ACTIVATED EVENT trigger to take events ({states})", field="Name"
        )
    return active[0]


def put_events(db: Database, tenant_id: str, workflow_name: str, body: Any, *, now: datetime) -> PutEventsResult:
    """Store the events of ``body`` (see :func:`parse_events`) as pending for the workflow's EVENT trigger.

    An event whose id the workflow already has is not stored again (EventBridge may deliver an event twice).

    Raises:
        InvalidInputError: a bad body, or the workflow has no ACTIVATED EVENT trigger.
        EntityNotFoundError: no such workflow.
    """
    events = parse_events(body)
    with db.transaction() as session:
        trigger = _event_trigger(session, tenant_id, workflow_name)
        known = set(
            session.scalars(
                select(WorkflowEventRow.event_id).where(
                    WorkflowEventRow.tenant_id == tenant_id,
                    WorkflowEventRow.workflow_name == workflow_name,
                    WorkflowEventRow.event_id.in_([e.event_id for e in events]),
                )
            )
        )
        stored, duplicates = [], []
        for event in events:
            if event.event_id in known:
                duplicates.append(event.event_id)
                continue
            row = WorkflowEventRow(
                tenant_id=tenant_id,
                workflow_name=workflow_name,
                trigger_name=trigger.name,
                event_id=event.event_id,
                source=event.source,
                detail_type=event.detail_type,
                detail=event.detail,
                event_time=event.time,
                received_on=now,
            )
            try:
                with session.begin_nested():  # a concurrent put of the same id: keep the first
                    session.add(row)
                    session.flush()
            except IntegrityError:
                duplicates.append(event.event_id)
                continue
            stored.append(event.event_id)
        return PutEventsResult(workflow_name, trigger.name, stored, duplicates)


def _batching(trigger: TriggerRow) -> tuple[int, timedelta]:
    condition = trigger.event_batching or {}
    size = int(condition.get("BatchSize") or 1)
    window = int(condition.get("BatchWindow") or DEFAULT_BATCH_WINDOW)
    return size, timedelta(seconds=window)


def _fire_batch(
    session: Session, trigger: TriggerRow, now: datetime, new_run_id: Callable[[], str], *, postgres: bool
) -> bool:
    """Fire the trigger's next batch if it is due; whether one fired."""
    size, window = _batching(trigger)
    pending_query = (
        select(WorkflowEventRow)
        .where(
            WorkflowEventRow.tenant_id == trigger.tenant_id,
            WorkflowEventRow.trigger_name == trigger.name,
            WorkflowEventRow.workflow_name == trigger.workflow_name,
            WorkflowEventRow.fire_key.is_(None),
        )
        .order_by(WorkflowEventRow.id)
        .limit(size)
    )
    if postgres:
        pending_query = pending_query.with_for_update()
    pending = list(session.scalars(pending_query))
    if not pending or (len(pending) < size and now - pending[0].received_on < window):
        return False
    workflow = session.scalars(
        select(WorkflowRow).where(WorkflowRow.tenant_id == trigger.tenant_id, WorkflowRow.name == trigger.workflow_name)
    ).first()
    if workflow is None:
        log.error("EVENT trigger %s names workflow %s, which does not exist", trigger.name, trigger.workflow_name)
        return False
    key = batch_fire_key(pending[0].event_id)
    ids = [e.event_id for e in pending]
    try:
        with session.begin_nested():
            run = create_workflow_run(
                session, workflow, now=now, run_id=new_run_id(), properties={EVENT_IDS_PROPERTY: json.dumps(ids)}
            )
            if fire(session, trigger, key, now=now, workflow_run=run) is None:
                raise _AlreadyFired
    except ConcurrentRunsExceededError as exc:  # the events stay pending and fire once a run slot frees
        log.warning("event batch %s of trigger %s waits: %s", key, trigger.name, exc.message)
        return False
    except _AlreadyFired:  # only if events were un-marked by hand: never start the batch twice
        log.error("event batch %s of trigger %s already fired; its events are marked taken", key, trigger.name)
        for event in pending:
            event.fire_key = key
        return False
    for event in pending:
        event.fire_key, event.workflow_run_id = key, run.id
    session.flush()
    return True


class _AlreadyFired(Exception):
    """The batch's firing row exists: roll the new run back."""


def fire_event_batches(
    db: Database,
    now: datetime,
    new_run_id: Callable[[], str],
    *,
    max_batches_per_trigger: int = 100,
) -> int:
    """One scheduler step: fire every due batch of every ACTIVATED EVENT trigger; return how many fired."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.transaction() as session:
        trigger_ids: Sequence[int] = list(
            session.scalars(
                select(TriggerRow.id)
                .where(TriggerRow.type == "EVENT", TriggerRow.state == "ACTIVATED")
                .order_by(TriggerRow.id)
            )
        )
    fired = 0
    for trigger_id in trigger_ids:
        for _ in range(max_batches_per_trigger):
            with db.transaction() as session:
                query = select(TriggerRow).where(TriggerRow.id == trigger_id, TriggerRow.state == "ACTIVATED")
                if postgres:
                    query = query.with_for_update(skip_locked=True)
                trigger = session.scalars(query).first()
                if trigger is None or trigger.workflow_name is None:
                    break
                if not _fire_batch(session, trigger, now, new_run_id, postgres=postgres):
                    break
                fired += 1
    return fired
