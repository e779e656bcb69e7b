"""The local executor: tasks on a thread pool in this process (pyarrow releases the GIL).

The pool is made on first use and kept for later actions (a script runs many), so an action
does not pay for starting threads; `close` (or leaving a ``with`` block) shuts it down, and a
collected executor's idle threads exit on their own. With one worker, or one task, tasks run in
the calling thread: a pool would only add hand-offs between threads.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import pyarrow as pa

from glueworks.runtime.executors.base import Executed, Executor, OnSplitDone, check_target_file_bytes
from glueworks.runtime.executors.pipeline import SplitMeta, run_split
from glueworks.runtime.plan import BlockOp
from glueworks.runtime.sources import Split

_T = TypeVar("_T")

# Set in pool threads: a task that runs an action itself (a plan inside a user function) runs
# it inline, as waiting for a pool thread from a pool thread could wait forever.
_in_pool = threading.local()


class LocalExecutor(Executor):
    """Runs each split's fused pipeline on a pool of `max_parallelism` threads.

    Blocks stay in this process's memory between stages. The thread pool lives until `close`;
    an executor is also a context manager that closes it.
    """

    def __init__(self, max_parallelism: int = 2, target_file_bytes: int | None = None) -> None:
        if not isinstance(max_parallelism, int) or max_parallelism < 1:
            raise ValueError(f"max_parallelism: must be an integer >= 1, got {max_parallelism!r}")
        self.max_parallelism = max_parallelism
        self.target_file_bytes = check_target_file_bytes(target_file_bytes)
        self._pool: cf.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # A copy (pickle, deepcopy) gets a pool of its own when it first runs.
        return {"max_parallelism": self.max_parallelism, "target_file_bytes": self.target_file_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_parallelism"], state.get("target_file_bytes"))  # type: ignore[misc]

    def close(self) -> None:
        """Shut the thread pool down, waiting for running tasks; a later action starts a new one."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    @property
    def pool_open(self) -> bool:
        """Whether a thread pool is running (made by the first action that needs one)."""
        return self._pool is not None

    def __repr__(self) -> str:
        return f"LocalExecutor(max_parallelism={self.max_parallelism})"

    def execute(self, splits: Sequence[Split], ops: tuple[BlockOp, ...], on_done: OnSplitDone) -> Executed:
        """Run one task per split on the pool; `on_done` runs in this thread."""
        results = self._run_all(
            [functools.partial(run_split, i, split, ops) for i, split in enumerate(splits)],
            lambda result: on_done(result[0]),
        )
        metas: list[SplitMeta] = [meta for meta, _ in results]
        parts: list[Any] = [blocks for _, blocks in results]
        return Executed(metas=metas, parts=parts)

    @property
    def shuffle_partitions(self) -> int:
        """One bucket: in one process a single pyarrow join over all blocks is the fastest."""
        return 1

    def run_tasks(
        self, fn: Callable[..., tuple[Any, ...]], calls: Iterable[Sequence[Any]], num_outputs: int
    ) -> list[tuple[Any, list[Any]]]:
        """Run each call on the pool; outputs are the values themselves."""

        def task(call: Sequence[Any]) -> tuple[Any, list[Any]]:
            result = fn(*call)
            if not isinstance(result, tuple) or len(result) != 1 + num_outputs:
                raise TypeError(f"{fn.__name__} must return a tuple of {1 + num_outputs} items")
            return result[0], list(result[1:])

        return self._run_all([functools.partial(task, call) for call in calls], lambda _: None)

    def fetch(self, parts: Sequence[Any]) -> list[list[pa.Table]]:
        """The blocks are already here."""
        return [list(blocks) for blocks in parts]

    def part_loader(self) -> Callable[[Any], list[pa.Table]]:
        """Parts are lists of blocks already."""
        return list

    def _run_all(self, tasks: list[Callable[[], _T]], on_result: Callable[[_T], None]) -> list[_T]:
        if not tasks:
            return []
        if self.max_parallelism == 1 or len(tasks) == 1 or getattr(_in_pool, "active", False):
            return self._run_inline(tasks, on_result)
        results: dict[int, _T] = {}
        pool = self._get_pool()
        # Each task runs in a copy of the caller's context, so it sees the caller's run (`current_context`)
        # even when other runs are active in this process.
        futures = {
            pool.submit(contextvars.copy_context().run, _pool_task, task): index for index, task in enumerate(tasks)
        }
        try:
            for future in cf.as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                on_result(result)
        except BaseException:
            for future in futures:
                future.cancel()
            # As before the pool was shared: the call returns only when none of its tasks runs.
            cf.wait(futures)
            raise
        return [results[index] for index in range(len(tasks))]

    @staticmethod
    def _run_inline(tasks: list[Callable[[], _T]], on_result: Callable[[_T], None]) -> list[_T]:
        results = []
        for task in tasks:
            result = task()
            results.append(result)
            on_result(result)
        return results

    def _get_pool(self) -> cf.ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = cf.ThreadPoolExecutor(max_workers=self.max_parallelism, thread_name_prefix="glueworks")
            return self._pool


def _pool_task(task: Callable[[], _T]) -> _T:
    _in_pool.active = True
    try:
        return task()
    finally:
        _in_pool.active = False
