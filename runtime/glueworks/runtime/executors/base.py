"""The executor contract: run a plan's splits as tasks, fetch blocks, write them to a sink.

Executors differ only in where work runs; results are in split order whatever order tasks
finish in, so every executor gives identical frames. Conformance tests run every executor
through the same transform tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.error_spool import ErrorChain
from glueworks.runtime.executors.pipeline import SplitMeta
from glueworks.runtime.locations import Location
from glueworks.runtime.plan import BlockOp
from glueworks.runtime.schema import merge_schemas
from glueworks.runtime.sinks.base import Sink, WriteResult
from glueworks.runtime.sources import Split

#: Called in the driver as each split task finishes (progress: metrics grow as work completes).
OnSplitDone = Callable[[SplitMeta], None]


@dataclass
class Executed:
    """A plan that ran: per-split metadata plus executor-specific handles to the blocks.

    Attributes:
        metas: One entry per part, in part order.
        parts: One handle per part to its list of blocks (a list locally, a Ray ObjectRef on Ray).
        inherited: Error records of the inputs of a stage (a join, a union), which flow through
            to the frame it makes; the parts' own errors are in `metas`.
        inputs: What each input of that stage reported (in the order of the stage's children,
            without block handles), so error thresholds below the stage can be checked.
    """

    metas: list[SplitMeta]
    parts: list[Any]
    inherited: Sequence[ErrorRecord] = field(default=())
    inputs: tuple[Executed, ...] = field(default=())

    def summary(self) -> Executed:
        """This result without its block handles (kept as a stage's input: holds no blocks)."""
        return replace(self, parts=[])

    def passed_through(self) -> Executed:
        """These parts as the output of a stage that makes no error records (a union, a spigot).

        The errors so far move to `inherited`, and each part's per-stage error counts restart
        at that stage (see `glueworks.runtime.thresholds`).
        """
        metas = [replace(meta, errors=(), stage_errors=(0,)) for meta in self.metas]
        return Executed(metas=metas, parts=list(self.parts), inherited=self.errors, inputs=(self.summary(),))

    @property
    def schema(self) -> pa.Schema:
        """The merge of every block schema (the frame schema)."""
        return merge_block_schemas(self.block_schemas)

    @property
    def block_schemas(self) -> tuple[pa.Schema, ...]:
        """The schema of every block, in part order (small: no data)."""
        return tuple(schema for meta in self.metas for schema in meta.schemas)

    @property
    def num_rows(self) -> int:
        """Rows over all blocks."""
        return sum(meta.num_rows for meta in self.metas)

    @property
    def num_bytes(self) -> int:
        """Arrow bytes over all blocks."""
        return sum(meta.num_bytes for meta in self.metas)

    @property
    def errors(self) -> ErrorChain:
        """Error records of the inputs, then of every part, in part order (read lazily: counting them reads
        nothing)."""
        return ErrorChain([self.inherited, *(meta.errors for meta in self.metas)])


def merge_block_schemas(schemas: Iterable[pa.Schema]) -> pa.Schema:
    """``merge_schemas(schemas)``, without merging again schemas that cannot change the result.

    Most blocks of a frame share one schema. `merge_schemas` is a left fold whose every merged
    field is nullable, so merging the running result with the next schema is the fold one step
    further. When a schema leaves the running result unchanged, an equal schema (metadata
    included) would too, so it is skipped until the result changes again. Same result, but
    16 blocks of one schema cost three merges, not sixteen.
    """
    merged: pa.Schema | None = None
    absorbed: list[pa.Schema] = []
    for schema in schemas:
        if merged is None:
            merged = merge_schemas([schema])
            continue
        if any(schema is seen or schema.equals(seen, check_metadata=True) for seen in absorbed):
            continue
        step = merge_schemas([merged, schema])
        if step.equals(merged, check_metadata=True):
            absorbed.append(schema)
        else:
            merged, absorbed = step, []
    return merge_schemas([]) if merged is None else merged


#: Arrow bytes up to which a join's smaller input is broadcast to every join task instead of both
#: inputs being shuffled (Spark's ``autoBroadcastJoinThreshold`` plays this part; it counts file bytes).
#: Each join task then holds the whole smaller input and its hash table, so this bounds a task's extra
#: memory: at the ~3M-event benchmark a broadcast 51 MB side raised the 2-worker peak PSS by ~0.5 GB.
BROADCAST_JOIN_BYTES = 32 * 1024 * 1024

#: Arrow (in-memory) bytes a writer feeds one set of files before it rolls to new ones. Snappy
#: Parquet of typical event data is 3-4x smaller, so files come out near 128 MiB.
TARGET_FILE_BYTES = 512 * 1024 * 1024


def check_target_file_bytes(value: int | None) -> int:
    """`value`, or the default when None.

    Raises:
        ValueError: Not a positive integer.
    """
    if value is None:
        return TARGET_FILE_BYTES
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"target_file_bytes: must be an integer >= 1, got {value!r}")
    return value


class Executor(ABC):
    """Runs plans. Subclasses decide where tasks run; every method preserves split order.

    Attributes:
        max_parallelism: Tasks in flight at once (the run's capacity); also the number of
            writer tasks of a write and what input splitting sizes splits by.
        target_file_bytes: Arrow bytes a writer puts in one set of files before it rolls.
        broadcast_join_bytes: A join whose smaller input holds at most this many Arrow bytes
            broadcasts it rather than shuffling both (see `glueworks.runtime.executors.stages`);
            -1 shuffles every join.
        align_staged_joins: Join two Relationalize tables on a key that links them part with part
            (no shuffle, no broadcast); False treats such a join as any other.
    """

    max_parallelism: int
    target_file_bytes: int
    broadcast_join_bytes: int = BROADCAST_JOIN_BYTES
    align_staged_joins: bool = True

    def check_location(self, location: Location, option: str) -> None:
        """Refuse, before any I/O, a location this executor's tasks cannot reach (the local executor reaches all).

        Raises:
            InvalidOptionError: The location is out of the tasks' reach; the message names `option`.
        """
        return None

    @abstractmethod
    def execute(self, splits: Sequence[Split], ops: tuple[BlockOp, ...], on_done: OnSplitDone) -> Executed:
        """Run one fused task per split; call `on_done` in the calling thread as each finishes.

        Raises:
            Exception: The first error a task raised (I/O errors included), after the
                remaining tasks are cancelled.
        """

    @abstractmethod
    def run_tasks(
        self, fn: Callable[..., tuple[Any, ...]], calls: Iterable[Sequence[Any]], num_outputs: int
    ) -> list[tuple[Any, list[Any]]]:
        """Run ``fn(*call)`` as one task per call, at most `max_parallelism` at a time.

        `calls` may be an iterator: a call is taken when a task slot is free and let go once its
        task is submitted, so a handle only it holds is freed as soon as that task is done.

        `fn` must be a module-level function (it travels to Ray workers) returning a tuple of
        ``1 + num_outputs`` items: a small metadata value, which comes back to the caller, and
        `num_outputs` outputs, which stay where the task ran and come back as handles. A handle
        passed as a top-level item of a call arrives in the task as its value. Stages
        (joins, shuffles) are built from these calls, so they run alike on every executor.

        Returns:
            ``(meta, [handle, ...])`` per call, in call order.

        Raises:
            Exception: The first error a task raised, after the remaining tasks are cancelled.
        """

    @property
    @abstractmethod
    def shuffle_partitions(self) -> int:
        """Fewest buckets a hash shuffle (join, merge) cuts its inputs into."""

    def shuffle_buckets(self, num_bytes: int) -> int:
        """Buckets for a shuffle of `num_bytes` Arrow bytes (both inputs): `shuffle_partitions` or more."""
        return self.shuffle_partitions

    @abstractmethod
    def fetch(self, parts: Sequence[Any]) -> list[list[pa.Table]]:
        """Bring the blocks of each part to the caller."""

    @abstractmethod
    def part_loader(self) -> Callable[[Any], list[pa.Table]]:
        """A module-level function that turns a part handle into its blocks inside a task."""

    def write(self, parts: Sequence[Any], schema: pa.Schema, sink: Sink) -> list[WriteResult]:
        """Write parts to `sink` with at most `max_parallelism` writer tasks (rolling files).

        Each writer takes a contiguous run of parts and makes about one file per partition
        (see `glueworks.runtime.executors.writing`); results in writer, then roll order.
        """
        from glueworks.runtime.executors.writing import write_parts

        return write_parts(self, parts, schema, sink)
