"""Runs each job attempt in a pre-started Ray actor: a warm job driver.

Why not Ray Jobs: a Ray Jobs submission starts a supervisor actor, which spawns the entrypoint as a new
Python process that imports everything and connects to Ray again; on a warm 2-core box that is ~1.6 s before
the script runs. Here the driver process already exists, has imported pyarrow and the runtime and is part of
the cluster, so StartJobRun -> RUNNING is two actor calls. Each driver runs one attempt and is then killed, so
runs stay isolated at process level, as they would be under Ray Jobs. Stop is ``ray.kill`` on the driver;
a driver that dies is seen as an ``ActorDiedError`` on its pending call, so no run is left RUNNING.

The pool is refilled when a run ends, not when it starts. A driver started at submit would import pyarrow and
the runtime on the CPUs the new run needs, and Ray gives a new actor one of the idle worker processes it keeps for
tasks, so the run's first tasks would wait for fresh worker processes (measured: 3-5 s per run on a loaded
2-core box). For the same reason, when no run is active and the new drivers are up, the launcher primes one
task worker per CPU with a no-op task that imports what split tasks import. ``wait_ready`` waits for both.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glueworks.platform.launchers.base import Launcher, LaunchListener, LaunchRequest, RunOutcome

log = logging.getLogger(__name__)

#: Longest wait on the drivers' pending calls. Any call's answer (a run started, a run ended) ends the wait at
#: once; this bounds how late a run submitted meanwhile is seen starting and a timeout is enforced. Each wait
#: costs ~0.25 ms of CPU in this process, on the CPUs the runs use: at 50 a second, ~0.04 CPU s of a 3 s run.
_RUNNING_POLL_SECONDS = 0.1
#: Longest sleep with no run active (a submit or close wakes the monitor at once).
_IDLE_SECONDS = 1.0
#: Ray namespace of the platform's named actors.
NAMESPACE = "glueworks"
#: Seconds a driver's live metrics are served from the launcher before the driver is asked again.
PROGRESS_MAX_AGE = 1.0


@dataclass
class _Driver:
    handle: Any  # ray.actor.ActorHandle
    ready_ref: Any  # ObjectRef of ready(), done once imports finished


@dataclass
class _ActiveRun:
    request: LaunchRequest
    driver: _Driver
    submitted_at: float
    stop_reason: str | None = None  # "STOPPED" or "TIMEOUT" once the launcher decided to end it
    progress: tuple[float, dict[str, Any]] | None = None  # (asked at, metrics): the last live metrics


class RayDriverPoolLauncher(Launcher):
    """A launcher on a Ray cluster, with ``warm_drivers`` job drivers started ahead of demand.

    Args:
        address: ``"local"`` starts a Ray head in this process (owned, shut down on ``close``); any other
            value is passed to ``ray.init(address=...)``. If Ray is already initialised in this process it is
            used as it is and not shut down.
        warm_drivers: drivers kept ready.
        num_cpus / object_store_memory: for a local head only.
        clock: wall-clock seconds; a seam for tests.
    """

    def __init__(
        self,
        *,
        address: str = "local",
        warm_drivers: int = 2,
        num_cpus: int | None = None,
        object_store_memory: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._address = address
        self._warm_target = warm_drivers
        self._num_cpus = num_cpus
        self._object_store_memory = object_store_memory
        self._clock = clock
        self._owns_ray = False
        self._lock = threading.Lock()
        self._pool: list[_Driver] = []
        self._active: dict[str, _ActiveRun] = {}
        self._pending: dict[Any, tuple[str, str]] = {}  # ObjectRef -> (phase, run_id)
        self._listener: LaunchListener | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()  # set by a submit or close: the monitor has new refs, or must stop
        self._thread: threading.Thread | None = None
        self._driver_cls: Any = None
        self._primes: list[Any] = []  # refs of the last priming tasks, held only so they are not dropped early
        self.cluster_cpus: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self, listener: LaunchListener) -> None:
        import ray

        from glueworks.runtime.driver import JobDriver
        from glueworks.runtime.executors.local_ray import start_local_ray

        self._listener = listener
        if not ray.is_initialized():
            if self._address == "local":
                # A head of our own, lean: its log monitor, dashboard server and autoscaler go unused.
                memory = self._object_store_memory or None  # None (ray.init's default): Ray sizes the store
                start_local_ray(self._num_cpus, namespace=NAMESPACE, object_store_memory=memory)
            else:
                ray.init(address=self._address, include_dashboard=False, log_to_driver=False, namespace=NAMESPACE)
            self._owns_ray = self._address == "local"
        self.cluster_cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        # num_cpus=0: a driver coordinates; the CPUs go to the tasks the script submits, as with Ray Jobs.
        self._driver_cls = ray.remote(JobDriver)
        with self._lock:
            self._fill_pool()
        self._thread = threading.Thread(target=self._monitor, name="glueworks-launcher", daemon=True)
        self._thread.start()

    def close(self) -> None:
        import ray

        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            drivers = [d.handle for d in self._pool] + [r.driver.handle for r in self._active.values()]
            self._pool.clear()
        for handle in drivers:
            _kill(handle)
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the warm drivers have imported and the task workers are primed; False on timeout.

        ``start`` does not wait (a server is usually up long before its first run); a caller about to submit
        at once (a benchmark, an embedded run) calls this so the first run does not share the CPUs with the
        pool's own start-up.
        """
        import ray

        with self._lock:
            refs = [d.ready_ref for d in self._pool] + list(self._primes)
        if not refs:
            return True
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=timeout)
        return len(ready) == len(refs)

    # -- Launcher ----------------------------------------------------------------------------------------

    def submit(self, request: LaunchRequest) -> None:
        from glueworks.runtime.driver import DriverSpec

        spec = DriverSpec(
            run_id=request.run_id,
            job_name=request.job_name,
            attempt=request.attempt,
            script_path=request.script_path,
            argv=list(request.argv),
            log_path=request.log_path,
            error_records_location=request.error_records_location,
            max_parallelism=request.max_parallelism,
            storage_options={k: dict(v) for k, v in request.storage_options.items()},
            bookmark=None if request.bookmark is None else dict(request.bookmark),
            catalog_url=request.catalog_url,
            catalog_token=request.catalog_token,
        )
        with self._lock:
            driver = self._take_driver()
            self._active[request.run_id] = _ActiveRun(request, driver, self._clock())
            self._pending[driver.handle.begin.remote(spec)] = ("begin", request.run_id)
            # No refill here: see the module doc. _finish refills once this run has ended.
        self._wake.set()

    def stop(self, run_id: str) -> bool:
        return self._end(run_id, "STOPPED")

    @property
    def idle_drivers(self) -> int:
        """Warm drivers waiting for a run (started or still importing)."""
        with self._lock:
            return len(self._pool)

    def active_runs(self) -> set[str]:
        with self._lock:
            return set(self._active)

    def progress(self, run_id: str) -> dict[str, Any] | None:
        """The driver's live metrics, asked at most once per `PROGRESS_MAX_AGE` seconds per run.

        Every poll of a running run (a waiter, a dashboard) reads its metrics; asking the driver each
        time is an actor call served on the driver's CPUs, which are the run's. At 10 polls a second
        that was ~0.4 CPU s of a 7 s run; metrics a second old are as good to a poller.
        """
        import ray

        with self._lock:
            run = self._active.get(run_id)
        if run is None:
            return None
        now = self._clock()
        if run.progress is not None and now - run.progress[0] < PROGRESS_MAX_AGE:
            return run.progress[1]
        try:
            result: dict[str, Any] = ray.get(run.driver.handle.progress.remote(), timeout=0.5)
        except Exception:  # the driver is busy dying or slow: progress is best effort
            return None
        run.progress = (now, result)
        return result

    # -- internals ---------------------------------------------------------------------------------------

    def _end(self, run_id: str, reason: str) -> bool:
        with self._lock:
            run = self._active.get(run_id)
            if run is None:
                return False
            if run.stop_reason is None:
                run.stop_reason = reason
        _kill(run.driver.handle)  # the pending call then fails, and the monitor reports the outcome
        return True

    def _take_driver(self) -> _Driver:
        import ray

        if self._pool:
            ready, _ = ray.wait([d.ready_ref for d in self._pool], num_returns=1, timeout=0)
            for index, driver in enumerate(self._pool):
                if ready and driver.ready_ref == ready[0]:
                    return self._pool.pop(index)
            return self._pool.pop(0)  # none is ready yet: the oldest will be first
        return self._new_driver()

    def _new_driver(self) -> _Driver:
        handle = self._driver_cls.options(
            name=f"gw-driver-{uuid.uuid4().hex[:12]}", num_cpus=0, max_concurrency=4, max_restarts=0
        ).remote()
        return _Driver(handle, handle.ready.remote())

    def _fill_pool(self) -> None:
        """Start drivers up to the warm target; then, if no run is active, prime the task workers (lock held)."""
        started = []
        while len(self._pool) < self._warm_target:
            driver = self._new_driver()
            self._pool.append(driver)
            started.append(driver.ready_ref)
        if started and not self._active:
            self._prime_task_workers(started)

    def _prime_task_workers(self, after: list[Any]) -> None:
        """Leave one imported, idle task worker per CPU, once the new drivers hold their own processes.

        Best effort: the refs are not awaited, and a prime that fails (a driver died) costs nothing.
        """
        from glueworks.runtime.executors.ray import prime_task_workers

        # The drivers' ready refs as arguments: the primes run after the actors took their worker processes.
        self._primes = prime_task_workers(min(max(1, self.cluster_cpus or 1), _MAX_PRIMES), after)

    def _monitor(self) -> None:
        import ray

        while not self._stopping.is_set():
            self._wake.clear()  # before reading `_pending`: a submit after this line wakes the next wait
            with self._lock:
                refs = list(self._pending)
            self._enforce_timeouts()
            if not refs:
                self._wake.wait(_IDLE_SECONDS)
                continue
            ready, _ = ray.wait(refs, num_returns=1, timeout=_RUNNING_POLL_SECONDS)
            for ref in ready:
                with self._lock:
                    phase, run_id = self._pending.pop(ref)
                try:
                    self._handle(phase, run_id, ref)
                except Exception:  # a listener bug must not stop the monitor for every other run
                    log.exception("launcher could not handle %s of run %s", phase, run_id)

    def _handle(self, phase: str, run_id: str, ref: Any) -> None:
        import ray

        assert self._listener is not None
        with self._lock:
            run = self._active.get(run_id)
        if run is None:
            return
        try:
            value = ray.get(ref)
        except Exception as exc:
            lost = RunOutcome(state="FAILED", error_message=_lost_message(phase, exc), failure_kind="INFRASTRUCTURE")
            self._finish(run, lost)
            return
        if phase == "begin":
            self._listener.on_running(run.request.tenant_id, run_id, float(value))
            with self._lock:
                self._pending[run.driver.handle.wait.remote()] = ("wait", run_id)
            return
        self._finish(
            run,
            RunOutcome(
                state=value["state"],
                error_message=value.get("error_message"),
                metrics=value.get("metrics") or {},
                started_at=value.get("started_at"),
                ended_at=value.get("ended_at"),
                outputs=list(value.get("outputs") or []),
                bookmark=value.get("bookmark"),
            ),
        )

    def _finish(self, run: _ActiveRun, outcome: RunOutcome) -> None:
        assert self._listener is not None
        if run.stop_reason is not None:
            message = None
            if run.stop_reason == "TIMEOUT":
                message = f"run exceeded its timeout of {run.request.timeout_seconds:g} s and was stopped"
            outcome = RunOutcome(state=run.stop_reason, error_message=message, ended_at=self._clock())
        _kill(run.driver.handle)
        with self._lock:
            self._active.pop(run.request.run_id, None)
            if not self._stopping.is_set():
                self._fill_pool()  # the run's CPUs are free now (see the module doc)
        self._listener.on_finished(run.request.tenant_id, run.request.run_id, outcome)

    def _enforce_timeouts(self) -> None:
        now = self._clock()
        with self._lock:
            late = [
                run_id
                for run_id, run in self._active.items()
                if run.request.timeout_seconds is not None
                and run.stop_reason is None
                and now - run.submitted_at > run.request.timeout_seconds
            ]
        for run_id in late:
            self._end(run_id, "TIMEOUT")


#: Most priming tasks per refill: on a large cluster Ray's own prestart covers most nodes, and a refill follows
#: every run, so priming stays a small, fixed cost.
_MAX_PRIMES = 16


def _kill(handle: Any) -> None:
    import ray

    try:
        ray.kill(handle, no_restart=True)
    except Exception:  # already gone
        log.debug("driver already gone", exc_info=True)


def _lost_message(phase: str, exc: Exception) -> str:
    where = "while starting" if phase == "begin" else "while running"
    return f"job driver lost {where}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
