"""Tables of the output commit, job bookmarks and notifications.

* ``run_outputs``: one row per output a SUCCEEDED run staged, written in the transaction that records
  SUCCEEDED (state COMMITTED) and marked PUBLISHED once its files are in place and its commit-log entry exists.
* ``job_bookmarks``: the saved bookmark of a job (one row per tenant and job), with a ``version`` that each
  save increments (compare-and-set: a run that started from an older version cannot save).
* ``job_bookmark_history``: every saved state, by run id (rewind, and ``--job-bookmark-from``/``-to``).
* ``events``: the outbox of Glue EventBridge-shaped events, written in the transaction of the state change.
* ``event_deliveries``: one row per (event, webhook) with its retry state.
* ``webhooks``: webhook URLs a tenant registered through REST (beside those in settings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from glueworks.platform.db.models import Base


class RunOutputRow(Base):
    __tablename__ = "run_outputs"
    __table_args__ = (UniqueConstraint("tenant_id", "run_id", "token", name="uq_run_outputs_run_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[str] = mapped_column(String(80), index=True)
    job_name: Mapped[str] = mapped_column(String(255))
    location: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(255))
    manifest: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)  # COMMITTED | PUBLISHED
    committed_on: Mapped[datetime]
    published_on: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class JobBookmarkRow(Base):
    __tablename__ = "job_bookmarks"
    __table_args__ = (UniqueConstraint("tenant_id", "job_name", name="uq_job_bookmarks_tenant_job"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    job_name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    run: Mapped[int] = mapped_column(Integer)  # successful runs that saved (Glue's JobBookmarkEntry.Run)
    attempt: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(String(80))
    previous_run_id: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[dict[str, Any]]
    updated_on: Mapped[datetime]


class JobBookmarkHistoryRow(Base):
    __tablename__ = "job_bookmark_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    job_name: Mapped[str] = mapped_column(String(255), index=True)
    run_id: Mapped[str | None] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]]
    created_on: Mapped[datetime]


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(64))
    detail_type: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]]
    created_on: Mapped[datetime]


class EventDeliveryRow(Base):
    __tablename__ = "event_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)  # PENDING | DELIVERED | FAILED
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_on: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_on: Mapped[datetime]


class WebhookRow(Base):
    __tablename__ = "webhooks"
    __table_args__ = (UniqueConstraint("tenant_id", "url", name="uq_webhooks_tenant_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text)
    created_on: Mapped[datetime]
