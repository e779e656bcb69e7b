"""Jobs: definitions of what to run and with what capacity. Both front doors call this service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database, JobRow, JobRunRow
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, InvalidInputError
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services.paging import decode_token, encode_token, page_size
from glueworks.platform.services.validation import (
    MAX_TIMEOUT_MINUTES,
    check_arguments,
    check_capacity,
    check_command_name,
    check_name,
    check_range,
)

DEFAULT_TIMEOUT_MINUTES = 2880  # Glue's default for glueetl jobs up to 4.0
ACTIVE_STATES = ("STARTING", "RUNNING", "STOPPING", "WAITING")


@dataclass(frozen=True)
class JobSpec:
    """A job definition as both front doors hand it to the service (snake_case, Glue's meaning)."""

    script_location: str
    command_name: str = "glueetl"
    python_version: str | None = "3"
    runtime: str | None = None
    description: str | None = None
    role: str | None = None
    default_arguments: Mapping[str, str] = field(default_factory=dict)
    non_overridable_arguments: Mapping[str, str] = field(default_factory=dict)
    max_retries: int = 0
    timeout: int | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    max_concurrent_runs: int = 1
    glue_version: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    # Run lifecycle: runs beyond MaxConcurrentRuns wait instead of being refused; FLEX runs use spare capacity.
    job_run_queuing_enabled: bool = False
    execution_class: str | None = None


SPEC_FIELDS = tuple(f.name for f in fields(JobSpec))


def spec_of(row: JobRow) -> JobSpec:
    return JobSpec(**{name: getattr(row, name) for name in SPEC_FIELDS})


class JobService:
    """Create, read, update and delete job definitions, tenant by tenant."""

    def __init__(self, db: Database, scripts: ScriptStore, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._scripts = scripts
        self._clock = clock

    def create(self, tenant_id: str, name: str, spec: JobSpec) -> JobRow:
        check_name(name)
        spec = self._validated(tenant_id, spec)
        now = self._clock()
        row = JobRow(tenant_id=tenant_id, name=name, created_on=now, last_modified_on=now)
        _apply(row, spec)
        try:
            with self._db.transaction() as session:
                if _find(session, tenant_id, name) is not None:
                    raise AlreadyExistsError(f"job {name!r} already exists")
                session.add(row)
        except IntegrityError:  # a concurrent create of the same name won the race
            raise AlreadyExistsError(f"job {name!r} already exists") from None
        return row

    def get(self, tenant_id: str, name: str) -> JobRow:
        with self._db.transaction() as session:
            return _get(session, tenant_id, name)

    def page(self, tenant_id: str, max_results: int | None, next_token: str | None) -> tuple[list[JobRow], str | None]:
        """Jobs ordered by name, one page at a time."""
        size = page_size(max_results, default=100, maximum=1000)
        cursor = decode_token(next_token)
        query = select(JobRow).where(JobRow.tenant_id == tenant_id).order_by(JobRow.name).limit(size + 1)
        if cursor is not None:
            query = query.where(JobRow.name > str(cursor.get("after", "")))
        with self._db.transaction() as session:
            rows = list(session.scalars(query))
        token = encode_token({"after": rows[size - 1].name}) if len(rows) > size else None
        return rows[:size], token

    def batch_get(self, tenant_id: str, names: list[str]) -> tuple[list[JobRow], list[str]]:
        with self._db.transaction() as session:
            rows = list(session.scalars(select(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name.in_(names))))
        found = {row.name for row in rows}
        return rows, [name for name in names if name not in found]

    def update(self, tenant_id: str, name: str, changes: Mapping[str, Any]) -> JobRow:
        """Change the given fields of a job; the others keep their values."""
        unknown = set(changes) - set(SPEC_FIELDS)
        if unknown:
            raise InvalidInputError(f"unknown job fields: {', '.join(sorted(unknown))}", field="JobUpdate")
        with self._db.transaction() as session:
            row = _get(session, tenant_id, name, lock=True)
            spec = self._validated(tenant_id, replace(spec_of(row), **changes))
            _apply(row, spec)
            row.last_modified_on = self._clock()
        return row

    def delete(self, tenant_id: str, name: str) -> list[str]:
        """Delete a job and its finished runs; return the ids of its runs still active (to be stopped).

        Deleting a job that does not exist succeeds, as in Glue.
        """
        with self._db.transaction() as session:
            row = _find(session, tenant_id, name, lock=True)
            if row is None:
                return []
            runs = list(
                session.scalars(select(JobRunRow).where(JobRunRow.tenant_id == tenant_id, JobRunRow.job_name == name))
            )
            active = [run.id for run in runs if run.state in ACTIVE_STATES]
            for run in runs:
                if run.state not in ACTIVE_STATES:
                    session.delete(run)
            session.delete(row)
        return active

    def _validated(self, tenant_id: str, spec: JobSpec) -> JobSpec:
        check_command_name(spec.command_name)
        check_arguments(spec.default_arguments, field="DefaultArguments")
        check_arguments(spec.non_overridable_arguments, field="NonOverridableArguments")
        check_arguments(spec.tags, field="Tags")
        check_range(spec.max_retries, field="MaxRetries", low=0, high=10)
        check_range(spec.timeout, field="Timeout", low=1, high=MAX_TIMEOUT_MINUTES)
        check_range(spec.max_concurrent_runs, field="ExecutionProperty.MaxConcurrentRuns", low=1, high=1000)
        if spec.execution_class not in (None, "STANDARD", "FLEX"):
            raise InvalidInputError("must be STANDARD or FLEX", field="ExecutionClass")
        if spec.python_version not in (None, "3", "3.9", "3.11"):
            raise InvalidInputError("must be 3, 3.9 or 3.11", field="Command.PythonVersion")
        check_capacity(
            command_name=spec.command_name,
            worker_type=spec.worker_type,
            number_of_workers=spec.number_of_workers,
            max_capacity=spec.max_capacity,
        )
        self._scripts.resolve(tenant_id, spec.script_location)
        if spec.timeout is None:
            spec = replace(spec, timeout=DEFAULT_TIMEOUT_MINUTES)
        return spec


def _apply(row: JobRow, spec: JobSpec) -> None:
    for name in SPEC_FIELDS:
        value = getattr(spec, name)
        setattr(row, name, dict(value) if isinstance(value, Mapping) else value)


def _find(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> JobRow | None:
    query = select(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name == name)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def _get(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> JobRow:
    row = _find(session, tenant_id, name, lock=lock)
    if row is None:
        raise EntityNotFoundError(f"job {name!r} not found")
    return row
