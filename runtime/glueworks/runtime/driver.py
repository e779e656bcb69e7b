"""The job driver: the process that runs one user script for one run, inside the Ray cluster.

The platform's launcher keeps a few drivers started ahead of demand (imports done, connected to Ray), so a run
starts by handing a spec to an idle driver instead of spawning a process. A driver is used once: after its run
it is killed, so no state of one user's script leaks into the next run.

The class is plain Python; the launcher wraps it with ``ray.remote``. Methods run on the actor's thread pool,
so ``progress`` answers while ``wait`` blocks.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DriverSpec:
    """What a driver needs to run one attempt of one job run."""

    run_id: str
    job_name: str
    attempt: int
    script_path: str
    argv: list[str]
    log_path: str
    error_records_location: str | None
    max_parallelism: int
    executor: str = "ray"
    # Filesystem options per protocol (an S3 endpoint, credentials); kept out of repr so it is never logged.
    storage_options: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    # Job bookmark the run starts from (glueworks.runtime.bookmarks.BookmarkSpec.to_dict()); None: disabled.
    bookmark: dict[str, Any] | None = None
    # Two-phase commit: outputs are prepared (manifests) and published by the platform after it records SUCCEEDED.
    platform_commit: bool = True
    # The platform API the script reaches the Data Catalog through, and the run-scoped credential (never logged).
    catalog_url: str | None = None
    catalog_token: str | None = field(default=None, repr=False)


@dataclass
class DriverOutcome:
    """How the script ended: ``SUCCEEDED`` or ``FAILED`` with a message naming the exception and line.

    ``outputs`` holds the manifest of every staged output (`glueworks.runtime.commit_log.OutputManifest`
    dicts) of a successful run, for the platform to publish; ``bookmark`` the bookmark state to save, or None
    (bookmarks not enabled, or the script did not call ``job.commit()``).
    """

    state: str
    error_message: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0
    ended_at: float = 0.0
    outputs: list[dict[str, Any]] = field(default_factory=list)
    bookmark: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_at_normal_priority() -> bool:
    """Give every thread of this process nice 0, where the OS allows it; whether it did.

    Ray starts its worker processes at nice 15, below its own daemons, and a warm driver is one of
    them. But a driver hands out the run's tasks: whenever it waits for a CPU behind the run's busy
    workers, they wait for it (Ray Jobs runs drivers at nice 0 for the same reason). On the 1M-event
    lake benchmark on 2 cores a submitted job took ~13 % less time this way. Lowering a nice value
    needs CAP_SYS_NICE; without it (a default container) the driver stays where Ray put it.
    Linux keeps a nice value per thread, so each is set.
    """
    try:
        for tid in os.listdir("/proc/self/task"):
            os.setpriority(os.PRIO_PROCESS, int(tid), 0)
    except (OSError, ValueError):
        return False
    return True


class JobDriver:
    """Runs one script in this process, reporting progress and the outcome to the launcher."""

    def __init__(self) -> None:
        # Importing here, before any run is assigned, is the point of a warm driver: pyarrow and the runtime
        # take about a second to import, which would otherwise sit between StartJobRun and RUNNING.
        import pyarrow  # noqa: F401

        from glueworks.runtime import context as _context  # noqa: F401
        from glueworks.runtime import script_runner as _runner  # noqa: F401
        from glueworks.runtime.executors import ray as _ray_executor  # noqa: F401

        with contextlib.suppress(ImportError):  # the SDK (httpx) the catalog client uses: ~0.6 s, paid per run
            import glueworks.sdk  # noqa: F401
        run_at_normal_priority()

        self._done = threading.Event()
        self._outcome: DriverOutcome | None = None
        self._run_context: Any = None
        self._lock = threading.Lock()

    def ready(self) -> int:
        """Answers once the imports are done; returns the driver's process id."""
        return os.getpid()

    def begin(self, spec: DriverSpec) -> float:
        """Start the script on a thread and return the wall-clock time it started."""
        with self._lock:
            if self._run_context is not None:
                raise RuntimeError("a job driver runs exactly one job run")
            from glueworks.runtime.bookmarks import BookmarkSpec, RunBookmarks
            from glueworks.runtime.run_context import JobRunContext

            self._run_context = JobRunContext(
                run_id=spec.run_id,
                job_name=spec.job_name,
                attempt=spec.attempt,
                executor=spec.executor,
                max_parallelism=spec.max_parallelism,
                error_records_location=spec.error_records_location,
                storage_options=spec.storage_options,
                publish_by_platform=spec.platform_commit,
                # Beside the run's log, in the platform's run folder: read back to clean staging if this driver dies.
                staging_journal=_journal_path(spec.log_path),
                bookmarks=RunBookmarks(BookmarkSpec.from_dict(spec.bookmark)),
            )
        started = time.time()
        thread = threading.Thread(target=self._run, args=(spec, started), name=f"job-{spec.run_id}", daemon=True)
        thread.start()
        return started

    def wait(self) -> dict[str, Any]:
        """Block until the script has ended; return the outcome as a plain dict."""
        self._done.wait()
        assert self._outcome is not None
        return self._outcome.to_dict()

    def progress(self) -> dict[str, Any]:
        """The run's metrics so far (records read, written, errors, bytes)."""
        ctx = self._run_context
        return {} if ctx is None else dict(ctx.metrics.snapshot())

    def _run(self, spec: DriverSpec, started: float) -> None:
        from glueworks.runtime.errors import ScriptFailedError
        from glueworks.runtime.run_context import activate
        from glueworks.runtime.script_runner import run_script

        outcome = DriverOutcome(state="FAILED", started_at=started)
        _redirect_output(spec.log_path)
        try:
            with activate(self._run_context), _catalog_scope(spec):
                try:
                    run_script(spec.script_path, spec.argv)
                    outcome.state = "SUCCEEDED"
                except SystemExit as exc:  # sys.exit() in a script: status 0 is success, as in Glue
                    if exc.code in (None, 0):
                        outcome.state = "SUCCEEDED"
                    else:
                        outcome.error_message = f"SystemExit: script exited with status {exc.code}"
                except ScriptFailedError as exc:
                    outcome.error_message = str(exc)
                    # The user's traceback goes to the run log; the summary goes to ErrorMessage.
                    traceback.print_exception(exc.__cause__ or exc)
                    sys.stderr.write(f"[glueworks] run {spec.run_id} failed: {exc}\n")
                except BaseException as exc:  # a bug of ours: never lose it
                    outcome.error_message = f"InternalError: {type(exc).__name__}: {exc}"
                    traceback.print_exc()
                finally:
                    try:
                        # Staged output becomes visible only if the script succeeded; else it is removed.
                        outcome.metrics = dict(self._run_context.finish(succeeded=outcome.state == "SUCCEEDED"))
                        if outcome.state == "SUCCEEDED":
                            outcome.outputs = [m.to_dict() for m in self._run_context.manifests]
                            outcome.bookmark = self._run_context.bookmark_update()
                    except Exception as exc:  # writing error records failed: the run cannot be trusted
                        outcome.state = "FAILED"
                        outcome.error_message = (
                            f"could not commit output or save error records: {type(exc).__name__}: {exc}"
                        )
                        outcome.metrics = dict(self._run_context.metrics.snapshot())
        finally:
            outcome.ended_at = time.time()
            sys.stdout.flush()
            sys.stderr.flush()
            self._outcome = outcome
            self._done.set()


def _catalog_scope(spec: DriverSpec) -> contextlib.AbstractContextManager[object]:
    """Make the platform's catalog the script's (``from_catalog``), when the spec names one."""
    if not spec.catalog_url:
        return contextlib.nullcontext()
    from glueworks.runtime.catalog_client import HttpCatalogClient, use_catalog

    return use_catalog(HttpCatalogClient(spec.catalog_url, spec.catalog_token))


def _journal_path(log_path: str) -> str | None:
    return os.path.join(os.path.dirname(log_path), "staging.jsonl") if log_path else None


def _redirect_output(log_path: str) -> None:
    """Send this process's stdout and stderr (file descriptors 1 and 2) to the run's log file.

    The driver process belongs to one run, so redirecting the whole process is safe, and it also captures
    output of native code and subprocesses, which a ``sys.stdout`` swap would miss.
    """
    path = Path(log_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
