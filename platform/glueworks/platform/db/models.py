"""Tables of the platform. Every row carries ``tenant_id``; every query filters by it (see ``repositories``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC and hands back aware UTC, the same on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, dict[str, str]: JSON}


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_jobs_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(2048))
    command_name: Mapped[str] = mapped_column(String(64))
    script_location: Mapped[str] = mapped_column(String(4096))
    python_version: Mapped[str | None] = mapped_column(String(16))
    runtime: Mapped[str | None] = mapped_column(String(64))
    default_arguments: Mapped[dict[str, str]]
    non_overridable_arguments: Mapped[dict[str, str]]
    max_retries: Mapped[int] = mapped_column(Integer, default=0)
    timeout: Mapped[int | None] = mapped_column(Integer)
    worker_type: Mapped[str | None] = mapped_column(String(32))
    number_of_workers: Mapped[int | None] = mapped_column(Integer)
    max_capacity: Mapped[float | None] = mapped_column(Float)
    max_concurrent_runs: Mapped[int] = mapped_column(Integer, default=1)
    glue_version: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[dict[str, str]]
    # Run lifecycle (revision 0004): queue runs beyond MaxConcurrentRuns instead of refusing them; FLEX or STANDARD.
    job_run_queuing_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    execution_class: Mapped[str | None] = mapped_column(String(16))
    created_on: Mapped[datetime]
    last_modified_on: Mapped[datetime]


class JobRunRow(Base):
    __tablename__ = "job_runs"
    # One run per idempotency key of a job: concurrent duplicate starts collide here (NULL keys never do).
    __table_args__ = (
        Index("uq_job_runs_idempotency", "tenant_id", "job_name", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    job_name: Mapped[str] = mapped_column(String(255), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    previous_run_id: Mapped[str | None] = mapped_column(String(80))
    trigger_name: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), index=True)
    arguments: Mapped[dict[str, str]]
    started_on: Mapped[datetime] = mapped_column(index=True)
    last_modified_on: Mapped[datetime]
    completed_on: Mapped[datetime | None]
    running_on: Mapped[datetime | None]
    execution_time: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text)
    timeout: Mapped[int | None] = mapped_column(Integer)
    max_capacity: Mapped[float | None] = mapped_column(Float)
    worker_type: Mapped[str | None] = mapped_column(String(32))
    number_of_workers: Mapped[int | None] = mapped_column(Integer)
    dpu_seconds: Mapped[float | None] = mapped_column(Float)
    glue_version: Mapped[str | None] = mapped_column(String(16))
    script_location: Mapped[str] = mapped_column(String(4096))
    log_location: Mapped[str | None] = mapped_column(String(4096))
    metrics: Mapped[dict[str, Any]]
    # Run lifecycle (revision 0004).
    failure_kind: Mapped[str | None] = mapped_column(String(16))  # USER | INFRASTRUCTURE, for FAILED runs
    state_detail: Mapped[str | None] = mapped_column(Text)  # why a run is WAITING (Glue's StateDetail)
    wait_reason: Mapped[str | None] = mapped_column(String(16))  # QUEUED | CAPACITY | RETRY while WAITING
    execution_class: Mapped[str] = mapped_column(String(16), default="STANDARD")
    job_run_queuing_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    not_before: Mapped[datetime | None]  # a WAITING retry is not dispatched before this time (backoff)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))  # sha256 of the start request
