"""The job run context: the seam between the platform's job driver and the runtime.

The driver builds a `JobRunContext`, activates it, runs the user script, and calls `finish`::

    ctx = JobRunContext(run_id="jr_1", job_name="etl", attempt=1, executor="ray",
                        max_parallelism=4, error_records_location="s3://b/errors/jr_1.jsonl")
    with activate(ctx):
        try:
            run_script("job.py", argv)
        except ScriptFailedError:
            ctx.finish(succeeded=False)
            raise
    snapshot = ctx.finish()

A `GlueContext` built by the script picks up the active context (executor, metrics). Inside a
job, output is staged and only made visible by ``finish(succeeded=True)``, so a failed script
leaves no output. Outside a job a `GlueContext` makes its own context that commits each write
at once.

Two-phase commit (platform runs, ``publish_by_platform=True``): ``finish(succeeded=True)`` does
not publish; it writes each output's manifest into staging and keeps the manifests (`manifests`),
which the driver returns to the platform. The platform records the run SUCCEEDED, the outputs and
the new bookmark in one transaction, then publishes (see `glueworks.runtime.commit_log`).
`staging_journal` names a local file where the folder of every staged write is noted before any
file is written, so the platform can remove staging of a run whose driver died.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from glueworks.runtime.bookmarks import RunBookmarks
from glueworks.runtime.commit_log import OutputManifest
from glueworks.runtime.error_records import ErrorRecord, json_lines
from glueworks.runtime.error_spool import ErrorBatch, ErrorSpool, as_batch, distinct_records
from glueworks.runtime.locations import parse_location
from glueworks.runtime.metrics import RunMetrics
from glueworks.runtime.sinks.base import CommitResult, Sink, WriteResult

_log = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")
_UNSAFE_TOKEN = re.compile(r"[^A-Za-z0-9_.-]")
#: Error records per write to the run's error file.
_WRITE_ROWS = 4096

_CURRENT: contextvars.ContextVar[JobRunContext | None] = contextvars.ContextVar(
    "glueworks_job_run_context", default=None
)
# Threads do not inherit context variables; a job process runs one job, so code in a thread
# the script starts (or a driver running the script in a thread) falls back to this stack.
_PROCESS_STACK: list[JobRunContext] = []
_PROCESS_LOCK = threading.Lock()


@dataclass
class _PendingOutput:
    sink: Sink
    results: tuple[WriteResult, ...]


@dataclass
class _RunState:
    """Mutable bookkeeping of a run, guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    error_batches: list[ErrorBatch] = field(default_factory=list)
    stage_digests: set[bytes] = field(default_factory=set)
    spool: ErrorSpool = field(default_factory=ErrorSpool)
    splits_seen: set[str] = field(default_factory=set)
    pending: list[_PendingOutput] = field(default_factory=list)
    final: dict[str, Any] | None = None
    job_committed: bool = False
    manifests: list[OutputManifest] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)


@dataclass(eq=False)
class JobRunContext:
    """Everything the runtime needs to know about the run it is part of.

    Attributes:
        run_id: The run's id (used in staging and output file names).
        job_name: The job's name.
        attempt: Attempt number, from 0 (Glue counts attempts from 0).
        executor: ``"local"`` (threads in this process) or ``"ray"``.
        max_parallelism: Tasks in flight at once, from the run's capacity.
        error_records_location: fsspec URL where `finish` writes the run's error records as JSON
            lines: a URL ending in ``.json``/``.jsonl`` is the file itself; any other URL is a folder,
            which gets ``<run_id>-<attempt>.jsonl``. None only counts them.
        metrics: The run's counters.
        storage_options: Filesystem options per protocol (``{"s3": {"endpoint_url": …}}``).
        defer_commit: Stage output until `finish` (True inside a job); False commits each write
            at once.
        publish_by_platform: With `defer_commit`, `finish` only prepares each output (manifest)
            and leaves publication to the platform.
        staging_journal: Local file that gets the staging URL of each write before it starts.
        bookmarks: The run's job bookmarks (disabled by default).
    """

    run_id: str
    job_name: str
    attempt: int
    executor: str
    max_parallelism: int
    error_records_location: str | None
    metrics: RunMetrics = field(default_factory=RunMetrics)
    storage_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    defer_commit: bool = True
    publish_by_platform: bool = False
    staging_journal: str | None = None
    bookmarks: RunBookmarks = field(default_factory=RunBookmarks)
    _state: _RunState = field(default_factory=_RunState, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.run_id, str) or not self.run_id.strip():
            raise ValueError("run_id: must be a non-empty string")
        if self.executor not in EXECUTORS:
            raise ValueError(f"executor: must be one of {EXECUTORS}, got {self.executor!r}")
        if not isinstance(self.attempt, int) or self.attempt < 0:
            raise ValueError(f"attempt: must be an integer >= 0, got {self.attempt!r}")
        if not isinstance(self.max_parallelism, int) or self.max_parallelism < 1:
            raise ValueError(f"max_parallelism: must be an integer >= 1, got {self.max_parallelism!r}")
        if self.error_records_location is not None:
            parse_location(self.error_records_location, "error_records_location", self.storage_options)

    @classmethod
    def standalone(cls, *, executor: str = "local", max_parallelism: int = 2) -> JobRunContext:
        """A context for use outside a job: own metrics, each write committed at once."""
        return cls(
            run_id=f"local-{uuid.uuid4().hex[:12]}",
            job_name="",
            attempt=0,
            executor=executor,
            max_parallelism=max_parallelism,
            error_records_location=None,
            defer_commit=False,
        )

    @property
    def error_spool(self) -> ErrorSpool:
        """Where this run's error records wait for `finish` (a local file), so the driver holds only counts."""
        return self._state.spool

    @property
    def run_token(self) -> str:
        """``<run_id>-<attempt>`` made safe for file names."""
        return f"{_UNSAFE_TOKEN.sub('_', self.run_id)}-{self.attempt}"

    # --- called by the runtime --------------------------------------------------------

    def record_split(self, split_id: str, records_read: int, bytes_read: int, errors: Sequence[ErrorRecord]) -> None:
        """Count a finished input split: reads once per split per run, its error records once.

        The records go to the run's spool file (`error_spool`), not to memory. A stage's records equal to
        ones recorded before (the same split read by another action: its read errors) count nothing; the
        rare record met again in other company (a transform's, after other transforms) counts until
        `finish`, which counts the distinct records exactly.
        """
        batch = as_batch(errors)
        stages = batch.stage_digests() if len(batch) else {}
        with self._state.lock:
            first = split_id not in self._state.splits_seen
            self._state.splits_seen.add(split_id)
            new = {digest for digest, _ in stages.values()} - self._state.stage_digests
            self._state.stage_digests |= new
            new_errors = sum(count for digest, count in stages.values() if digest in new)
        if new_errors:
            batch = self.error_spool.keep(batch)
            with self._state.lock:
                self._state.error_batches.append(batch)
        if first:
            self.metrics.add(records_read=records_read, bytes_read=bytes_read, error_records=new_errors)
        else:
            self.metrics.add(error_records=new_errors)

    def output_started(self, sink: Sink) -> None:
        """Note a write's staging folder in the journal before any file of it is written."""
        url = sink.staging_url()
        if self.staging_journal is None or url is None:
            return
        with self._state.lock, open(self.staging_journal, "a", encoding="utf-8") as journal:
            journal.write(json.dumps({"staging": url}) + "\n")
            journal.flush()

    @property
    def manifests(self) -> list[OutputManifest]:
        """Outputs prepared by `finish` for the platform to publish (two-phase runs)."""
        with self._state.lock:
            return list(self._state.manifests)

    def output_written(self, sink: Sink, results: Iterable[WriteResult]) -> CommitResult | None:
        """Commit a finished write now, or keep it for `finish` when commits are deferred."""
        pending = _PendingOutput(sink, tuple(results))
        if self.defer_commit:
            with self._state.lock:
                self._state.pending.append(pending)
            return None
        return self._commit(pending)

    def mark_job_committed(self) -> None:
        """Note that the script called ``Job.commit()``."""
        with self._state.lock:
            self._state.job_committed = True

    @property
    def job_committed(self) -> bool:
        """Whether the script called ``Job.commit()``."""
        with self._state.lock:
            return self._state.job_committed

    def bookmark_update(self) -> dict[str, Any] | None:
        """What the platform saves: ``{"version": <the version the run started from>, "state": {...}}``.

        None unless bookmarks are enabled and the script called ``Job.commit()`` (Glue's rule).
        """
        state = self.bookmarks.new_state() if self.job_committed else None
        return None if state is None else {"version": self.bookmarks.spec.version, "state": state}

    @property
    def error_records(self) -> list[ErrorRecord]:
        """Distinct error records collected so far, sorted (by file, line, stage, reason, raw text)."""
        with self._state.lock:
            batches = list(self._state.error_batches)
        return list(distinct_records(batches))

    def _commit(self, pending: _PendingOutput) -> CommitResult:
        if self.publish_by_platform:
            manifest = pending.sink.prepare_commit(pending.results)
            if manifest is not None:
                with self._state.lock:
                    self._state.manifests.append(manifest)
                self.metrics.add(
                    records_written=manifest.records, bytes_written=manifest.size, files_written=len(manifest.files)
                )
                self.metrics.add_output_location(manifest.location)
                return CommitResult(manifest.location, (), manifest.records, manifest.size)
        result = pending.sink.commit(pending.results)
        self.metrics.add(records_written=result.records, bytes_written=result.size, files_written=len(result.files))
        self.metrics.add_output_location(result.location)
        return result

    def add_cleanup(self, cleanup: Callable[[], None]) -> None:
        """Have `finish` call `cleanup` (end-of-run work such as removing staged files).

        Cleanups run last, in the order added, whether the run succeeded or not; one that raises
        is logged and does not stop the others.
        """
        with self._state.lock:
            self._state.cleanups.append(cleanup)

    # --- called by the driver ---------------------------------------------------------

    def abort_outputs(self) -> None:
        """Remove every staged output that was not committed yet."""
        with self._state.lock:
            pending, self._state.pending = self._state.pending, []
        for item in pending:
            item.sink.abort()

    def finish(self, *, succeeded: bool = True) -> dict[str, Any]:
        """End the run: commit staged output (or abort it), write error records, report metrics.

        Calling it again returns the same snapshot without doing anything.

        Args:
            succeeded: False aborts staged output instead of committing it.

        Returns:
            The final metrics snapshot, plus ``error_records_location``: the URL of the file the
            error records were written to, or None when there were none (or no location).

        Raises:
            OSError: Committing output or writing the error records failed; staged output that
                was not committed yet is removed first.
        """
        with self._state.lock:
            if self._state.final is not None:
                return dict(self._state.final)
        try:
            if succeeded:
                while True:
                    with self._state.lock:
                        if not self._state.pending:
                            break
                        pending = self._state.pending.pop(0)
                    try:
                        self._commit(pending)
                    except BaseException:
                        pending.sink.abort()
                        self._discard_manifests()
                        raise
        finally:
            self.abort_outputs()
            try:
                errors_url = self._write_error_records()
            finally:
                self._run_cleanups()
                self.error_spool.close()
        snapshot = {**self.metrics.snapshot(), "error_records_location": errors_url}
        with self._state.lock:
            self._state.final = snapshot
        return dict(snapshot)

    def _run_cleanups(self) -> None:
        with self._state.lock:
            cleanups, self._state.cleanups = self._state.cleanups, []
        for cleanup in cleanups:
            try:
                cleanup()
            except Exception:  # end-of-run work must not hide the run's own outcome
                _log.warning("run %s: a cleanup failed", self.run_id, exc_info=True)

    def _discard_manifests(self) -> None:
        """Remove staging of outputs already prepared (a later output failed: none may publish)."""
        from glueworks.runtime.commit_log import remove_staging

        with self._state.lock:
            manifests, self._state.manifests = self._state.manifests, []
        for manifest in manifests:
            location = parse_location(manifest.location, "output", self.storage_options)
            remove_staging(location.filesystem(), location.path, manifest.token)

    def _write_error_records(self) -> str | None:
        """Write the distinct error records (streamed from the spool, sorted) and make the metric exact."""
        with self._state.lock:
            batches = list(self._state.error_batches)
        records = distinct_records(batches)
        if self.error_records_location is None or not batches:
            self.metrics.settle_error_records(sum(1 for _ in records))
            return None
        location = parse_location(self.error_records_location, "error_records_location", self.storage_options)
        if not location.path.endswith((".json", ".jsonl")):
            location = location.child(f"{self.run_token}.jsonl")
        fs = location.filesystem()
        parent = location.path.rsplit("/", 1)[0]
        if parent:
            fs.makedirs(parent, exist_ok=True)
        # Tasks finish in any order; the file is sorted so it reads the same on every executor.
        written = 0
        with fs.open(location.path, "wb") as handle:
            while chunk := list(itertools.islice(records, _WRITE_ROWS)):
                handle.write(json_lines(self.run_id, chunk).encode("utf-8"))
                written += len(chunk)
        self.metrics.settle_error_records(written)
        return location.url


@contextlib.contextmanager
def activate(ctx: JobRunContext) -> Iterator[JobRunContext]:
    """Make `ctx` the current run context for the code inside the ``with`` block."""
    token = _CURRENT.set(ctx)
    with _PROCESS_LOCK:
        _PROCESS_STACK.append(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)
        with _PROCESS_LOCK:
            for index in range(len(_PROCESS_STACK) - 1, -1, -1):
                if _PROCESS_STACK[index] is ctx:
                    del _PROCESS_STACK[index]
                    break


def current_context() -> JobRunContext | None:
    """The active run context, or None outside a job.

    The context activated in this thread wins; in a thread with none, the one most recently
    activated in the process (and still active) is returned.
    """
    ctx = _CURRENT.get()
    if ctx is not None:
        return ctx
    with _PROCESS_LOCK:
        return _PROCESS_STACK[-1] if _PROCESS_STACK else None
