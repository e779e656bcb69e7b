"""Writes that scale: a few writer tasks per run, each streaming its input into rolling files.

A write runs as at most ``max_parallelism`` *writer tasks* (one per task slot), not one task
per block: each writer takes a contiguous run of the input (balanced by bytes) and streams it
block by block into `Sink.write_part` calls, so a partitioned write makes about one file per
partition per writer, not blocks x partitions. A writer *rolls* (starts new files, a new
`write_part` call) once the Arrow bytes it fed the current files pass ``target_file_bytes``
(Parquet comes out several times smaller than Arrow in memory, so files stay below it).

**Fused read → write.** When the frame is a chain of per-block operators over a leaf
(read → map → write, the common ETL job), nothing is materialised: each writer task reads its
splits one by one, runs the operators, and writes the blocks before reading the next split.
Memory per task is one split's blocks; the driver holds only small metadata.

The frame schema is the merge of every block's schema, which is only known once every split
was read. A fused writer therefore writes with the merge of the schemas *it* has seen (it rolls
when a new split brings a type its files cannot hold). At the end the driver merges every
block schema; the few `write_part` calls whose schema differs from the frame schema (only when
the schema drifts across the input and is not resolved before the write) are redone by
re-reading their splits with the frame schema, into the same file names. A frame whose schema
is already known (``with_frame_schema``, or asked for before) is written in one pass.

**Joins are joined by the writers.** When the frame is a join (and per-block operators after
it), the join's buckets (shuffled or broadcast) are handed to the writer tasks, a contiguous run
each; a writer joins one bucket at a time and streams its rows into the same rolling files, so
joined rows never go to the object store, and the redo above joins the buckets of a call again.

**Exactly once.** File names depend only on the writer index and the roll number
(``part index = roll * writers + writer``), and a writer's input and rolls are deterministic,
so a task retried after its worker died rewrites exactly the files of the lost attempt. Only
the `WriteResult`s of finished tasks reach the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, overload

import pyarrow as pa

from glueworks.runtime.executors.base import Executed, Executor, merge_block_schemas
from glueworks.runtime.executors.pipeline import SplitMeta, release_arrow_memory, run_split
from glueworks.runtime.plan import BlockOp, FromStaged, FromTables, Join, PlanNode, Read, split_chain
from glueworks.runtime.sinks.base import Sink, WriteResult
from glueworks.runtime.sources import Split

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.executors.stages import BucketedJoin
    from glueworks.runtime.frame import DynamicFrame

#: Called in the driver for each part that produced blocks (see `stages.OnPartDone`).
OnPartDone = Callable[[SplitMeta, bool], None]
#: Per bucket of a join, the `stages.join_task` arguments before its pieces and how many pieces follow.
BucketLayout = tuple[tuple[tuple[Any, ...], int], ...]
#: One piece of a join bucket: a shuffle piece (a table) or, for a broadcast, a part (its blocks).
Piece: TypeAlias = pa.Table | list[pa.Table]
#: Checks the frame schema before commit (a write's partition keys); raises to fail the write.
SchemaCheck = Callable[[pa.Schema], None]


@dataclass(frozen=True)
class WrittenCall:
    """One `write_part` call of a writer: its result, the schema it wrote, what it read.

    Attributes:
        result: The staged files.
        schema: The schema its blocks were conformed to.
        splits: Indexes (in the plan's split list) of the splits whose rows it holds; for a written
            join, of the buckets.
    """

    result: WriteResult
    schema: pa.Schema
    splits: tuple[int, ...]


@dataclass(frozen=True)
class WriterReport:
    """What one writer task sends back to the driver (small: no blocks)."""

    metas: tuple[SplitMeta, ...]
    calls: tuple[WrittenCall, ...]


@dataclass(frozen=True)
class WriteOutcome:
    """A finished write (staged, not committed).

    Attributes:
        executed: The per-split metadata of the frame (errors, counts; no blocks).
        schema: The frame schema the files hold.
        results: One result per `write_part` call, ready for `Sink.commit`.
    """

    executed: Executed
    schema: pa.Schema
    results: list[WriteResult]


class StreamedBlocks(Sequence[pa.Table]):
    """Blocks handed to `Sink.write_part` as they are produced (iterate once; no length)."""

    def __init__(self, blocks: Iterator[pa.Table]) -> None:
        self._blocks = blocks

    def __iter__(self) -> Iterator[pa.Table]:
        return self._blocks

    def __len__(self) -> int:
        raise TypeError("streamed blocks have no length: iterate them once")

    @overload
    def __getitem__(self, index: int) -> pa.Table: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[pa.Table]: ...

    def __getitem__(self, index: int | slice) -> pa.Table | Sequence[pa.Table]:
        raise TypeError("streamed blocks cannot be indexed: iterate them once")


# --- the driver side ------------------------------------------------------------------------


def write_plan(
    executor: Executor,
    plan: PlanNode,
    schema: pa.Schema | None,
    sink: Sink,
    on_done: OnPartDone,
    check_schema: SchemaCheck,
) -> WriteOutcome:
    """Run `plan` and write its rows to `sink` (staged), with as few files as the capacity allows.

    Args:
        executor: Where tasks run; its ``max_parallelism`` is the number of writers.
        plan: The frame's plan.
        schema: The frame schema if already known, else None (found while writing).
        sink: A started sink.
        on_done: Called in the driver for every part (metrics, error records).
        check_schema: Validates the frame schema (partition keys); raises to fail the write.

    Raises:
        Exception: The first error a task raised, or what `check_schema` raised.
    """
    from glueworks.runtime.executors.stages import bucket_join, run_plan

    base, ops = split_chain(plan)
    if isinstance(base, Join):
        return _write_join(executor, bucket_join(executor, base, ops, on_done), schema, sink, on_done, check_schema)
    if not isinstance(base, Read | FromTables | FromStaged):
        executed = run_plan(executor, plan, on_done)
        final = executed.schema if schema is None else schema
        check_schema(final)
        return WriteOutcome(executed.summary(), final, executor.write(executed.parts, final, sink))
    splits = leaf_splits(base, executor.max_parallelism)
    groups = contiguous_groups([split.size or 1 for split in splits], executor.max_parallelism)
    target = executor.target_file_bytes
    calls = [
        (writer, len(groups), tuple((i, splits[i]) for i in group), ops, schema, sink, check_schema, target)
        for writer, group in enumerate(groups)
    ]
    reports, metas = _run_writers(executor, _fused_writer_task, calls, on_done, isinstance(base, Read))

    def rewrite(call: WrittenCall, final: pa.Schema) -> tuple[Any, ...]:
        return (call.result.part_index, tuple((i, splits[i]) for i in call.splits), ops, final, sink)

    executed = Executed(metas=metas, parts=[])
    return _finish_writes(executor, executed, reports, schema, check_schema, _rewrite_task, rewrite)


def _write_join(
    executor: Executor,
    join: BucketedJoin,
    schema: pa.Schema | None,
    sink: Sink,
    on_done: OnPartDone,
    check_schema: SchemaCheck,
) -> WriteOutcome:
    """Join the buckets inside the writer tasks, so joined rows go to files, not to the object store.

    Each writer joins a contiguous run of buckets (balanced by rows), one bucket at a time, and
    streams the rows into rolling files as the fused read → write does: a partitioned write still
    makes about one file per partition per writer, and the joined rows never exist all at once.
    """
    groups = contiguous_groups([rows or 1 for rows in join.rows], executor.max_parallelism)
    target = executor.target_file_bytes
    # The pieces go as top-level arguments, which Ray resolves before the task starts.
    calls = [
        (writer, len(groups), _bucket_layout(join, group), schema, sink, check_schema, target,
         *_bucket_pieces(join, group))
        for writer, group in enumerate(groups)
    ]
    reports, metas = _run_writers(executor, _join_writer_task, calls, on_done, False)

    def rewrite(call: WrittenCall, final: pa.Schema) -> tuple[Any, ...]:
        buckets = call.splits
        return (call.result.part_index, _bucket_layout(join, buckets), final, sink, *_bucket_pieces(join, buckets))

    executed = Executed(metas=metas, parts=[], inherited=join.errors, inputs=join.inputs)
    return _finish_writes(executor, executed, reports, schema, check_schema, _join_rewrite_task, rewrite)


def _bucket_layout(join: BucketedJoin, buckets: Iterable[int]) -> BucketLayout:
    return tuple((join.heads[b], len(join.pieces[b])) for b in buckets)


def _bucket_pieces(join: BucketedJoin, buckets: Iterable[int]) -> list[Any]:
    return [piece for b in buckets for piece in join.pieces[b]]


def _run_writers(
    executor: Executor,
    task: Callable[..., tuple[WriterReport]],
    calls: list[tuple[Any, ...]],
    on_done: OnPartDone,
    counts_input: bool,
) -> tuple[list[WriterReport], list[SplitMeta]]:
    """Run the writer tasks; report every split's (or bucket's) meta to `on_done`, in order."""
    reports: list[WriterReport] = [meta for meta, _ in executor.run_tasks(task, calls, 0)]
    metas = sorted((meta for report in reports for meta in report.metas), key=lambda meta: meta.index)
    for meta in metas:
        on_done(meta, counts_input)
    return reports, metas


def _finish_writes(
    executor: Executor,
    executed: Executed,
    reports: list[WriterReport],
    schema: pa.Schema | None,
    check_schema: SchemaCheck,
    rewrite_task: Callable[..., tuple[WriteResult]],
    rewrite: Callable[[WrittenCall, pa.Schema], tuple[Any, ...]],
) -> WriteOutcome:
    """The frame schema from every block; the calls written with another schema are redone with it."""
    final = merge_block_schemas(executed.block_schemas) if schema is None else schema
    check_schema(final)
    written = [call for report in reports for call in report.calls]
    redo = [call for call in written if not call.schema.equals(final, check_metadata=True)]
    redone: dict[int, WriteResult] = {}
    if redo:
        calls = [rewrite(call, final) for call in redo]
        redone = {result.part_index: result for result, _ in executor.run_tasks(rewrite_task, calls, 0)}
    results = [redone.get(call.result.part_index, call.result) for call in written]
    return WriteOutcome(executed, final, results)


def write_frame(
    glue_context: GlueContext, frame: DynamicFrame, sink: Sink, check_schema: SchemaCheck
) -> list[WriteResult]:
    """Write a frame to a started `sink` (staged, not committed) the way a script's write does.

    Runs `write_plan`, reports every part to the run context (metrics, error records), keeps the
    block schemas for ``frame.schema()``, then checks the frame's error thresholds.

    Raises:
        ErrorThresholdExceededError: Too many error records (the caller aborts the sink).
        Exception: What a task or `check_schema` raised.
    """
    from glueworks.runtime.thresholds import enforce

    ctx = glue_context.run_context

    def on_done(meta: SplitMeta, counts_input: bool) -> None:
        ctx.record_split(meta.split_id, meta.records_read if counts_input else 0, meta.bytes_read, meta.errors)

    outcome = write_plan(glue_context.executor, frame.plan, frame._schema, sink, on_done, check_schema)
    if frame._schema is None and frame._block_schemas is None:
        frame._block_schemas = outcome.executed.block_schemas
    enforce(frame.plan, outcome.executed, frame._checks)
    return outcome.results


def leaf_splits(leaf: Read | FromTables | FromStaged, parallelism: int) -> list[Split]:
    """The splits of a leaf, sized for `parallelism` workers (files are listed: I/O)."""
    if isinstance(leaf, Read):
        return leaf.source.splits(parallelism)
    return leaf.splits()


def contiguous_groups(weights: Sequence[int], count: int) -> list[range]:
    """Cut ``range(len(weights))`` into at most `count` non-empty runs of about equal weight."""
    count = min(count, len(weights))
    if count <= 0:
        return []
    total = sum(weights)
    groups: list[range] = []
    start = 0
    acc = 0
    for index, weight in enumerate(weights):
        acc += weight
        left_items = len(weights) - index - 1
        left_groups = count - len(groups) - 1
        if left_groups == 0:
            continue
        if acc * count >= total * (len(groups) + 1) or left_items == left_groups:
            groups.append(range(start, index + 1))
            start = index + 1
    groups.append(range(start, len(weights)))
    return [group for group in groups if len(group)]


def write_parts(executor: Executor, parts: Sequence[Any], schema: pa.Schema, sink: Sink) -> list[WriteResult]:
    """Write materialised parts (a stage's output) with at most ``max_parallelism`` writers."""
    groups = contiguous_groups([1] * len(parts), executor.max_parallelism)
    loader = executor.part_loader()
    calls = [
        (writer, len(groups), [parts[i] for i in group], loader, schema, sink, executor.target_file_bytes)
        for writer, group in enumerate(groups)
    ]
    return [result for results, _ in executor.run_tasks(_parts_writer_task, calls, 0) for result in results]


# --- task bodies (module level: they travel to Ray workers) ----------------------------------


def _fused_writer_task(
    writer: int,
    num_writers: int,
    items: tuple[tuple[int, Split], ...],
    ops: tuple[BlockOp, ...],
    schema: pa.Schema | None,
    sink: Sink,
    check_schema: SchemaCheck,
    target_bytes: int,
) -> tuple[WriterReport]:
    """Read each split, run the operators, and stream the blocks into rolling files."""
    produced = ((index, run_split(index, split, ops)) for index, split in items)
    return (_write_units(writer, num_writers, produced, schema, sink, check_schema, target_bytes),)


def _rewrite_task(
    part_index: int, items: tuple[tuple[int, Split], ...], ops: tuple[BlockOp, ...], schema: pa.Schema, sink: Sink
) -> tuple[WriteResult]:
    """Read the splits of one `write_part` call again and rewrite its files with the frame schema."""

    def blocks() -> Iterator[pa.Table]:
        for index, split in items:
            yield from run_split(index, split, ops)[1]

    return (sink.write_part(part_index, StreamedBlocks(blocks()), schema),)


def _join_writer_task(
    writer: int,
    num_writers: int,
    layout: BucketLayout,
    schema: pa.Schema | None,
    sink: Sink,
    check_schema: SchemaCheck,
    target_bytes: int,
    *pieces: Piece,
) -> tuple[WriterReport]:
    """Join each bucket of `layout` in turn (its pieces in order in `pieces`) and stream the rows into rolling files."""
    produced = zip((head[0] for head, _ in layout), _joined_buckets(layout, pieces), strict=True)
    return (_write_units(writer, num_writers, produced, schema, sink, check_schema, target_bytes),)


def _write_units(
    writer: int,
    num_writers: int,
    produced: Iterable[tuple[int, tuple[SplitMeta, list[pa.Table]]]],
    schema: pa.Schema | None,
    sink: Sink,
    check_schema: SchemaCheck,
    target_bytes: int,
) -> WriterReport:
    """Stream each produced unit (a split's or bucket's index, its meta and blocks) into rolling files."""
    metas: list[SplitMeta] = []

    def units() -> Iterator[tuple[int, list[pa.Table]]]:
        for index, (meta, blocks) in produced:
            metas.append(meta)
            yield index, blocks

    keys = tuple(getattr(sink, "partition_keys", ()))
    calls = roll_writes(writer, num_writers, units(), schema, sink, target_bytes, keys, check_schema)
    return WriterReport(tuple(metas), tuple(calls))


def _join_rewrite_task(
    part_index: int, layout: BucketLayout, schema: pa.Schema, sink: Sink, *pieces: Piece
) -> tuple[WriteResult]:
    """Join the buckets of one `write_part` call again and rewrite its files with the frame schema."""

    def blocks() -> Iterator[pa.Table]:
        for _, joined in _joined_buckets(layout, pieces):
            yield from joined

    return (sink.write_part(part_index, StreamedBlocks(blocks()), schema),)


def _joined_buckets(
    layout: BucketLayout, pieces: tuple[Piece, ...]
) -> Iterator[tuple[SplitMeta, list[pa.Table]]]:
    from glueworks.runtime.executors.stages import join_task

    start = 0
    for head, count in layout:
        yield join_task(*head, *pieces[start : start + count])
        start += count
        release_arrow_memory()  # the bucket's rows are written; a task may join many buckets


def _parts_writer_task(
    writer: int,
    num_writers: int,
    parts: list[Any],
    loader: Callable[[Any], list[pa.Table]],
    schema: pa.Schema,
    sink: Sink,
    target_bytes: int,
) -> tuple[list[WriteResult]]:
    """Write the blocks of several parts, loading one part at a time."""
    units = ((index, loader(part)) for index, part in enumerate(parts))
    calls = roll_writes(writer, num_writers, units, schema, sink, target_bytes, (), None)
    return ([call.result for call in calls],)


def roll_writes(
    writer: int,
    num_writers: int,
    units: Iterable[tuple[int, list[pa.Table]]],
    schema: pa.Schema | None,
    sink: Sink,
    target_bytes: int,
    partition_keys: tuple[str, ...] = (),
    check_schema: SchemaCheck | None = None,
) -> list[WrittenCall]:
    """Stream units (the blocks of one split or part each) into `write_part` calls.

    A call ends when its Arrow bytes pass `target_bytes` or, with no known `schema`, when the
    next unit brings a type the call's files cannot hold; the next call's schema is the merge
    of everything seen so far. Call ``r`` of writer ``w`` writes part ``r * num_writers + w``.
    """
    # A split that made no blocks (every line bad, an empty file) has nothing to write.
    source = (unit for unit in units if unit[1])
    pending = next(source, None)
    calls: list[WrittenCall] = []
    seen: pa.Schema | None = schema
    while pending is not None:
        if schema is None:
            seen = _merged(seen, pending[1])
        assert seen is not None
        call_schema = _with_keys(seen, partition_keys) if schema is None else seen
        if check_schema is not None and set(call_schema.names) - set(partition_keys):
            # Early, so a bad key fails before any file is written (the driver checks the frame schema too).
            check_schema(call_schema)
        feed = _Feed(source, pending, call_schema, schema is None, target_bytes)
        part_index = len(calls) * num_writers + writer
        result = sink.write_part(part_index, StreamedBlocks(feed.blocks()), call_schema)
        calls.append(WrittenCall(result, call_schema, tuple(feed.fed)))
        pending = feed.left_over
    return calls


class _Feed:
    """The blocks of one `write_part` call, pulled from a writer's units as the sink iterates.

    It stops before a unit once `target_bytes` were fed, or (with `open_schema`) before a unit
    whose blocks do not fit `schema`; that unit is left in `left_over` for the next call.
    """

    def __init__(
        self,
        source: Iterator[tuple[int, list[pa.Table]]],
        first: tuple[int, list[pa.Table]],
        schema: pa.Schema,
        open_schema: bool,
        target_bytes: int,
    ) -> None:
        self._source = source
        self._first = first
        self._schema = schema
        self._open_schema = open_schema
        self._target_bytes = target_bytes
        self.fed: list[int] = []
        self.size = 0
        self.left_over: tuple[int, list[pa.Table]] | None = None

    def blocks(self) -> Iterator[pa.Table]:
        unit: tuple[int, list[pa.Table]] | None = self._first
        while unit is not None:
            self.fed.append(unit[0])
            for block in unit[1]:
                self.size += block.nbytes
                yield block
            unit = next(self._source, None)
            if unit is not None and self._ends_before(unit[1]):
                break
        self.left_over = unit

    def _ends_before(self, blocks: list[pa.Table]) -> bool:
        if self.size >= self._target_bytes:
            return True
        return self._open_schema and not _fits(self._schema, blocks)


def _merged(schema: pa.Schema | None, blocks: list[pa.Table]) -> pa.Schema:
    return merge_block_schemas([*([] if schema is None else [schema]), *(block.schema for block in blocks)])


def _fits(schema: pa.Schema, blocks: list[pa.Table]) -> bool:
    return bool(_merged(schema, blocks).equals(schema, check_metadata=True))


def _with_keys(schema: pa.Schema, keys: tuple[str, ...]) -> pa.Schema:
    """`schema` plus an all-null column for each partition key its blocks have not shown yet."""
    missing = [pa.field(key, pa.null()) for key in keys if key not in schema.names]
    return pa.schema([*schema, *missing]) if missing else schema
