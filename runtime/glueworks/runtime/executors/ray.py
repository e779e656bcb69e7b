"""The Ray executor: one Ray task per input split with the per-block pipeline fused into it.

At most `max_parallelism` tasks are in flight (backpressure: the next task is submitted only
when one finishes), each asking for one CPU, so a run never uses more CPUs than its capacity.
Each split task returns two objects: a small `SplitMeta` (counts, schemas, error records),
fetched at once so metrics grow as tasks finish, and its blocks, which stay in the object store
(spilling to disk, never through the driver) until a later stage uses them. A write of a chain
over a leaf keeps no blocks at all: its writer tasks read, transform and write in one task
(`glueworks.runtime.executors.writing`). Ray reruns a task whose worker died up to
`TASK_MAX_RETRIES` times; writes are idempotent (a retried writer rewrites the same staged files).

Ray is imported and connected on first use, not at import: ``ray.init()`` with no arguments
joins the cluster named by ``RAY_ADDRESS`` or starts a local one. ``memory://`` paths are refused
(`RayExecutor.check_location`): each Ray worker has its own memory filesystem.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.executors.base import Executed, Executor, OnSplitDone, check_target_file_bytes
from glueworks.runtime.executors.pipeline import (
    SplitMeta,
    disable_transparent_huge_pages,
    freeze_imported_objects,
    release_arrow_memory,
    run_split,
)
from glueworks.runtime.locations import Location
from glueworks.runtime.plan import BlockOp
from glueworks.runtime.sources import Split
from glueworks.runtime.splitting import TASKS_PER_WORKER

#: Times Ray reruns a task whose worker process died (a crash, an OOM kill, a lost node).
#: Application errors are never retried: they fail the run at once.
TASK_MAX_RETRIES = 3
#: Arrow bytes a shuffle bucket is sized for (both inputs): the memory of joining one bucket stays flat as the
#: input grows. By bytes, not rows: a bucket of narrow key columns may hold millions of rows. Small, because a
#: written join's writers join their buckets one after another, so more buckets cost no more tasks (at the
#: ~3M-event benchmark, 64 MiB buckets peaked at ~1.6 GB PSS, 8 MiB ones at ~1.4 GB; each bucket is still one
#: more object per map task in the store).
BYTES_PER_BUCKET = 8 * 1024 * 1024


def _prepare_worker() -> None:
    """Once a task worker process (no-ops after its first task or its prime): see each function."""
    freeze_imported_objects()
    disable_transparent_huge_pages()


def _split_task(index: int, split: Split, ops: tuple[BlockOp, ...]) -> tuple[SplitMeta, list[pa.Table]]:
    _prepare_worker()
    result = run_split(index, split, ops)
    release_arrow_memory()
    return result


def _call_task(fn: Any, *args: Any) -> Any:
    _prepare_worker()
    result = fn(*args)
    release_arrow_memory()
    return result


def load_part(handle: Any) -> list[pa.Table]:
    """Inside a task: the blocks behind a part's object ref (fetched when the task needs them)."""
    import ray

    return list(ray.get(handle))


def prime_task_workers(count: int, after: Sequence[Any] = ()) -> list[Any]:
    """Leave `count` idle task workers with this module (and what split tasks import) loaded.

    Ray starts task workers lazily and each imports glueworks on its first task (~1 s on a small
    box); a platform primes them before runs are submitted, so a run does not pay that. Each prime
    holds its worker for `PRIME_HOLD_SECONDS` so the primes land on distinct processes.

    Args:
        count: Workers to prime (one per CPU for a whole node).
        after: Object refs the primes wait for (e.g. actors that must take their processes first).

    Returns:
        The primes' refs (each gives its worker's pid); not awaited here.
    """
    prime = _remote_functions()[2]
    return [prime.remote(*after) for _ in range(count)]


#: Seconds a priming task holds its worker (see `prime_task_workers`).
PRIME_HOLD_SECONDS = 0.5


def _prime_task(*_after: Any) -> int:
    # Running here is the point: Ray imported this module (and the runtime) into the worker to call it.
    _prepare_worker()
    time.sleep(PRIME_HOLD_SECONDS)
    return os.getpid()


@functools.cache
def _remote_functions() -> tuple[Any, Any, Any]:
    import ray

    # One CPU per task, so tasks in flight (at most max_parallelism) bound the CPUs a run uses.
    split_fn = ray.remote(num_returns=2, num_cpus=1, max_retries=TASK_MAX_RETRIES, retry_exceptions=False)
    call_fn = ray.remote(num_cpus=1, max_retries=TASK_MAX_RETRIES, retry_exceptions=False)
    prime_fn = ray.remote(num_cpus=1, max_retries=0)  # one CPU like a split task: one prime per worker process
    return split_fn(_split_task), call_fn(_call_task), prime_fn(_prime_task)


class RayExecutor(Executor):
    """Runs each split's fused pipeline as a Ray task, `max_parallelism` at a time."""

    def __init__(self, max_parallelism: int = 2, target_file_bytes: int | None = None) -> None:
        if not isinstance(max_parallelism, int) or max_parallelism < 1:
            raise ValueError(f"max_parallelism: must be an integer >= 1, got {max_parallelism!r}")
        self.max_parallelism = max_parallelism
        self.target_file_bytes = check_target_file_bytes(target_file_bytes)

    def __repr__(self) -> str:
        return f"RayExecutor(max_parallelism={self.max_parallelism})"

    @staticmethod
    def _ray() -> Any:
        import ray

        if not ray.is_initialized():
            ray.init()
        return ray

    def check_location(self, location: Location, option: str) -> None:
        """``memory://`` is refused: it lives in one process, and Ray's tasks run in other ones (each would read an
        empty filesystem of its own, and write where the driver never looks)."""
        if location.protocol == "memory":
            raise InvalidOptionError(
                option,
                f"{location.url} is in this process's memory, which Ray's worker processes cannot see: use an s3:// "
                "URL or a local path, or the local executor",
            )

    def execute(self, splits: Sequence[Split], ops: tuple[BlockOp, ...], on_done: OnSplitDone) -> Executed:
        """Submit one task per split, keeping at most `max_parallelism` in flight."""
        ray = self._ray()
        # Named by their ops, so the Ray dashboard and timeline say what each task does.
        split_fn = _remote_functions()[0].options(name=_task_name(ops))
        ops_ref = ray.put(ops)
        metas: list[SplitMeta | None] = [None] * len(splits)
        parts: list[Any] = [None] * len(splits)
        pending: dict[Any, int] = {}
        # On a failure the tasks still in flight are left to finish: ray.cancel on a task whose
        # result is being completed can abort the whole process (a Ray task-manager check), which
        # is far worse than a few wasted task-seconds.
        for index, split in enumerate(splits):
            finished = self._free_slot(ray, pending)
            meta_ref, blocks_ref = split_fn.remote(index, split, ops_ref)
            pending[meta_ref] = index
            parts[index] = blocks_ref
            for done, ref in finished:
                metas[done] = meta = _get(ray, ref)
                on_done(meta)
        while pending:
            done, meta = self._next(ray, pending)
            metas[done] = meta
            on_done(meta)
        return Executed(metas=[m for m in metas if m is not None], parts=parts)

    @property
    def shuffle_partitions(self) -> int:
        """A few buckets per task slot, so one slow bucket does not idle the others."""
        return self.max_parallelism * TASKS_PER_WORKER

    def shuffle_buckets(self, num_bytes: int) -> int:
        """Enough buckets that each holds about `BYTES_PER_BUCKET` at most: a bucket is joined in one task."""
        return max(self.shuffle_partitions, -(-num_bytes // BYTES_PER_BUCKET))

    def run_tasks(
        self, fn: Callable[..., tuple[Any, ...]], calls: Iterable[Sequence[Any]], num_outputs: int
    ) -> list[tuple[Any, list[Any]]]:
        """One Ray task per call; its outputs stay in the object store, only metadata comes back."""
        ray = self._ray()
        call_fn = _remote_functions()[1].options(num_returns=1 + num_outputs, name=getattr(fn, "__name__", "task"))
        by_index: dict[int, Any] = {}
        outputs: list[list[Any]] = []
        pending: dict[Any, int] = {}
        for index, call in enumerate(calls):
            finished = self._free_slot(ray, pending)
            refs = call_fn.remote(fn, *call)
            if not num_outputs:
                refs = [refs]  # one return value comes back as a single ref
            pending[refs[0]] = index
            outputs.append(list(refs[1:]))
            for done, ref in finished:
                by_index[done] = _get(ray, ref)
        call = ()  # the last call's handles are its task's to hold now (see `Executor.run_tasks`)
        while pending:
            done, meta = self._next(ray, pending)
            by_index[done] = meta
        metas = [by_index[index] for index in range(len(outputs))]
        if not num_outputs:
            # With one return value Ray stores the whole ``(meta,)`` tuple.
            metas = [meta[0] for meta in metas]
        return list(zip(metas, outputs, strict=True))

    def fetch(self, parts: Sequence[Any]) -> list[list[pa.Table]]:
        """Fetch the blocks of every part from the object store."""
        ray = self._ray()
        return [list(blocks) for blocks in _get(ray, list(parts))]

    def part_loader(self) -> Callable[[Any], list[pa.Table]]:
        """Parts are object refs: a task fetches each when it reaches it."""
        return load_part

    def _free_slot(self, ray: Any, pending: dict[Any, int]) -> list[tuple[int, Any]]:
        """Wait until fewer than `max_parallelism` tasks are in flight; the (index, ref) of those that ended.

        Their results are fetched once the next task is submitted: a meta holding thousands of error
        records takes the driver ~0.1 s to unpickle, and the worker that just finished would sit idle
        meanwhile. A task that failed raises then, after one more task was submitted.
        """
        finished = []
        while len(pending) >= self.max_parallelism:
            finished.append(_ended(ray, pending))
        return finished

    @staticmethod
    def _next(ray: Any, pending: dict[Any, int]) -> tuple[int, Any]:
        index, ref = _ended(ray, pending)
        return index, _get(ray, ref)


def _ended(ray: Any, pending: dict[Any, int]) -> tuple[int, Any]:
    """Wait for one task of `pending` to end; its index and ref, taken out of `pending` (result not fetched)."""
    ready, _ = ray.wait(list(pending), num_returns=1)
    return pending.pop(ready[0]), ready[0]


def _task_name(ops: tuple[BlockOp, ...]) -> str:
    return "read" + "".join(f"+{type(op).__name__}" for op in ops)


def _get(ray: Any, refs: Any) -> Any:
    """`ray.get`, re-raising a task's own exception (not Ray's wrapper) so callers see e.g.
    `FileNotFoundError` exactly as the local executor raises it."""
    try:
        return ray.get(refs)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise
