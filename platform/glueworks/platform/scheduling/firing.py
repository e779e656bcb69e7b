"""Firing a trigger, and starting what a firing asks for.

Two steps, so that a crash between them loses nothing and repeats nothing:

1. :func:`fire` inserts, in the caller's transaction, one :class:`TriggerFiringRow` (unique per trigger and fire
   key) and one PENDING :class:`TriggerActionRow` per action. A duplicate key means "already fired": nothing is
   inserted and None is returned.
2. :class:`Dispatcher` starts PENDING actions. A job run is started with the action's deterministic idempotency
   key (trigger, fire key, position), so repeating a start after a crash returns the run the first start made.
   On PostgreSQL each action is claimed with ``FOR UPDATE SKIP LOCKED`` while it is started, so several
   schedulers never work on the same action at once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database
from glueworks.platform.db.scheduling_models import TriggerActionRow, TriggerFiringRow, TriggerRow, WorkflowRunRow
from glueworks.platform.errors import EntityNotFoundError, GlueworksError

__all__ = ["ActionStarter", "Dispatcher", "PlatformStarter", "action_key", "fire"]

log = logging.getLogger(__name__)

MAX_KEY = 255


def action_key(trigger_name: str, fire_key: str, position: int) -> str:
    """The idempotency key of one action of one firing: deterministic, at most 255 characters."""
    raw = f"trigger:{trigger_name}:{fire_key}:{position}"
    if len(raw) <= MAX_KEY:
        return raw
    return "trigger:" + hashlib.sha256(raw.encode()).hexdigest()


def fire(
    session: Session,
    trigger: TriggerRow,
    fire_key: str,
    *,
    now: datetime,
    tick: datetime | None = None,
    workflow_run: WorkflowRunRow | None = None,
    positions: Iterable[int] | None = None,
) -> TriggerFiringRow | None:
    """Record a firing of ``trigger`` and its PENDING actions; None if (trigger, fire_key) already fired.

    Args:
        session: The caller's transaction; the firing commits with it.
        trigger: The trigger.
        fire_key: What makes this firing unique: a cron tick, ``wr:<workflow run id>``, ...
        now: The time of the decision.
        tick: The cron tick, for SCHEDULED triggers.
        workflow_run: The workflow run the actions belong to; jobs then get ``--WORKFLOW_NAME`` and
            ``--WORKFLOW_RUN_ID``.
        positions: Only these actions (ResumeWorkflowRun re-runs chosen nodes); all when None.
    """
    firing = TriggerFiringRow(
        tenant_id=trigger.tenant_id,
        trigger_name=trigger.name,
        fire_key=fire_key,
        tick=tick,
        workflow_run_id=None if workflow_run is None else workflow_run.id,
        fired_on=now,
    )
    try:
        with session.begin_nested():  # a savepoint: a duplicate key leaves the caller's transaction usable
            session.add(firing)
            session.flush()
    except IntegrityError:
        return None
    wanted = None if positions is None else set(positions)
    for position, action in enumerate(trigger.actions):
        if wanted is not None and position not in wanted:
            continue
        arguments = dict(action.get("Arguments") or {})
        if workflow_run is not None:
            arguments["--WORKFLOW_NAME"] = workflow_run.workflow_name
            arguments["--WORKFLOW_RUN_ID"] = workflow_run.id
        kind, target = ("JOB", action["JobName"]) if action.get("JobName") else ("CRAWLER", action["CrawlerName"])
        session.add(
            TriggerActionRow(
                firing_id=firing.id,
                tenant_id=trigger.tenant_id,
                trigger_name=trigger.name,
                workflow_name=None if workflow_run is None else workflow_run.workflow_name,
                workflow_run_id=None if workflow_run is None else workflow_run.id,
                position=position,
                kind=kind,
                target_name=target,
                arguments=arguments if kind == "JOB" else {},
                timeout=action.get("Timeout"),
                idempotency_key=action_key(trigger.name, fire_key, position),
                status="PENDING",
                created_on=now,
            )
        )
    session.flush()
    return firing


class ActionStarter(Protocol):
    """Starts what a trigger action names. Raises a GlueworksError when the target cannot be started."""

    def start_job(
        self,
        tenant_id: str,
        job_name: str,
        *,
        arguments: Mapping[str, str],
        timeout: int | None,
        trigger_name: str,
        idempotency_key: str,
    ) -> str: ...

    def start_crawler(self, tenant_id: str, crawler_name: str) -> str: ...


class PlatformStarter:
    """Starts job runs through the run service and crawls through the crawler service (when there is one)."""

    def __init__(self, runs: Any, crawlers: Callable[[], Any] = lambda: None) -> None:
        self._runs = runs
        self._crawlers = crawlers

    def start_job(
        self,
        tenant_id: str,
        job_name: str,
        *,
        arguments: Mapping[str, str],
        timeout: int | None,
        trigger_name: str,
        idempotency_key: str,
    ) -> str:
        from glueworks.platform.services.runs import RunOverrides

        overrides = RunOverrides(arguments=dict(arguments), timeout=timeout, trigger_name=trigger_name)
        run = self._runs.start(tenant_id, job_name, overrides, idempotency_key=idempotency_key)
        return str(run.id)

    def start_crawler(self, tenant_id: str, crawler_name: str) -> str:
        service = self._crawlers()
        if service is None:
            raise EntityNotFoundError(f"crawler {crawler_name!r}: this platform has no crawler service")
        return str(service.start(tenant_id, crawler_name))  # StartCrawler's crawl id


class Dispatcher:
    """Starts PENDING trigger actions (see the module docstring for why this is safe to repeat)."""

    def __init__(self, db: Database, starter: ActionStarter, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._starter = starter
        self._clock = clock
        self._postgres = db.engine.dialect.name == "postgresql"
        # One dispatcher per process at a time: API handlers and the scheduler thread share it.
        self._local = threading.Lock()

    def dispatch(self, *, firing_ids: Iterable[int] | None = None, limit: int = 500) -> int:
        """Start up to ``limit`` PENDING actions (only those of ``firing_ids`` when given); return how many ran."""
        query = select(TriggerActionRow.id).where(TriggerActionRow.status == "PENDING")
        if firing_ids is not None:
            ids = list(firing_ids)
            if not ids:
                return 0
            query = query.where(TriggerActionRow.firing_id.in_(ids))
        with self._db.transaction() as session:
            action_ids = list(session.scalars(query.order_by(TriggerActionRow.id).limit(limit)))
        done = 0
        with self._local:
            for action_id in action_ids:
                try:
                    done += self._dispatch_one(action_id)
                except Exception:  # e.g. the database blinked: the action stays PENDING for the next pass
                    log.exception("could not dispatch trigger action %s", action_id)
        return done

    def _dispatch_one(self, action_id: int) -> bool:
        if self._postgres:
            # Hold the row lock while starting: another scheduler skips this action meanwhile.
            with self._db.transaction() as session:
                action = session.scalars(
                    select(TriggerActionRow)
                    .where(TriggerActionRow.id == action_id, TriggerActionRow.status == "PENDING")
                    .with_for_update(skip_locked=True)
                ).first()
                if action is None:
                    return False
                self._start(action)
            return True
        # SQLite: one writer at a time, so the start (its own transaction) must not run inside ours.
        with self._db.transaction() as session:
            action = session.get(TriggerActionRow, action_id)
            if action is None or action.status != "PENDING":
                return False
            session.expunge(action)
        self._start(action)
        with self._db.transaction() as session:
            row = session.get(TriggerActionRow, action_id)
            if row is not None and row.status == "PENDING":
                row.status, row.run_id = action.status, action.run_id
                row.error_message, row.started_on = action.error_message, action.started_on
        return True

    def _start(self, action: TriggerActionRow) -> None:
        """Start the action's target and record the outcome on ``action`` (not yet committed)."""
        try:
            if action.kind == "JOB":
                run_id = self._starter.start_job(
                    action.tenant_id,
                    action.target_name,
                    arguments=action.arguments,
                    timeout=action.timeout,
                    trigger_name=action.trigger_name,
                    idempotency_key=action.idempotency_key,
                )
            else:
                run_id = self._starter.start_crawler(action.tenant_id, action.target_name)
        except EntityNotFoundError as exc:
            # Glue's ERROR: a trigger or workflow tried to run a job (or crawler) that no longer exists.
            action.status, action.error_message = "ERROR", exc.message
        except GlueworksError as exc:
            action.status, action.error_message = "ERROR", f"{exc.code}: {exc.message}"
        else:
            action.status, action.run_id = "STARTED", run_id
        action.started_on = self._clock()
        if action.status == "ERROR":
            log.warning(
                "trigger %s could not start %s: %s", action.trigger_name, action.target_name, action.error_message
            )
