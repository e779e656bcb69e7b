"""The run service's reads and row builders for queuing, capacity, retries and idempotent starts.

Each function works inside a transaction the run service opened (it takes the session), so the service's
decisions and the rows they read stay in one transaction.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from glueworks.autoscaler.capacity import Capacity
from glueworks.platform.db import JobRow, JobRunRow
from glueworks.platform.errors import IdempotentParameterMismatchError
from glueworks.platform.services.run_policy import (
    CAPACITY,
    RETRY,
    ClusterLoad,
    cpu_ask,
    retry_delay,
    retry_run_id,
)
from glueworks.platform.services.validation import check_capacity

# States in which the launcher has (or is about to have) the run; WAITING runs are the platform's own.
LAUNCHED_STATES = ("STARTING", "RUNNING", "STOPPING")


@dataclass(frozen=True)
class RunOverrides:
    """What StartJobRun may set for one run, over the job's definition.

    ``trigger_name`` is recorded as Glue's JobRun.TriggerName (the scheduler sets it). ``job_run_queuing_enabled``
    and ``execution_class`` left None take the job's values.
    """

    arguments: Mapping[str, str] = field(default_factory=dict)
    timeout: int | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    trigger_name: str | None = None
    job_run_queuing_enabled: bool | None = None
    execution_class: str | None = None

    def request(self) -> dict[str, Any]:
        """The request as plain values: what an idempotency key's fingerprint covers."""
        return {
            "arguments": dict(self.arguments),
            "timeout": self.timeout,
            "worker_type": self.worker_type,
            "number_of_workers": self.number_of_workers,
            "max_capacity": self.max_capacity,
            "trigger_name": self.trigger_name,
            "job_run_queuing_enabled": self.job_run_queuing_enabled,
            "execution_class": self.execution_class,
        }


@dataclass(frozen=True)
class LifecyclePolicy:
    """Tunables of retries, capacity and timeouts (``settings.scheduler``); see ``run_policy``."""

    retry_base_delay: float = 10.0
    retry_max_delay: float = 300.0
    cpu_overcommit: float = 4.0
    timeout_minute_seconds: float = 60.0


def job_counts(session: Session, tenant_id: str, job_name: str) -> tuple[int, int]:
    """(started, waiting) runs of a job: started ones hold its MaxConcurrentRuns slots."""
    rows = session.execute(
        select(JobRunRow.state, func.count())
        .where(
            JobRunRow.tenant_id == tenant_id,
            JobRunRow.job_name == job_name,
            JobRunRow.state.in_((*LAUNCHED_STATES, "WAITING")),
        )
        .group_by(JobRunRow.state)
    ).all()
    counts = {str(state): int(count) for state, count in rows}
    return sum(counts.get(state, 0) for state in LAUNCHED_STATES), counts.get("WAITING", 0)


def cluster_load(session: Session, cpus: int | None, overcommit: float) -> ClusterLoad:
    """The CPUs started runs ask of the cluster, and whether STANDARD runs wait for capacity."""
    if cpus is None:
        return ClusterLoad(None, 0, overcommit)
    asks = session.execute(
        select(JobRunRow.worker_type, JobRunRow.number_of_workers, JobRunRow.max_capacity).where(
            JobRunRow.state.in_(LAUNCHED_STATES)
        )
    ).all()
    in_use = sum(cpu_ask(worker, workers, dpus, cpus) for worker, workers, dpus in asks)
    standard_waiting = bool(
        session.scalar(
            select(func.count())
            .select_from(JobRunRow)
            .where(
                JobRunRow.state == "WAITING",
                JobRunRow.wait_reason == CAPACITY,
                JobRunRow.execution_class == "STANDARD",
            )
        )
    )
    return ClusterLoad(cpus, in_use, overcommit, standard_waiting)


def key_query(tenant_id: str, job_name: str, key: str) -> Select[JobRunRow]:
    """The run a job's idempotency key created."""
    return select(JobRunRow).where(
        JobRunRow.tenant_id == tenant_id, JobRunRow.job_name == job_name, JobRunRow.idempotency_key == key
    )


def same_request(existing: JobRunRow, fingerprint: str, key: str) -> JobRunRow:
    """The run an earlier request with this key created, if this request is the same one.

    Raises:
        IdempotentParameterMismatchError: the key was used for another request; the message names the key.
    """
    if existing.request_fingerprint != fingerprint:
        raise IdempotentParameterMismatchError(
            f"idempotency key {key!r} was used for another request to start job {existing.job_name!r} "
            f"(run {existing.id}); use a new key for a different request"
        )
    return existing


def first_row(
    run_id: str,
    tenant_id: str,
    job: JobRow,
    overrides: RunOverrides,
    *,
    capacity: Capacity,
    script_location: str,
    execution_class: str,
    queuing: bool,
    wait: tuple[str, str] | None,
    now: datetime,
    log_location: str,
    idempotency: tuple[str | None, str | None],
) -> JobRunRow:
    """The first attempt of a run: STARTING, or WAITING for ``wait`` (its reason and the detail users see).

    Its arguments are the job's defaults, then the start's, then the job's non-overridable ones.
    """
    key, fingerprint = idempotency
    return JobRunRow(
        id=run_id,
        tenant_id=tenant_id,
        job_name=job.name,
        attempt=0,
        trigger_name=overrides.trigger_name,
        state="STARTING" if wait is None else "WAITING",
        state_detail=None if wait is None else wait[1],
        wait_reason=None if wait is None else wait[0],
        arguments={**job.default_arguments, **overrides.arguments, **job.non_overridable_arguments},
        started_on=now,
        last_modified_on=now,
        execution_time=0,
        timeout=overrides.timeout or job.timeout,
        worker_type=capacity.worker_type,
        number_of_workers=capacity.number_of_workers,
        max_capacity=capacity.dpus,
        glue_version=job.glue_version,
        script_location=script_location,
        log_location=log_location,
        metrics={},
        execution_class=execution_class,
        job_run_queuing_enabled=queuing,
        idempotency_key=key,
        request_fingerprint=fingerprint,
    )


def retry_row(
    run: JobRunRow, job: JobRow, *, retry_id: str, now: datetime, due: datetime, log_location: str
) -> JobRunRow:
    """The next attempt of a FAILED run, WAITING until ``due``; it keeps the failed run's settings."""
    attempt = run.attempt + 1
    kind = (run.failure_kind or "user").lower()
    return JobRunRow(
        id=retry_id,
        tenant_id=run.tenant_id,
        job_name=run.job_name,
        attempt=attempt,
        previous_run_id=run.id,
        trigger_name=run.trigger_name,
        state="WAITING",
        wait_reason=RETRY,
        state_detail=(
            f"retry {attempt} of {job.max_retries} after a {kind} failure of run {run.id}; "
            f"starts at {due.isoformat(timespec='seconds')} or later"
        ),
        not_before=due,
        arguments=dict(run.arguments),
        started_on=now,
        last_modified_on=now,
        execution_time=0,
        timeout=run.timeout,
        worker_type=run.worker_type,
        number_of_workers=run.number_of_workers,
        max_capacity=run.max_capacity,
        glue_version=run.glue_version,
        script_location=run.script_location,
        log_location=log_location,
        metrics={},
        execution_class=run.execution_class,
        job_run_queuing_enabled=True,  # a retry is never refused: it waits for its slot
    )


def next_attempt(
    session: Session,
    run: JobRunRow,
    policy: LifecyclePolicy,
    *,
    now: datetime,
    random: Callable[[], float],
    run_folder: Callable[[str, str], Path],
) -> JobRunRow | None:
    """Within on_finished's transaction: add the next attempt of a FAILED run if its job's MaxRetries allows.

    The retry waits for its backoff and runs the script its failed attempt snapshotted.
    """
    job = session.scalars(select(JobRow).where(JobRow.tenant_id == run.tenant_id, JobRow.name == run.job_name)).first()
    if job is None or run.attempt >= job.max_retries:
        return None
    attempt = run.attempt + 1
    delay = retry_delay(attempt, base=policy.retry_base_delay, cap=policy.retry_max_delay, random=random)
    retry_id = retry_run_id(run.id, attempt)
    target = run_folder(run.tenant_id, retry_id)
    due = now + timedelta(seconds=delay)
    retry = retry_row(run, job, retry_id=retry_id, now=now, due=due, log_location=str(target / "driver.log"))
    session.add(retry)
    source = run_folder(run.tenant_id, run.id) / "script.py"
    target.mkdir(parents=True, exist_ok=True)
    if source.exists():
        shutil.copyfile(source, target / "script.py")
    return retry


def run_capacity(job: JobRow, overrides: RunOverrides) -> Capacity:
    """The run's capacity: the start's own, if it names any, else the job's."""
    if overrides.worker_type or overrides.number_of_workers or overrides.max_capacity:
        return check_capacity(
            command_name=job.command_name,
            worker_type=overrides.worker_type,
            number_of_workers=overrides.number_of_workers,
            max_capacity=overrides.max_capacity,
        )
    return check_capacity(
        command_name=job.command_name,
        worker_type=job.worker_type,
        number_of_workers=job.number_of_workers,
        max_capacity=job.max_capacity,
    )


def script_argv(job_name: str, run_id: str, arguments: Mapping[str, str]) -> list[str]:
    """Glue's calling convention: ``--key value`` pairs, plus --JOB_NAME and --JOB_RUN_ID."""
    argv: list[str] = []
    for key, value in arguments.items():
        argv += [key if key.startswith("--") else f"--{key}", value]
    return [*argv, "--JOB_NAME", job_name, "--JOB_RUN_ID", run_id, "--JOB_ID", job_name]
