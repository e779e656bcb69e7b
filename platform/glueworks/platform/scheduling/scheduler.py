"""The scheduler service: fires due SCHEDULED triggers, evaluates CONDITIONAL ones, moves workflow runs along.

One pass (:meth:`Scheduler.run_once`):

1. **Leadership.** On SQLite one scheduler leads, holding a lease row that it renews every pass; another scheduler
   refuses to lead (its passes do nothing) until the lease expires. On PostgreSQL every scheduler works: due
   triggers, workflow runs and actions are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``.
2. **Cron ticks.** Every ACTIVATED SCHEDULED trigger whose ``next_tick`` is due fires once per due tick, in the
   transaction that advances ``next_tick``; the firing row is unique per (trigger, tick). A trigger in a workflow
   starts a new workflow run per tick.
3. **Conditions.** CONDITIONAL triggers fire once per satisfied predicate within a workflow run; outside
   workflows, once per new set of satisfying runs (see ``engine.fire_conditional``).
4. **Events.** Every ACTIVATED EVENT trigger whose pending events fill a batch, or whose oldest pending event is
   older than its batch window, starts one workflow run per batch (see ``events_batching``).
5. **Dispatch.** PENDING actions are started with deterministic idempotency keys (see ``firing``).

**Catch-up policy** after downtime: every missed tick no older than ``catch_up_window`` before now is fired, in
order, each exactly once; older missed ticks are skipped (and logged), as cron skips the ticks of a machine that
was off. At most ``max_ticks_per_pass`` ticks of one trigger fire in one pass; the rest follow in the next passes.

A scheduler killed mid-pass loses nothing: an uncommitted firing is redone by the next pass (the tick is still
due), and a committed firing whose actions did not start yet is started by the next pass, with the same keys.

Times come from an injected clock, so tests can run a simulated day in a few seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from glueworks.platform.db import Database
from glueworks.platform.db.scheduling_models import (
    SchedulerLeaseRow,
    TriggerFiringRow,
    TriggerRow,
    WorkflowRow,
    WorkflowRunRow,
)
from glueworks.platform.errors import ConcurrentRunsExceededError
from glueworks.platform.scheduling.cron import parse_cron
from glueworks.platform.scheduling.engine import (
    ACTIVE_WORKFLOW_STATES,
    advance_workflow_run,
    create_workflow_run,
    fire_conditional,
    new_workflow_run_id,
)
from glueworks.platform.scheduling.events_batching import fire_event_batches
from glueworks.platform.scheduling.firing import Dispatcher, fire

__all__ = ["LEASE_NAME", "PassReport", "Scheduler", "SchedulerConfig"]

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


@dataclass(frozen=True)
class SchedulerConfig:
    """Tunables; the platform fills them from ``settings.scheduler``."""

    interval: float = 1.0  # seconds between passes
    lease_seconds: float = 15.0  # SQLite leader lease
    catch_up_window: timedelta = timedelta(hours=1)
    max_ticks_per_pass: int = 100
    batch_size: int = 50
    # A server next to a separate `glueworks scheduler` process only starts actions (fire=False); that process
    # only fires triggers and moves workflow runs along (it has no dispatcher, so no launcher and no Ray).
    fire: bool = True


@dataclass
class PassReport:
    """What one pass did."""

    led: bool = False
    ticks_fired: int = 0
    ticks_skipped: int = 0
    event_batches_fired: int = 0
    conditions_fired: int = 0
    actions_started: int = 0
    workflow_runs_ended: int = 0
    errors: list[str] = field(default_factory=list)


class Scheduler:
    """See the module docstring. ``run_once`` is one pass; ``start``/``stop`` run passes on a thread."""

    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher | None,
        *,
        clock: Callable[[], datetime],
        config: SchedulerConfig | None = None,
        holder: str | None = None,
        new_run_id: Callable[[], str] = new_workflow_run_id,
    ) -> None:
        self._db = db
        self._dispatcher = dispatcher
        self._clock = clock
        self.config = config or SchedulerConfig()
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._new_run_id = new_run_id
        self._postgres = db.engine.dialect.name == "postgresql"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the loop ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Run passes every ``config.interval`` seconds on a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="glueworks-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and hand the lease back, so another scheduler can lead at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            self.release()
        except Exception:  # the database may already be gone at shutdown
            log.debug("could not release the scheduler lease", exc_info=True)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # one bad pass must not end the scheduler
                log.exception("scheduler pass failed")
            self._stop.wait(self.config.interval)

    def run_once(self) -> PassReport:
        """One pass: lead (SQLite), fire due ticks, evaluate conditions, start actions, end finished runs."""
        report = PassReport()
        now = self._clock()
        if not self.config.fire:
            report.actions_started += self._dispatch()
            return report
        if not self._lead(now):
            return report
        report.led = True
        self._fire_scheduled(now, report)
        # EVENT triggers: due batches of pending events start workflow runs (see events_batching).
        report.event_batches_fired += fire_event_batches(self._db, now, self._new_run_id)
        report.actions_started += self._dispatch()
        self._evaluate_conditions(now, report)
        report.actions_started += self._dispatch()
        return report

    def _dispatch(self) -> int:
        return 0 if self._dispatcher is None else self._dispatcher.dispatch()

    # -- leadership --------------------------------------------------------------------------------------

    def _lead(self, now: datetime) -> bool:
        if self._postgres:
            return True  # row locks coordinate several schedulers
        with self._db.transaction() as session:
            lease = session.get(SchedulerLeaseRow, LEASE_NAME)
            expires = now + timedelta(seconds=self.config.lease_seconds)
            if lease is None:
                session.add(SchedulerLeaseRow(name=LEASE_NAME, holder=self.holder, expires_at=expires))
                return True
            if lease.holder == self.holder or lease.expires_at <= now:
                if lease.holder != self.holder:
                    log.warning("scheduler %s takes over the expired lease of %s", self.holder, lease.holder)
                lease.holder, lease.expires_at = self.holder, expires
                return True
            return False

    def is_leader(self) -> bool:
        """Whether this scheduler holds the lease now (always True on PostgreSQL)."""
        if self._postgres:
            return True
        with self._db.transaction() as session:
            lease = session.get(SchedulerLeaseRow, LEASE_NAME)
            return lease is not None and lease.holder == self.holder and lease.expires_at > self._clock()

    def release(self) -> None:
        if self._postgres:
            return
        with self._db.transaction() as session:
            lease = session.get(SchedulerLeaseRow, LEASE_NAME)
            if lease is not None and lease.holder == self.holder:
                lease.expires_at = self._clock()

    # -- cron ticks --------------------------------------------------------------------------------------

    def _fire_scheduled(self, now: datetime, report: PassReport) -> None:
        while True:
            with self._db.transaction() as session:
                query = (
                    select(TriggerRow)
                    .where(
                        TriggerRow.type == "SCHEDULED",
                        TriggerRow.state == "ACTIVATED",
                        TriggerRow.next_tick.is_not(None),
                        TriggerRow.next_tick <= now,
                    )
                    .order_by(TriggerRow.next_tick, TriggerRow.id)
                    .limit(self.config.batch_size)
                )
                if self._postgres:
                    query = query.with_for_update(skip_locked=True)
                triggers = list(session.scalars(query))
                for trigger in triggers:
                    self._fire_ticks(session, trigger, now, report)
            if len(triggers) < self.config.batch_size:
                return

    def _fire_ticks(self, session: Session, trigger: TriggerRow, now: datetime, report: PassReport) -> None:
        try:
            schedule = parse_cron(trigger.schedule or "")
        except ValueError as exc:  # stored before a rule changed: park it rather than fail every pass
            log.error("trigger %s has a bad schedule and is not fired: %s", trigger.name, exc)
            trigger.next_tick = None
            return
        tick = trigger.next_tick
        cutoff = now - self.config.catch_up_window
        if tick is not None and tick < cutoff:
            first = schedule.next_after(cutoff - timedelta(minutes=1))
            skipped = sum(1 for _ in schedule.ticks_between(tick - timedelta(minutes=1), cutoff - timedelta(seconds=1)))
            report.ticks_skipped += skipped
            log.warning("trigger %s: %d ticks older than the catch-up window skipped", trigger.name, skipped)
            tick = first
        fired = 0
        while tick is not None and tick <= now and fired < self.config.max_ticks_per_pass:
            if self._fire_tick(session, trigger, tick, now):
                report.ticks_fired += 1
            fired += 1
            tick = schedule.next_after(tick)
        trigger.next_tick = tick

    def _fire_tick(self, session: Session, trigger: TriggerRow, tick: datetime, now: datetime) -> bool:
        key = tick.isoformat()
        if trigger.workflow_name is None:
            return fire(session, trigger, key, now=now, tick=tick) is not None
        exists = session.scalars(
            select(TriggerFiringRow.id).where(
                TriggerFiringRow.tenant_id == trigger.tenant_id,
                TriggerFiringRow.trigger_name == trigger.name,
                TriggerFiringRow.fire_key == key,
            )
        ).first()
        if exists is not None:
            return False
        workflow = session.scalars(
            select(WorkflowRow).where(
                WorkflowRow.tenant_id == trigger.tenant_id, WorkflowRow.name == trigger.workflow_name
            )
        ).first()
        if workflow is None:
            log.error("trigger %s names workflow %s, which does not exist", trigger.name, trigger.workflow_name)
            return False
        try:
            with session.begin_nested():
                run = create_workflow_run(session, workflow, now=now, run_id=self._new_run_id())
        except ConcurrentRunsExceededError as exc:
            log.warning("tick %s of trigger %s not run: %s", key, trigger.name, exc.message)
            return False
        return fire(session, trigger, key, now=now, tick=tick, workflow_run=run) is not None

    # -- conditions and workflow runs --------------------------------------------------------------------

    def _evaluate_conditions(self, now: datetime, report: PassReport) -> None:
        with self._db.transaction() as session:
            conditional = list(
                session.scalars(
                    select(TriggerRow).where(TriggerRow.type == "CONDITIONAL", TriggerRow.state == "ACTIVATED")
                )
            )
        loose = [t.id for t in conditional if t.workflow_name is None]
        for trigger_id in loose:
            with self._db.transaction() as session:
                query = select(TriggerRow).where(TriggerRow.id == trigger_id, TriggerRow.state == "ACTIVATED")
                if self._postgres:
                    query = query.with_for_update(skip_locked=True)
                trigger = session.scalars(query).first()
                if trigger is not None and fire_conditional(session, trigger, now) is not None:
                    report.conditions_fired += 1
        with self._db.transaction() as session:
            run_ids = list(
                session.scalars(select(WorkflowRunRow.id).where(WorkflowRunRow.status.in_(ACTIVE_WORKFLOW_STATES)))
            )
        for run_id in run_ids:
            with self._db.transaction() as session:
                run_query = select(WorkflowRunRow).where(WorkflowRunRow.id == run_id)
                if self._postgres:
                    run_query = run_query.with_for_update(skip_locked=True)
                run = session.scalars(run_query).first()
                if run is None or run.status not in ACTIVE_WORKFLOW_STATES:
                    continue
                triggers = list(
                    session.scalars(
                        select(TriggerRow)
                        .where(TriggerRow.tenant_id == run.tenant_id, TriggerRow.workflow_name == run.workflow_name)
                        .order_by(TriggerRow.id)
                    )
                )
                fired = advance_workflow_run(session, run, triggers, now)
                report.conditions_fired += len(fired)
                if run.status not in ACTIVE_WORKFLOW_STATES:
                    report.workflow_runs_ended += 1
