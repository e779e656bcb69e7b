"""Job runs: start, queue, dispatch, observe, stop, retry, and record what the launcher reports.

The run state machine lives here (the rules it applies are in ``run_policy``)::

    start --slot and CPUs free--> STARTING --launcher began the script--> RUNNING --script ended--> SUCCEEDED | FAILED
    start --over MaxConcurrentRuns with queuing, or no CPUs--> WAITING --dispatcher, oldest first--> STARTING
    FAILED with attempts left (MaxRetries) --> a new run <first id>_attempt_<n> in WAITING until its backoff passed
    any active state --stop--> STOPPING --driver killed--> STOPPED  (a WAITING run stops at once)
    any started state --timeout--> TIMEOUT;  any started state the launcher lost --reconciler--> FAILED

Seams for other services: ``terminal_hooks`` are called inside the one transaction that records a terminal state
(with the session, the run row and the launcher's outcome: the place to commit a SUCCEEDED run's outputs and
bookmarks); ``state_hooks`` are called inside every transaction that changes a run's state (with the previous
state, None for a new run: the place to write state-change events); ``settle_hooks`` are called with a tenant and
SUCCEEDED run ids (None: all its runs) before a reader sees them or a run is launched: the place to publish
outputs committed but not yet in place. The Platform registers them at build time. A terminal or state hook that
raises rolls the whole transaction back.
"""

from __future__ import annotations

import logging
import math
import random as random_module
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.autoscaler.capacity import Capacity
from glueworks.platform.db import Database, JobRow, JobRunRow
from glueworks.platform.errors import (
    ConcurrentRunsExceededError,
    EntityNotFoundError,
    InvalidInputError,
)
from glueworks.platform.launchers import Launcher, LaunchRequest, RunOutcome
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services.run_changes import RunChanges
from glueworks.platform.services.run_policy import (
    CAPACITY,
    EXECUTION_CLASSES,
    INFRASTRUCTURE,
    QUEUED,
    ClusterLoad,
    capacity_wait,
    cpu_ask,
    failure_kind,
    request_fingerprint,
    slot_wait,
    with_kind_prefix,
)
from glueworks.platform.services.run_queue import (
    LAUNCHED_STATES,
    LifecyclePolicy,
    RunOverrides,
    cluster_load,
    first_row,
    job_counts,
    key_query,
    next_attempt,
    run_capacity,
    same_request,
    script_argv,
)
from glueworks.platform.services.run_reads import read_log, run_metrics, runs_page
from glueworks.platform.services.validation import MAX_TIMEOUT_MINUTES, check_arguments, check_range
from glueworks.runtime.metrics import COUNTERS

__all__ = [
    "LAUNCHED_STATES",
    "TERMINAL_STATES",
    "LifecyclePolicy",
    "RunOverrides",
    "RunService",
    "SettleHook",
    "StateHook",
    "StopFailure",
    "TerminalHook",
]

log = logging.getLogger(__name__)

TERMINAL_STATES = ("STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED")
# A run younger than this may not have reached the launcher yet; the reconciler leaves it alone.
RECONCILE_GRACE = timedelta(seconds=10)
MAX_IDEMPOTENCY_KEY = 255

TerminalHook = Callable[[Session, JobRunRow, RunOutcome], None]
StateHook = Callable[[Session, JobRunRow, "str | None"], None]
SettleHook = Callable[[str, "list[str] | None"], object]


@dataclass(frozen=True)
class StopFailure:
    run_id: str
    code: str
    message: str


@dataclass(frozen=True)
class _Admission:
    """What admitting one WAITING run came to: started, or still waiting and why."""

    run: JobRunRow | None
    reason: str | None  # None (started or gone), QUEUED or CAPACITY


class RunService:
    """Runs of jobs. Also the launcher's listener: launcher events become state changes here.

    Args:
        clock: Now, aware UTC.
        new_run_id: Ids of first attempts.
        cluster_cpus: The cluster's CPUs, or None when unknown (then no capacity rule applies).
        policy: Retry, capacity and timeout tunables.
        random: Uniform draws from [0, 1) for retry jitter; a seam for tests.
    """

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
        policy: LifecyclePolicy | None = None,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        self._db = db
        self._launcher = launcher
        self._scripts = scripts
        self._root = Path(storage_root)
        self._clock = clock
        self._new_run_id = new_run_id
        self._cluster_cpus = cluster_cpus
        self._storage_options = dict(storage_options or {})
        self._policy = policy or LifecyclePolicy()
        self._random = random
        self._dispatch_lock = threading.Lock()
        self._dispatch_wanted = False
        self._changes = RunChanges()  # what long polls (`wait_for_change`) sleep on
        # Seams (see the module docstring): called inside the transaction of a terminal / any state change.
        self.terminal_hooks: list[TerminalHook] = []
        self.state_hooks: list[StateHook] = []
        self.settle_hooks: list[SettleHook] = []
        # H (bookmarks): the job bookmark a run starts from, read when it is launched; raises ValueError on bad
        # --job-bookmark-* arguments. Set by the Platform (BookmarkService.launch_spec).
        self.launch_bookmark: Callable[[JobRunRow], dict[str, Any] | None] = lambda run: None
        # (tenant, run id) -> (API URL, run-scoped credential) for the job's Data Catalog access (services/run_tokens).
        self.catalog_access: Callable[[str, str], tuple[str | None, str | None]] | None = None

    # -- commands ----------------------------------------------------------------------------------------

    def start(
        self,
        tenant_id: str,
        job_name: str,
        overrides: RunOverrides | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> JobRunRow:
        """Create a run and hand it to the launcher, or queue it (WAITING) when it may not start yet.

        Args:
            tenant_id: The tenant.
            job_name: The job to run.
            overrides: What this run sets over the job's definition.
            idempotency_key: With a key, repeating the same request returns the run the first one created,
                even when the requests race; the key is kept per job for as long as the run exists.

        Raises:
            EntityNotFoundError: no such job.
            ConcurrentRunsExceededError: the job has MaxConcurrentRuns runs and queuing is off for this run.
            IdempotentParameterMismatchError: the key was used before with another request.
            InvalidInputError: bad overrides, or the job's script is missing or no longer valid Python.
        """
        overrides = overrides or RunOverrides()
        check_arguments(overrides.arguments, field="Arguments")
        check_range(overrides.timeout, field="Timeout", low=1, high=MAX_TIMEOUT_MINUTES)
        if overrides.execution_class is not None and overrides.execution_class not in EXECUTION_CLASSES:
            raise InvalidInputError(f"must be one of {', '.join(EXECUTION_CLASSES)}", field="ExecutionClass")
        fingerprint = None
        if idempotency_key is not None:
            if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
                raise InvalidInputError(f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters", field="IdempotencyKey")
            fingerprint = request_fingerprint(job_name, overrides.request())
        try:
            run, launch = self._create(tenant_id, job_name, overrides, idempotency_key, fingerprint)
        except IntegrityError:
            # A concurrent start with the same key committed first: this request is a duplicate of it.
            existing = None if idempotency_key is None else self._by_key(tenant_id, job_name, idempotency_key)
            if existing is None or fingerprint is None:
                raise
            return same_request(existing, fingerprint, idempotency_key or "")
        if launch:
            self._launch(run)
        return self.get(tenant_id, run.id)

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
                previous = run.state
                run.state = "STOPPING"
                run.last_modified_on = self._clock()
                self._changed(session, run, previous)
            if not self._launcher.stop(run_id):  # a WAITING run, or one the launcher lost: it ends here
                self.on_finished(tenant_id, run_id, RunOutcome("STOPPED"))
            stopping.append(run_id)
        return stopping, failures

    def stop_all(self, tenant_id: str, run_ids: list[str]) -> None:
        for run_id in run_ids:
            if not self._launcher.stop(run_id):
                self.on_finished(tenant_id, run_id, RunOutcome("STOPPED"))

    def dispatch(self) -> int:
        """Start WAITING runs that may start now: STANDARD before FLEX, each oldest first. Returns how many.

        Called when a run ends, after a restart and by the platform's periodic loop. Passes do not overlap in
        one process; a call made during a pass makes that pass run once more instead of waiting for it.
        """
        started = 0
        while True:
            self._dispatch_wanted = True
            if not self._dispatch_lock.acquire(blocking=False):
                return started
            try:
                while self._dispatch_wanted:
                    self._dispatch_wanted = False
                    started += self._dispatch_pass()
            finally:
                self._dispatch_lock.release()
            if not self._dispatch_wanted:
                return started

    # -- queries -----------------------------------------------------------------------------------------

    def get(self, tenant_id: str, run_id: str, *, job_name: str | None = None) -> JobRunRow:
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id)
        if run is None or (job_name is not None and run.job_name != job_name):
            raise EntityNotFoundError(f"job run {run_id} not found")
        self._settle(tenant_id, [run])
        return run

    def wait_for_change(self, tenant_id: str, run_id: str, changed_from: str, timeout: float) -> JobRunRow:
        """The run as soon as its state is not `changed_from`, or as it is once `timeout` seconds passed.

        A long poll (see `run_changes`): a waiter holds one request instead of sending many.

        Raises:
            EntityNotFoundError: No such run for this tenant.
        """
        return self._changes.wait(lambda: self.get(tenant_id, run_id), changed_from, timeout)

    def page(
        self, tenant_id: str, job_name: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[JobRunRow], str | None]:
        """Runs of a job, retries included, newest first (see `run_reads.runs_page`)."""
        with self._db.transaction() as session:
            rows, token = runs_page(session, tenant_id, job_name, max_results, next_token)
        self._settle(tenant_id, rows)
        return rows, token

    def metrics(self, tenant_id: str, run_id: str) -> dict[str, Any]:
        """The run's metrics: live from the driver while it runs, recorded once it ended."""
        return self.metrics_of(self.get(tenant_id, run_id))

    def metrics_of(self, run: JobRunRow) -> dict[str, Any]:
        """`metrics` of a run row already read (for the caller's tenant)."""
        progress = self._launcher.progress(run.id) if run.state == "RUNNING" else None
        return run_metrics(run, progress, self._clock())

    def logs(self, tenant_id: str, run_id: str, offset: int = 0, limit: int = 1_000_000) -> tuple[str, int, bool]:
        """Log text from byte ``offset``: (text, next offset, complete)."""
        if offset < 0:
            raise InvalidInputError("must be >= 0", field="offset")
        run = self.get(tenant_id, run_id)
        return read_log(run.log_location, offset, limit, run.state in TERMINAL_STATES)

    # -- launcher listener -------------------------------------------------------------------------------

    def on_running(self, tenant_id: str, run_id: str, at: float) -> None:
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id, lock=True)
            if run is None or run.state != "STARTING":
                return
            run.state = "RUNNING"
            run.running_on = datetime.fromtimestamp(at, UTC)
            run.last_modified_on = self._clock()
            self._changed(session, run, "STARTING")

    def on_finished(self, tenant_id: str, run_id: str, outcome: RunOutcome) -> None:
        """Record a terminal state, run the terminal hooks and schedule a retry, all in one transaction."""
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id, lock=True)
            if run is None or run.state in TERMINAL_STATES:
                return
            previous = run.state
            now = self._clock()
            ended = datetime.fromtimestamp(outcome.ended_at, UTC) if outcome.ended_at else now
            # Execution time counts from RUNNING; a run that never ran (it waited, or never launched) ran 0 s.
            seconds = 0.0 if run.running_on is None else max(0.0, (ended - run.running_on).total_seconds())
            kind = failure_kind(outcome.state, outcome.failure_kind)
            run.state = outcome.state
            run.failure_kind = kind
            run.error_message = with_kind_prefix(kind, outcome.error_message)
            run.state_detail = None
            run.wait_reason = None
            run.not_before = None
            run.completed_on = now
            run.last_modified_on = now
            run.execution_time = math.ceil(seconds)
            run.dpu_seconds = round((run.max_capacity or 0) * seconds, 3)
            metrics: dict[str, Any] = {key: int(outcome.metrics.get(key, 0)) for key in COUNTERS}
            metrics["output_locations"] = list(outcome.metrics.get("output_locations", []))
            if metrics["error_records"]:
                metrics["error_records_location"] = str(self._error_records_path(tenant_id, run_id))
            run.metrics = metrics
            # Seam: other services record what a terminal run means (outputs, bookmarks) in this transaction.
            for hook in self.terminal_hooks:
                hook(session, run, outcome)
            self._changed(session, run, previous)
            if run.state == "FAILED":
                retry = next_attempt(
                    session, run, self._policy, now=now, random=self._random, run_folder=self._run_folder
                )
                if retry is not None:
                    self._changed(session, retry, None)
        self.dispatch()  # a slot and its CPUs are free now

    def reconcile(self, *, startup: bool = False) -> int:
        """End every started run the launcher no longer knows, then dispatch waiting runs.

        Args:
            startup: The platform just started: every started run belongs to an earlier process whose drivers
                are gone, so none gets the grace period a run being launched right now needs.

        Returns:
            How many lost runs were ended.
        """
        alive = self._launcher.active_runs()
        cutoff = self._clock() - (timedelta(0) if startup else RECONCILE_GRACE)
        with self._db.transaction() as session:
            lost = [
                (run.tenant_id, run.id, run.state)
                for run in session.scalars(
                    select(JobRunRow).where(JobRunRow.state.in_(LAUNCHED_STATES), JobRunRow.last_modified_on <= cutoff)
                )
                if run.id not in alive
            ]
        for tenant_id, run_id, state in lost:
            if state == "STOPPING":
                self.on_finished(tenant_id, run_id, RunOutcome("STOPPED"))
            else:
                message = "the run's job driver vanished (Ray job lost or platform restarted); run ended"
                self.on_finished(tenant_id, run_id, RunOutcome("FAILED", message, failure_kind=INFRASTRUCTURE))
        self.dispatch()
        return len(lost)

    # -- start and dispatch ------------------------------------------------------------------------------

    def _create(
        self,
        tenant_id: str,
        job_name: str,
        overrides: RunOverrides,
        key: str | None,
        fingerprint: str | None,
    ) -> tuple[JobRunRow, bool]:
        """Insert the run, STARTING or WAITING; True when it is to be launched now."""
        run_id = self._new_run_id()
        with self._db.transaction() as session:
            job = session.scalars(
                select(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name == job_name).with_for_update()
            ).first()
            if job is None:
                raise EntityNotFoundError(f"job {job_name!r} not found")
            if key is not None and fingerprint is not None:
                existing = session.scalars(key_query(tenant_id, job_name, key)).first()
                if existing is not None:
                    return same_request(existing, fingerprint, key), False
            capacity = run_capacity(job, overrides)
            script, source = self._scripts.load(tenant_id, job.script_location)
            queuing = overrides.job_run_queuing_enabled
            if queuing is None:
                queuing = job.job_run_queuing_enabled
            execution_class = overrides.execution_class or job.execution_class or "STANDARD"
            started, waiting = job_counts(session, tenant_id, job_name)
            if started + waiting >= job.max_concurrent_runs and not queuing:
                raise ConcurrentRunsExceededError(
                    f"job {job_name!r} has {started + waiting} active runs; "
                    f"its MaxConcurrentRuns is {job.max_concurrent_runs}"
                )
            reason, detail = QUEUED, slot_wait(job_name, started, waiting, job.max_concurrent_runs)
            if detail is None:
                cpus = self._cluster_cpus()
                ask = (
                    0
                    if cpus is None
                    else cpu_ask(capacity.worker_type, capacity.number_of_workers, capacity.dpus, cpus)
                )
                load = cluster_load(session, cpus, self._policy.cpu_overcommit)
                reason, detail = CAPACITY, capacity_wait(execution_class, ask, load)
            run = first_row(
                run_id,
                tenant_id,
                job,
                overrides,
                capacity=capacity,
                script_location=script.url,
                execution_class=execution_class,
                queuing=bool(queuing),
                wait=None if detail is None else (reason, detail),
                now=self._clock(),
                log_location=str(self._run_folder(tenant_id, run_id) / "driver.log"),
                idempotency=(key, fingerprint),
            )
            session.add(run)
            session.flush()  # a duplicate idempotency key fails here, before the script is snapshotted
            self._changed(session, run, None)
            # Snapshot the script: a run executes the script as it was when it was started (or queued).
            self._snapshot_script(tenant_id, run_id, source)
        return run, detail is None

    def _dispatch_pass(self) -> int:
        now = self._clock()
        cpus = self._cluster_cpus()
        with self._db.transaction() as session:
            waiting = [
                (run.tenant_id, run.id, run.job_name, run.execution_class)
                for run in session.scalars(
                    select(JobRunRow)
                    .where(
                        JobRunRow.state == "WAITING",
                        or_(JobRunRow.not_before.is_(None), JobRunRow.not_before <= now),
                    )
                    .order_by(JobRunRow.started_on, JobRunRow.id)
                )
            ]
            load = cluster_load(session, cpus, self._policy.cpu_overcommit)
        # The pass itself keeps first-in-first-out (it stops at the first run that does not fit), so the runs
        # it considers are not held back by their own WAITING rows.
        load = replace(load, standard_waiting=False)
        waiting.sort(key=lambda item: item[3] == "FLEX")  # stable: STANDARD first, each oldest first
        blocked_jobs: set[tuple[str, str]] = set()
        started = 0
        for tenant_id, run_id, job_name, _ in waiting:
            if (tenant_id, job_name) in blocked_jobs:
                continue
            admission = self._admit(tenant_id, run_id, load)
            if admission.reason == QUEUED:
                blocked_jobs.add((tenant_id, job_name))
            elif admission.reason == CAPACITY:
                break  # first in, first out: nothing behind a run that does not fit may overtake it
            elif admission.run is not None:
                run = admission.run
                if cpus is not None:
                    ask = cpu_ask(run.worker_type, run.number_of_workers, run.max_capacity, cpus)
                    load = ClusterLoad(cpus, load.in_use + ask, load.overcommit, load.standard_waiting)
                self._launch(run)
                started += 1
        return started

    def _admit(self, tenant_id: str, run_id: str, load: ClusterLoad) -> _Admission:
        """Move one WAITING run to STARTING if its job has a slot and the cluster the CPUs; else say why not."""
        orphan = False
        with self._db.transaction() as session:
            run = self._find(session, tenant_id, run_id)
            if run is None or run.state != "WAITING":
                return _Admission(None, None)
            job = session.scalars(
                select(JobRow).where(JobRow.tenant_id == tenant_id, JobRow.name == run.job_name).with_for_update()
            ).first()
            run = self._find(session, tenant_id, run_id, lock=True)
            if run is None or run.state != "WAITING":
                return _Admission(None, None)
            if job is None:
                orphan = True
            else:
                started, _ = job_counts(session, tenant_id, run.job_name)
                detail = slot_wait(run.job_name, started, 0, job.max_concurrent_runs)
                reason = QUEUED
                if detail is None and load.cluster_cpus is not None:
                    ask = cpu_ask(run.worker_type, run.number_of_workers, run.max_capacity, load.cluster_cpus)
                    reason, detail = CAPACITY, capacity_wait(run.execution_class, ask, load)
                if detail is not None:
                    if (run.wait_reason, run.state_detail) != (reason, detail):
                        run.wait_reason, run.state_detail = reason, detail
                    return _Admission(None, reason)
                run.state = "STARTING"
                run.wait_reason = None
                run.state_detail = None
                run.not_before = None
                run.last_modified_on = self._clock()
                self._changed(session, run, "WAITING")
        if orphan:
            self.on_finished(tenant_id, run_id, RunOutcome("FAILED", "the run's job was deleted while it waited"))
            return _Admission(None, None)
        return _Admission(run, None)

    def _launch(self, run: JobRunRow) -> None:
        """Hand a STARTING run to the launcher; a refusal ends it FAILED as an infrastructure failure."""
        capacity = Capacity(run.worker_type, run.number_of_workers, run.max_capacity or 0.0)
        catalog_url, catalog_token = self.catalog_access(run.tenant_id, run.id) if self.catalog_access else (None, None)
        # H (bookmarks): a bad --job-bookmark-* argument ends the run FAILED with the argument named.
        try:
            bookmark = self.launch_bookmark(run)
        except ValueError as exc:
            self.on_finished(run.tenant_id, run.id, RunOutcome("FAILED", f"job bookmark: {exc}"))
            return
        request = LaunchRequest(
            run_id=run.id,
            tenant_id=run.tenant_id,
            job_name=run.job_name,
            attempt=run.attempt,
            script_path=str(self._run_folder(run.tenant_id, run.id) / "script.py"),
            argv=script_argv(run.job_name, run.id, run.arguments),
            log_path=run.log_location or "",
            error_records_location=str(self._error_records_path(run.tenant_id, run.id)),
            max_parallelism=capacity.max_parallelism(self._cluster_cpus()),
            timeout_seconds=None if run.timeout is None else run.timeout * self._policy.timeout_minute_seconds,
            storage_options=self._storage_options,
            catalog_url=catalog_url,
            catalog_token=catalog_token,
            bookmark=bookmark,
        )
        try:
            for hook in self.settle_hooks:  # the run may read what an earlier run of its tenant wrote
                hook(run.tenant_id, None)
            self._launcher.submit(request)
        except Exception as exc:  # the backend refused: the run ends here, visibly
            log.exception("launcher refused run %s", run.id)
            outcome = RunOutcome("FAILED", f"could not launch the run: {exc}", failure_kind=INFRASTRUCTURE)
            self.on_finished(run.tenant_id, run.id, outcome)
            return
        # A stop that arrived while the run was being submitted found nothing to stop: stop it now.
        if self.get(run.tenant_id, run.id).state not in ("STARTING", "RUNNING"):
            self._launcher.stop(run.id)

    # -- helpers -----------------------------------------------------------------------------------------

    def _settle(self, tenant_id: str, runs: list[JobRunRow]) -> None:
        succeeded = [run.id for run in runs if run.state == "SUCCEEDED"]
        for hook in self.settle_hooks if succeeded else ():
            hook(tenant_id, succeeded)

    def _changed(self, session: Session, run: JobRunRow, previous: str | None) -> None:
        # Seam: state-change listeners (events) write in the same transaction as the change.
        for hook in self.state_hooks:
            hook(session, run, previous)
        self._changes.watch(session)

    def _by_key(self, tenant_id: str, job_name: str, key: str) -> JobRunRow | None:
        with self._db.transaction() as session:
            row: JobRunRow | None = session.scalars(key_query(tenant_id, job_name, key)).first()
        return row

    def _find(self, session: Any, tenant_id: str, run_id: str, *, lock: bool = False) -> JobRunRow | None:
        query = select(JobRunRow).where(JobRunRow.tenant_id == tenant_id, JobRunRow.id == run_id)
        if lock:
            query = query.with_for_update()
        row: JobRunRow | None = session.scalars(query).first()
        return row

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
