"""Tables of triggers, workflows, their runs, trigger firings and the scheduler lease. Rows carry ``tenant_id``.

A *firing* is one decision to run a trigger's actions: one row per (trigger, fire key), where the key is the cron
tick of a SCHEDULED trigger, the workflow run of a CONDITIONAL trigger inside a workflow, and so on. The unique
constraint on it is what makes "fire exactly once" hold across crashes and several schedulers. Each action of a
firing is an :class:`TriggerActionRow` that starts PENDING and becomes STARTED (with the run or crawl it started)
or ERROR (e.g. the job was deleted: Glue's ERROR state).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from glueworks.platform.db.models import Base

__all__ = [
    "SchedulerLeaseRow",
    "TriggerActionRow",
    "TriggerFiringRow",
    "TriggerRow",
    "WorkflowEventRow",
    "WorkflowRow",
    "WorkflowRunRow",
]


class TriggerRow(Base):
    """A Glue trigger. ``next_tick`` is the next cron tick to fire of an ACTIVATED SCHEDULED trigger."""

    __tablename__ = "triggers"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_triggers_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    trigger_id: Mapped[str] = mapped_column(String(64))
    workflow_name: Mapped[str | None] = mapped_column(String(255), index=True)
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    schedule: Mapped[str | None] = mapped_column(String(256))
    predicate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    event_batching: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_tick: Mapped[datetime | None] = mapped_column(index=True)
    activated_on: Mapped[datetime | None]
    tags: Mapped[dict[str, str]]
    created_on: Mapped[datetime]
    last_modified_on: Mapped[datetime]


class TriggerFiringRow(Base):
    """One firing of a trigger; unique per (tenant, trigger, fire key)."""

    __tablename__ = "trigger_firings"
    __table_args__ = (UniqueConstraint("tenant_id", "trigger_name", "fire_key", name="uq_trigger_firings_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    trigger_name: Mapped[str] = mapped_column(String(255))
    fire_key: Mapped[str] = mapped_column(String(255))
    tick: Mapped[datetime | None]
    workflow_run_id: Mapped[str | None] = mapped_column(String(80), index=True)
    fired_on: Mapped[datetime]


class TriggerActionRow(Base):
    """One action of one firing: PENDING, then STARTED (``run_id`` = job run or crawl id) or ERROR."""

    __tablename__ = "trigger_actions"
    __table_args__ = (
        Index("ix_trigger_actions_status", "status"),
        UniqueConstraint("firing_id", "position", name="uq_trigger_actions_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    firing_id: Mapped[int] = mapped_column(Integer, index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    trigger_name: Mapped[str] = mapped_column(String(255))
    workflow_name: Mapped[str | None] = mapped_column(String(255))
    workflow_run_id: Mapped[str | None] = mapped_column(String(80), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # JOB | CRAWLER
    target_name: Mapped[str] = mapped_column(String(255))
    arguments: Mapped[dict[str, str]]
    timeout: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[str | None] = mapped_column(String(80))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[datetime]
    started_on: Mapped[datetime | None]


class WorkflowRow(Base):
    """A Glue workflow. Its graph is its triggers (``TriggerRow.workflow_name``) and their actions."""

    __tablename__ = "workflows"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_workflows_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    default_run_properties: Mapped[dict[str, str]]
    max_concurrent_runs: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[dict[str, str]]
    created_on: Mapped[datetime]
    last_modified_on: Mapped[datetime]


class WorkflowRunRow(Base):
    """A run of a workflow: RUNNING, then COMPLETED, STOPPING/STOPPED or ERROR."""

    __tablename__ = "workflow_runs"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    workflow_name: Mapped[str] = mapped_column(String(255), index=True)
    previous_run_id: Mapped[str | None] = mapped_column(String(80))
    properties: Mapped[dict[str, str]]
    status: Mapped[str] = mapped_column(String(16), index=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    # Nodes a resumed run inherits from its previous run: {"JOB:name" | "CRAWLER:name": [action ids]}.
    inherited: Mapped[dict[str, Any]]
    started_on: Mapped[datetime]
    completed_on: Mapped[datetime | None]
    last_modified_on: Mapped[datetime]


class SchedulerLeaseRow(Base):
    """The leader lease of the scheduler on SQLite: one row per lease name."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class WorkflowEventRow(Base):
    """An event put to a workflow (``POST /v1/workflows/{name}/events``), waiting for its EVENT trigger's batch.

    ``fire_key`` and ``workflow_run_id`` are set, in the transaction that fires the batch, when a batch takes the
    event; pending events have neither. The event id is unique per workflow, so a re-sent event is stored once.
    """

    __tablename__ = "workflow_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "workflow_name", "event_id", name="uq_workflow_events_id"),
        Index("ix_workflow_events_pending", "tenant_id", "trigger_name", "fire_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    workflow_name: Mapped[str] = mapped_column(String(255))
    trigger_name: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(256))
    detail_type: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_time: Mapped[str | None] = mapped_column(String(64))
    received_on: Mapped[datetime]
    fire_key: Mapped[str | None] = mapped_column(String(255))
    workflow_run_id: Mapped[str | None] = mapped_column(String(80))
