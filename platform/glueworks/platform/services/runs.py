"""Job runs: start, observe, stop, and record what the launcher reports. The run state machine lives here.

STARTING --launcher began the script--> RUNNING --script ended--> SUCCEEDED | FAILED
    any active state --stop--> STOPPING --driver killed--> STOPPED
    any active state --timeout--> TIMEOUT;  any active state the launcher lost --reconciler--> FAILED
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fsspec
from sqlalchemy import and_, func, or_, select

from glueworks.platform.db import Database, JobRow, JobRunRow
from glueworks.platform.errors import (
    ConcurrentRunsExceededError,
    EntityNotFoundError,
    InvalidInputError,
)
from glueworks.platform.launchers import Launcher, LaunchRequest, RunOutcome
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services.jobs import ACTIVE_STATES
from glueworks.platform.services.paging import decode_token, encode_token, page_size
from glueworks.platform.services.validation import (
    MAX_TIMEOUT_MINUTES,
    check_arguments,
    check_capacity,
    check_range,
)
from glueworks.runtime.metrics import COUNTERS

log = logging.getLogger(__name__)

TERMINAL_STATES = ("STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED")
# A run younger than this may not have reached the launcher yet; the reconciler leaves it alone.
RECONCILE_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class RunOverrides:
    """What StartJobRun may set for one run, over the job's definition."""

    arguments: Mapping[str, str] = field(default_factory=dict)
    timeout: int | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None


@dataclass(frozen=True)
class StopFailure:
    run_id: str
    code: str
    message: str


class RunService:
    """Runs of jobs. Also the launcher's listener: launcher events become state changes here."""

    def __init__(
        self,
        db: Database,
        launcher: Launcher,
        scripts: ScriptStore,
        storage_root: str,
        *,
        clock: Callable[[], datetime],
        new_run_id: Callable[[], str],
        cluster_cpus: Callable[[], int | None] = lambda: None,
        storage_options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._db = db
        self._launcher = launcher
        self._scripts = scripts
        self._root = Path(storage_root)
        self._clock = clock
        self._new_run_id = new_run_id
        self._cluster_cpus = cluster_cpus
        self._storage_options = dict(storage_options or {})

    # -- commands ----------------------------------------------------------------------------------------

    def start(self, tenant_id: str, job_name: str, overrides: RunOverrides) -> JobRunRow:
        """Create a run in STARTING and hand it to the launcher.

        Raises:
            EntityNotFoundError: no such job.
            ConcurrentRunsExceededError: the job already has MaxConcurrentRuns active runs.
            InvalidInputError: bad overrides, or the job's script is missing or no longer valid Python.
        """
        check_arguments(overrides.arguments, field="Arguments")
        check_range(overrides.timeout, field="Timeout", low=1, high=MAX_TIMEOUT_MINUTES)
        run_id = self._new_run_id()
        with self._db.transaction() as session:
            job = session.scalars(
                select(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name == job_name).with_for_update()
            ).first()
            if job is None:
                raise EntityNotFoundError(f"job {job_name!r} not found")
            capacity = self._capacity(job, overrides)
            script, source = self._scripts.load(tenant_id, job.script_location)
            active = session.scalar(
                select(func.count())
                .select_from(JobRunRow)
                .where(
                    JobRunRow.tenant_id == tenant_id,
                    JobRunRow.job_name == job_name,
                    JobRunRow.state.in_(ACTIVE_STATES),
                )
            )
            if (active or 0) >= job.max_concurrent_runs:
                raise ConcurrentRunsExceededError(
                    f"job {job_name!r} has {active} active runs; its MaxConcurrentRuns is {job.max_concurrent_runs}"
                )
            arguments = {**job.default_arguments, **overrides.arguments, **job.non_overridable_arguments}
            now = self._clock()
            run = JobRunRow(
                id=run_id,
                tenant_id=tenant_id,
                job_name=job_name,
                attempt=0,
                state="STARTING",
                arguments=arguments,
                started_on=now,
                last_modified_on=now,
                execution_time=0,
                timeout=overrides.timeout or job.timeout,
                worker_type=capacity.worker_type,
                number_of_workers=capacity.number_of_workers,
                max_capacity=capacity.dpus,
                glue_version=job.glue_version,
                script_location=script.url,
                log_location=str(self._run_folder(tenant_id, run_id) / "driver.log"),
                metrics={},
            )
            session.add(run)
            # Snapshot the script: a run executes the script as it was when it started.
            script_path = self._snapshot_script(tenant_id, run_id, source)
        request = LaunchRequest(
            run_id=run_id,
            tenant_id=tenant_id,
            job_name=job_name,
            attempt=0,
            script_path=str(script_path),
            argv=_script_argv(job_name, run_id, arguments),
            log_path=run.log_location or "",
            error_records_location=str(self._error_records_path(tenant_id, run_id)),
            max_parallelism=capacity.max_parallelism(self._cluster_cpus()),
            timeout_seconds=None if run.timeout is None else run.timeout * 60.0,
            storage_options=self._storage_options,
        )
        try:
            self._launcher.submit(request)
        except Exception as exc:  # the backend refused: the run ends here, visibly
            log.exception("launcher refused run %s", run_id)
            self.on_finished(tenant_id, run_id, RunOutcome("FAILED", f"could not launch the run: {exc}"))
        return self.get(tenant_id, run_id)

    def stop(self, tenant_id: str, job_name: str, run_ids: list[str]) -> tuple[list[str], list[StopFailure]]:
        """Ask runs to stop (BatchStopJobRun). Returns the ids now stopping and per-id failures."""
        stopping: list[str] = []
        failures: list[StopFailure] = []
        for run_id in run_ids:
            with self._db.transaction() as session:
                run = self._find(session, tenant_id, run_id, lock=True)
                if run is None or run.job_name != job_name:
                    failures.append(StopFailure(run_id, "EntityNotFoundException", f"run {run_id} not found"))
                    continue
                if run.state in TERMINAL_STATES:
                    failures.append(
                        StopFailure(run_id, "InvalidInputException", f"run {run_id} has already ended ({run.state})")
                    )
                    continue
                run.state = "STOPPING"
                run.last_modified_on = self._clock()
            if not self._launcher.stop(run_id):
                self.on_finished(tenant_id, run_id, RunOutcome("STOPPED"))
            stopping.append(run_id)
        return stopping, failures

    def stop_all(self, tenant_id: str, run_ids: list[str]) -> None:
        for run_id in run_ids:
            if not self._launcher.stop(run_id):
                self.on_finished(tenant_id, run_id, RunOutcome("STOPPED"))

    # -- queries -----------------------------------------------------------------------------------------

    def get(self, tenant_id: str, run_id: str, *, job_name: str | None = None) -> JobRunRow:
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id)
        if run is None or (job_name is not None and run.job_name != job_name):
            raise EntityNotFoundError(f"job run {run_id} not found")
        return run

    def page(
        self, tenant_id: str, job_name: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[JobRunRow], str | None]:
        """Runs of a job, newest first."""
        size = page_size(max_results, default=100, maximum=200)
        cursor = decode_token(next_token)
        query = (
            select(JobRunRow)
            .where(JobRunRow.tenant_id == tenant_id, JobRunRow.job_name == job_name)
            .order_by(JobRunRow.started_on.desc(), JobRunRow.id.desc())
            .limit(size + 1)
        )
        if cursor is not None:
            try:
                at = datetime.fromisoformat(str(cursor["t"]))
                after_id = str(cursor["id"])
            except (KeyError, ValueError):
                raise InvalidInputError("is not a token this API issued", field="NextToken") from None
            query = query.where(
                or_(JobRunRow.started_on < at, and_(JobRunRow.started_on == at, JobRunRow.id < after_id))
            )
        with self._db.transaction() as session:
            if cursor is None and session.scalar(
                select(func.count()).select_from(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name == job_name)
            ) == 0:
                raise EntityNotFoundError(f"job {job_name!r} not found")
            rows = list(session.scalars(query))
        token = None
        if len(rows) > size:
            last = rows[size - 1]
            token = encode_token({"t": last.started_on.isoformat(), "id": last.id})
        return rows[:size], token

    def metrics(self, tenant_id: str, run_id: str) -> dict[str, Any]:
        """The run's metrics: live from the driver while it runs, recorded once it ended."""
        run = self.get(tenant_id, run_id)
        values: dict[str, Any] = dict(run.metrics)
        if run.state == "RUNNING":
            values.update(self._launcher.progress(run_id) or {})
            if run.running_on is not None:
                elapsed = (self._clock() - run.running_on).total_seconds()
                values["execution_time"] = math.ceil(elapsed)
                values["dpu_seconds"] = round((run.max_capacity or 0) * elapsed, 3)
        else:
            values["execution_time"] = run.execution_time
            values["dpu_seconds"] = run.dpu_seconds or 0.0
        return values

    def logs(self, tenant_id: str, run_id: str, offset: int = 0, limit: int = 1_000_000) -> tuple[str, int, bool]:
        """Log text from byte ``offset``: (text, next offset, complete)."""
        if offset < 0:
            raise InvalidInputError("must be >= 0", field="offset")
        run = self.get(tenant_id, run_id)
        terminal = run.state in TERMINAL_STATES
        if not run.log_location:
            return "", offset, terminal
        try:
            with fsspec.open(run.log_location, "rb") as handle:
                handle.seek(offset)
                data: bytes = handle.read(limit)
                more = bool(handle.read(1))
        except FileNotFoundError:
            return "", offset, terminal
        text = data.decode("utf-8", errors="replace")
        return text, offset + len(data), terminal and not more

    # -- launcher listener -------------------------------------------------------------------------------

    def on_running(self, tenant_id: str, run_id: str, at: float) -> None:
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id, lock=True)
            if run is None or run.state != "STARTING":
                return
            run.state = "RUNNING"
            run.running_on = datetime.fromtimestamp(at, UTC)
            run.last_modified_on = self._clock()

    def on_finished(self, tenant_id: str, run_id: str, outcome: RunOutcome) -> None:
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id, lock=True)
            if run is None or run.state in TERMINAL_STATES:
                return
            now = self._clock()
            started = run.running_on or run.started_on
            ended = datetime.fromtimestamp(outcome.ended_at, UTC) if outcome.ended_at else now
            seconds = max(0.0, (ended - started).total_seconds())
            run.state = outcome.state
            run.error_message = outcome.error_message
            run.completed_on = now
            run.last_modified_on = now
            run.execution_time = math.ceil(seconds)
            run.dpu_seconds = round((run.max_capacity or 0) * seconds, 3)
            metrics: dict[str, Any] = {key: int(outcome.metrics.get(key, 0)) for key in COUNTERS}
            metrics["output_locations"] = list(outcome.metrics.get("output_locations", []))
            if metrics["error_records"]:
                metrics["error_records_location"] = str(self._error_records_path(tenant_id, run_id))
            run.metrics = metrics

    def reconcile(self) -> int:
        """End every active run the launcher no longer knows; return how many were ended."""
        alive = self._launcher.active_runs()
        cutoff = self._clock() - RECONCILE_GRACE
        with self._db.transaction() as session:
            lost = [
                (run.tenant_id, run.id, run.state)
                for run in session.scalars(
                    select(JobRunRow).where(JobRunRow.state.in_(ACTIVE_STATES), JobRunRow.last_modified_on < cutoff)
                )
                if run.id not in alive
            ]
        for tenant_id, run_id, state in lost:
            if state == "STOPPING":
                self.on_finished(tenant_id, run_id, RunOutcome("STOPPED"))
            else:
                message = "the run's job driver vanished (Ray job lost or platform restarted); run ended"
                self.on_finished(tenant_id, run_id, RunOutcome("FAILED", message))
        return len(lost)

    # -- helpers -----------------------------------------------------------------------------------------

    def _find(self, session: Any, tenant_id: str, run_id: str, *, lock: bool = False) -> JobRunRow | None:
        query = select(JobRunRow).where(JobRunRow.tenant_id == tenant_id, JobRunRow.id == run_id)
        if lock:
            query = query.with_for_update()
        row: JobRunRow | None = session.scalars(query).first()
        return row

    def _capacity(self, job: JobRow, overrides: RunOverrides) -> Any:
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

    def _run_folder(self, tenant_id: str, run_id: str) -> Path:
        return self._root / "runs" / tenant_id / run_id

    def _error_records_path(self, tenant_id: str, run_id: str) -> Path:
        return self._run_folder(tenant_id, run_id) / "error_records.jsonl"

    def _snapshot_script(self, tenant_id: str, run_id: str, source: bytes) -> Path:
        folder = self._run_folder(tenant_id, run_id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "script.py"
        target.write_bytes(source)
        return target


def _script_argv(job_name: str, run_id: str, arguments: Mapping[str, str]) -> list[str]:
    """Glue's calling convention: ``--key value`` pairs, plus --JOB_NAME and --JOB_RUN_ID."""
    argv: list[str] = []
    for key, value in arguments.items():
        argv += [key if key.startswith("--") else f"--{key}", value]
    return [*argv, "--JOB_NAME", job_name, "--JOB_RUN_ID", run_id, "--JOB_ID", job_name]
