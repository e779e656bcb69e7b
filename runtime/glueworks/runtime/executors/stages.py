"""Running a whole plan: leaves as fused split tasks, stages as rounds of executor tasks.

`run_plan` walks the plan tree. A run of per-block operators is fused into the tasks that
produce the blocks under it: the split tasks of a leaf, or the last round of tasks of a stage.
Stages are built only from `Executor.run_tasks` calls, so the local and Ray executors run the
very same steps (on Ray, blocks move between tasks through the object store and only small
metadata reaches the driver):

* `Join` / `MergeFrames`: a hash shuffle. A map task per part of each input conforms its
  blocks to that input's frame schema and cuts them into buckets by a hash of the keys; a
  reduce task per bucket joins (or merges) the bucket's pieces of both inputs. The local
  executor uses one bucket; the Ray executor a few per task slot, more as the bytes grow
  (`Executor.shuffle_buckets`), so a bucket's size, and a join task's memory, stays bounded.
  A join whose smaller input holds at most `Executor.broadcast_join_bytes` is *broadcast*
  instead: nothing is shuffled, and each join task joins a contiguous run of the larger
  input's parts with the whole smaller input (an inner join splits over either input). An
  input that is a Relationalize table as staged is not run first: its staged parts go to the
  join tasks, which read them.
* `Repartition`: a map task per part slices it where the new parts begin; a task per new part
  gathers its slices. ``coalesce`` only gathers runs of neighbouring parts.
* `Union`: no task at all, the parts of both inputs are listed together.
* `Spigot`: the sample is taken from the first parts (``topk``) or by a task per part
  (``prob``) and written from the driver; the parts pass on unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.error_spool import ErrorChain
from glueworks.runtime.executors.base import Executed, Executor
from glueworks.runtime.executors.pipeline import SplitMeta, run_part
from glueworks.runtime.executors.shuffle import partition_task
from glueworks.runtime.executors.writing import contiguous_groups
from glueworks.runtime.locations import Location
from glueworks.runtime.plan import (
    BlockOp,
    DropFields,
    FromStaged,
    FromTables,
    Join,
    MergeFrames,
    PlanNode,
    Read,
    Repartition,
    SelectFields,
    Spigot,
    Union,
    split_chain,
)
from glueworks.runtime.schema import conform_table, merge_schemas
from glueworks.runtime.staging import KeyShifts, StagedSplit
from glueworks.runtime.transforms import apply_op
from glueworks.runtime.transforms.join import agree_key_types, join_tables
from glueworks.runtime.transforms.merge import merge_tables
from glueworks.runtime.transforms.repartition import coalesce_groups, cut_points, gather, slice_blocks
from glueworks.runtime.transforms.spigot import json_lines, sample_lines, write_sample
from glueworks.runtime.transforms.union import union_executed

#: Called in the driver for each finished part: its metadata, and whether it read input
#: (True for the split tasks of a `Read` leaf, whose records and bytes count as read).
OnPartDone = Callable[[SplitMeta, bool], None]

Keys = tuple[tuple[str, ...], ...]

#: Arrow bytes of the larger input a broadcast join's bucket holds at most (with all of the smaller input).
BROADCAST_BUCKET_BYTES = 64 * 1024 * 1024
#: Arrow bytes of the left input an aligned join's bucket holds at most (with the right input's rows of the same
#: parts). At ~3M events the two joining writers' peak PSS was 1,112-1,125 MB with 16 MiB, 1,277 with 64 MiB.
ALIGNED_BUCKET_BYTES = 16 * 1024 * 1024


def run_plan(executor: Executor, node: PlanNode, on_done: OnPartDone) -> Executed:
    """Run a plan on `executor`; `on_done` sees every part any step of it produced.

    Raises:
        TypeError: The plan holds a node no executor knows.
        SchemaError, InvalidOptionError: Join or merge keys that cannot be compared.
        Exception: The first error a task raised (I/O errors included).
    """
    base, ops = split_chain(node)
    if isinstance(base, Read | FromTables | FromStaged):
        reads = isinstance(base, Read)
        splits = base.source.splits(executor.max_parallelism) if isinstance(base, Read) else base.splits()
        return executor.execute(splits, ops, lambda meta: on_done(meta, reads))
    if isinstance(base, Union):
        union = union_executed(run_plan(executor, base.left, on_done), run_plan(executor, base.right, on_done))
        return _apply_ops(executor, union, ops, "union", on_done)
    if isinstance(base, Join):
        return _join(executor, base, ops, on_done)
    if isinstance(base, MergeFrames):
        return _merge(executor, base, ops, on_done)
    if isinstance(base, Repartition):
        return _repartition(executor, base, ops, on_done)
    if isinstance(base, Spigot):
        child = run_plan(executor, base.child, on_done)
        _spigot(executor, child, base)
        return _apply_ops(executor, child.passed_through(), ops, "spigot", on_done)
    raise TypeError(f"unsupported plan node {type(base).__name__}")


# --- task bodies (module level: they travel to Ray workers) ------------------------------


def _ops_task(index: int, part_id: str, ops: tuple[BlockOp, ...], blocks: list[pa.Table]) -> tuple[Any, ...]:
    return run_part(index, part_id, list(blocks), ops)


def join_task(
    index: int,
    part_id: str,
    ops: tuple[BlockOp, ...],
    schemas: tuple[pa.Schema, pa.Schema],
    num_left: int,
    keys: tuple[Keys, Keys],
    types: tuple[pa.DataType, ...],
    *pieces: pa.Table | list[pa.Table],
) -> tuple[Any, ...]:
    """Join one bucket: each piece is a shuffle piece (a table) or, for a broadcast, a part (its blocks)."""
    left, right = _side(pieces[:num_left], schemas[0]), _side(pieces[num_left:], schemas[1])
    joined = join_tables(left, right, keys[0], keys[1], types)
    return run_part(index, part_id, [joined] if joined.num_rows else [], ops)


def _merge_task(
    index: int,
    part_id: str,
    ops: tuple[BlockOp, ...],
    schemas: tuple[pa.Schema, pa.Schema],
    num_source: int,
    keys: Keys,
    types: tuple[pa.DataType, ...],
    *pieces: pa.Table,
) -> tuple[Any, ...]:
    source, staging = _concat(pieces[:num_source], schemas[0]), _concat(pieces[num_source:], schemas[1])
    # One output schema for every bucket, so the frame schema does not depend on bucket order.
    output = merge_schemas(schemas)
    blocks = [conform_table(block, output) for block in merge_tables(source, staging, keys, types)]
    return run_part(index, part_id, blocks, ops)


def _slice_task(blocks: list[pa.Table], cuts: list[tuple[int, int]]) -> tuple[Any, ...]:
    return (None, *(slice_blocks(list(blocks), start, stop) for start, stop in cuts))


def _gather_task(index: int, part_id: str, ops: tuple[BlockOp, ...], *pieces: list[pa.Table]) -> tuple[Any, ...]:
    return run_part(index, part_id, gather([list(piece) for piece in pieces]), ops)


def _sample_task(index: int, prob: float, seed: int, blocks: list[pa.Table]) -> tuple[Any, ...]:
    return (sample_lines(index, prob, seed, list(blocks)),)


def _concat(pieces: tuple[pa.Table, ...], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(pieces) if pieces else schema.empty_table()


def _side(pieces: tuple[pa.Table | list[pa.Table] | StagedSplit, ...], schema: pa.Schema) -> pa.Table:
    """One input of a join task as one table of its frame schema (shuffle pieces are conformed already)."""
    blocks = [block for piece in pieces for block in _piece_blocks(piece)]
    conformed = [block if block.schema.equals(schema) else conform_table(block, schema) for block in blocks]
    return _concat(tuple(conformed), schema)


def _piece_blocks(piece: pa.Table | list[pa.Table] | StagedSplit) -> list[pa.Table]:
    if isinstance(piece, pa.Table):
        return [piece]
    if isinstance(piece, StagedSplit):
        return piece.read().blocks  # a staged table's part, read by the task that joins it (see `_join_input`)
    return piece


# --- stages --------------------------------------------------------------------------------


def _finish(
    results: list[tuple[Any, list[Any]]],
    inherited: Sequence[ErrorRecord],
    on_done: OnPartDone,
    inputs: tuple[Executed, ...],
) -> Executed:
    metas: list[SplitMeta] = [meta for meta, _ in results]
    for meta in metas:
        on_done(meta, False)
    parts = [outputs[0] for _, outputs in results]
    # `inputs` (without block handles) let error thresholds below this stage be checked.
    return Executed(metas=metas, parts=parts, inherited=inherited, inputs=tuple(i.summary() for i in inputs))


def _apply_ops(
    executor: Executor, executed: Executed, ops: tuple[BlockOp, ...], label: str, on_done: OnPartDone
) -> Executed:
    if not ops:
        return executed
    calls = [(index, f"{label}:{index}", ops, part) for index, part in enumerate(executed.parts)]
    return _finish(executor.run_tasks(_ops_task, calls, 1), executed.errors, on_done, executed.inputs)


def _shuffle(
    executor: Executor,
    schema: pa.Schema,
    parts: list[Any],
    keys: Keys,
    types: tuple[pa.DataType, ...],
    drop_nulls: bool,
    buckets: int,
) -> tuple[list[int], list[list[Any]]]:
    """Map side of a hash shuffle: rows per bucket, and per part one handle per bucket.

    `parts` is emptied: each part is dropped once its map task is submitted, so (when the caller
    holds no other reference) a part leaves Ray's object store as soon as it is cut, and its
    pieces take its place rather than adding to it.
    """
    calls = ((parts.pop(0), schema, keys, types, buckets, drop_nulls) for _ in range(len(parts)))
    results = executor.run_tasks(partition_task, calls, buckets)
    rows = [sum(counts[bucket] for counts, _ in results) for bucket in range(buckets)]
    return rows, [outputs for _, outputs in results]


@dataclass(frozen=True)
class BucketedJoin:
    """A join whose inputs were laid out in buckets (shuffled, or broadcast): what is left is a `join_task`
    call per bucket.

    Attributes:
        heads: Per bucket, the arguments of `join_task` before the bucket's pieces.
        pieces: Per bucket, its pieces (left side first), the rest of the arguments.
        rows: Input rows per bucket (both sides), to balance buckets over tasks.
        errors: Error records of both inputs, which flow through to the joined frame.
        inputs: What each input reported, without block handles.
    """

    heads: list[tuple[Any, ...]]
    pieces: list[list[Any]]
    rows: list[int]
    errors: Sequence[ErrorRecord]
    inputs: tuple[Executed, Executed]


def bucket_join(executor: Executor, node: Join, ops: tuple[BlockOp, ...], on_done: OnPartDone) -> BucketedJoin:
    """Run both inputs of `node` and lay them out in buckets; `ops` run on each joined bucket.

    Two tables of one Relationalize joined on a key that links them are joined part with part (see
    `_aligned`). Otherwise both inputs are hash-shuffled, unless the smaller one holds at most
    ``executor.broadcast_join_bytes``: then it is broadcast (see `_broadcast`).
    """
    aligned = _aligned(node, ops, executor.max_parallelism) if executor.align_staged_joins else None
    if aligned is not None:
        return aligned
    left = _join_input(executor, node.left, on_done)
    right = _join_input(executor, node.right, on_done)
    schemas = (left.schema, right.schema)
    types = agree_key_types(schemas[0], schemas[1], node.keys1, node.keys2)
    keys = (node.keys1, node.keys2)
    if min(left.num_bytes, right.num_bytes) <= executor.broadcast_join_bytes:
        return _broadcast(executor, left, right, schemas, keys, types, ops)
    # A shuffle cuts blocks in map tasks: staged parts are read into blocks first.
    left = run_plan(executor, node.left, on_done) if _staged_parts(node.left) else left
    right = run_plan(executor, node.right, on_done) if _staged_parts(node.right) else right
    # Once a part is cut its pieces hold the rows: the part goes, so the object store does not hold
    # both inputs twice over.
    buckets = executor.shuffle_buckets(left.num_bytes + right.num_bytes)
    left_parts, right_parts = left.parts, right.parts
    left, right = left.summary(), right.summary()  # the lists above hold the only references to the parts
    left_rows, left_pieces = _shuffle(executor, schemas[0], left_parts, node.keys1, types, True, buckets)
    right_rows, right_pieces = _shuffle(executor, schemas[1], right_parts, node.keys2, types, True, buckets)
    return BucketedJoin(
        heads=[(b, f"join:{b}", ops, schemas, len(left_pieces), keys, types) for b in range(buckets)],
        pieces=[[pieces[b] for pieces in (*left_pieces, *right_pieces)] for b in range(buckets)],
        rows=[a + b for a, b in zip(left_rows, right_rows, strict=True)],
        errors=ErrorChain([left.errors, right.errors]),
        inputs=(left, right),
    )


def _staged_parts(node: PlanNode) -> list[StagedSplit] | None:
    """The parts of `node` when it is a staged table with no operator on it, each saying its schema, rows and
    bytes; else None."""
    if not isinstance(node, FromStaged):
        return None
    parts = [p for p in node.parts if isinstance(p, StagedSplit) and p.schema is not None and p.num_bytes]
    return parts if parts and len(parts) == len(node.parts) else None


def _join_input(executor: Executor, node: PlanNode, on_done: OnPartDone) -> Executed:
    """An input of a join: the plan run, or, for a staged table as it is (Relationalize's tables), its staged
    parts themselves, which the join tasks read (`_piece_blocks`).

    Reading a staged part needs no task of its own: at 1M events (2 workers) the four tasks that loaded the
    child table into the object store, only for the join tasks to fetch it, took ~0.04 s of wall time and held
    the whole table in the store at once. A part's schema, rows and bytes were recorded when it was staged.
    """
    parts = _staged_parts(node)
    if parts is None:
        return run_plan(executor, node, on_done)
    return _staged_executed(parts)


def _staged_executed(parts: list[StagedSplit]) -> Executed:
    """Staged parts as an input that ran: their schemas, rows and bytes were recorded when they were staged."""
    metas = [
        SplitMeta(
            index=index,
            split_id=part.split_id,
            schemas=(part.read_schema,) if part.num_rows and part.read_schema is not None else (),
            num_rows=part.num_rows,
            errors=(),
            records_read=0,
            bytes_read=0,
            num_bytes=part.num_bytes,
        )
        for index, part in enumerate(parts)
    ]
    return Executed(metas=metas, parts=list(parts))


#: Operators that keep some columns of every row as they are: a chain of them over a staged table is read as
#: a projection of its files.
_PROJECTIONS = (SelectFields, DropFields)


class _StagedFile(NamedTuple):
    """One staged file of a table: its key shifts, and its rows and bytes (estimated: a split's shared out
    evenly over its files, only used to balance buckets)."""

    location: Location
    shifts: KeyShifts
    rows: int
    nbytes: int


@dataclass(frozen=True)
class _StagedSide:
    """An input of a join read straight from a Relationalize table's files: the table and its schema, the
    columns read, and the table whose row keys the join key holds."""

    leaf: FromStaged
    schema: pa.Schema
    projected: pa.Schema  # the side's frame schema: some of the table's columns
    key_space: str

    def files(self) -> list[_StagedFile]:
        """Every staged file of the table, in frame order."""
        out = []
        for part in self.leaf.parts:
            assert isinstance(part, StagedSplit)
            count = max(1, len(part.files))
            out += [_StagedFile(*file, part.num_rows // count, part.num_bytes // count) for file in part.files]
        return out

    def split(self, index: int, files: list[_StagedFile]) -> StagedSplit:
        """Some of the files as one split that reads `columns`."""
        return StagedSplit(
            self.leaf.name,
            index,
            tuple((file.location, file.shifts) for file in files),
            self.schema,
            num_rows=sum(file.rows for file in files),
            num_bytes=sum(file.nbytes for file in files),
            columns=tuple(self.projected.names),
        )


def _staged_side(node: PlanNode, key: tuple[str, ...]) -> _StagedSide | None:
    """`node` as a `_StagedSide` joined on `key`, if it is a projection of a staged table and `key` one of its
    key columns; else None."""
    leaf, ops = split_chain(node)
    if not isinstance(leaf, FromStaged) or len(key) != 1 or not all(isinstance(op, _PROJECTIONS) for op in ops):
        return None
    parts = [part for part in leaf.parts if isinstance(part, StagedSplit) and part.columns is None]
    schema = parts[0].schema if parts else None
    if schema is None or len(parts) != len(leaf.parts) or any(part.schema != schema for part in parts):
        return None
    projected = schema.empty_table()
    for op in ops:
        projected, _ = apply_op(projected, op, leaf.name)
    # A projection keeps columns as they are; anything else (a nested path cut out of a struct) is not one.
    if any(field.name not in schema.names or schema.field(field.name) != field for field in projected.schema):
        return None
    space = dict(leaf.links).get(key[0])
    if space is None or key[0] not in projected.schema.names:
        return None
    return _StagedSide(leaf, schema, projected.schema, space)


def _aligned(node: Join, ops: tuple[BlockOp, ...], slots: int) -> BucketedJoin | None:
    """Two tables of one Relationalize joined on keys that hold the row keys of the same table (a child's
    ``id`` and its parent's array column), each as staged or a projection of it: a join bucket per run of
    the staged parts, holding the files of those parts from both sides; None when the join is not that.

    Relationalize numbers the keys of each part from one and shifts them by the rows that earlier parts
    gave the keyed table, so each part holds its own range of keys on both sides: a part's files can only
    match each other. Nothing is shuffled, broadcast or loaded first: each join task reads its parts'
    files (only the columns the projection keeps), so its memory is that of its parts whatever the
    input's size. At ~3M events a shuffle put both sides through Ray's object store, whose pages the two
    writers each held (~160 MB a worker at the peak).
    """
    if len(node.keys1) != 1:
        return None
    left, right = _staged_side(node.left, node.keys1[0]), _staged_side(node.right, node.keys2[0])
    if left is None or right is None:
        return None
    if left.leaf.area is None or left.leaf.area is not right.leaf.area or left.key_space != right.key_space:
        return None
    # The shift of the join key says which part a file came from: the rows the keyed table got before it.
    files = (left.files(), right.files())
    runs: dict[int, tuple[list[_StagedFile], list[_StagedFile]]] = {}
    for side, key in enumerate((node.keys1[0][0], node.keys2[0][0])):
        last = -1
        for file in files[side]:
            shift = dict(file.shifts).get(key)
            if shift is None or shift < last:
                return None
            last = shift
            runs.setdefault(shift, ([], []))[side].append(file)
    # An inner join: a part with files on one side only joins nothing.
    matched = [pair for _, pair in sorted(runs.items()) if pair[0] and pair[1]]
    if not matched:
        return None
    left_bytes = sum(file.nbytes for pair in matched for file in pair[0])
    # A multiple of the task slots, at least one bucket each.
    count = slots * -(-max(1, left_bytes) // (slots * ALIGNED_BUCKET_BYTES))
    groups = contiguous_groups([sum(file.rows for file in pair[0]) or 1 for pair in matched], count)
    schemas = (left.projected, right.projected)
    keys = (node.keys1, node.keys2)
    types = agree_key_types(schemas[0], schemas[1], node.keys1, node.keys2)
    heads, pieces, rows = [], [], []
    for bucket, group in enumerate(groups):
        sides = [[file for i in group for file in matched[i][side]] for side in (0, 1)]
        heads.append((bucket, f"join:{bucket}", ops, schemas, 1, keys, types))
        pieces.append([left.split(bucket, sides[0]), right.split(bucket, sides[1])])
        rows.append(sum(file.rows for side in sides for file in side))
    inputs = (_staged_executed([left.split(0, files[0])]), _staged_executed([right.split(0, files[1])]))
    return BucketedJoin(heads, pieces, rows, [], (inputs[0].summary(), inputs[1].summary()))


def _broadcast(
    executor: Executor,
    left: Executed,
    right: Executed,
    schemas: tuple[pa.Schema, pa.Schema],
    keys: tuple[Keys, Keys],
    types: tuple[pa.DataType, ...],
    ops: tuple[BlockOp, ...],
) -> BucketedJoin:
    """A join with no shuffle: each bucket is a contiguous run of the larger input's parts plus every
    part of the smaller one, which each join task (or joining writer) holds whole.

    An inner join of a part of one input with all of the other gives exactly that part's share of the
    result, so no rows are cut or moved: one round of map tasks and their pieces in the object store
    are saved, and on one process (the local executor) the join runs in as many tasks as slots.
    The larger input is cut into a multiple of the task slots, buckets of at most about
    `BROADCAST_BUCKET_BYTES`, so one bucket's memory stays bounded as that input grows.
    """
    small_is_left = left.num_bytes <= right.num_bytes
    large, small = (right, left) if small_is_left else (left, right)
    weights = [meta.num_bytes or 1 for meta in large.metas]
    slots = executor.max_parallelism
    # A multiple of the task slots, so the writers that join them get equal shares.
    count = slots * -(-large.num_bytes // (slots * BROADCAST_BUCKET_BYTES))
    groups = contiguous_groups(weights, max(count, slots))
    heads, pieces, rows = [], [], []
    for bucket, group in enumerate(groups):
        run = [large.parts[i] for i in group]
        num_left = len(small.parts) if small_is_left else len(run)
        heads.append((bucket, f"join:{bucket}", ops, schemas, num_left, keys, types))
        pieces.append([*small.parts, *run] if small_is_left else [*run, *small.parts])
        rows.append(sum(large.metas[i].num_rows for i in group))
    return BucketedJoin(heads, pieces, rows, ErrorChain([left.errors, right.errors]), (left.summary(), right.summary()))


def _join(executor: Executor, node: Join, ops: tuple[BlockOp, ...], on_done: OnPartDone) -> Executed:
    join = bucket_join(executor, node, ops, on_done)
    calls = [(*head, *pieces) for head, pieces in zip(join.heads, join.pieces, strict=True)]
    return _finish(executor.run_tasks(join_task, calls, 1), join.errors, on_done, join.inputs)


def _merge(executor: Executor, node: MergeFrames, ops: tuple[BlockOp, ...], on_done: OnPartDone) -> Executed:
    source = run_plan(executor, node.child, on_done)
    staging = run_plan(executor, node.staging, on_done)
    schemas = (source.schema, staging.schema)
    keys = node.primary_keys
    types = agree_key_types(schemas[0], schemas[1], keys, keys, ("primary_keys", "primary_keys"))
    buckets = executor.shuffle_buckets(source.num_bytes + staging.num_bytes)
    # As in `bucket_join`: the parts go as they are cut.
    source_parts, staging_parts = source.parts, staging.parts
    source, staging = source.summary(), staging.summary()
    _, source_pieces = _shuffle(executor, schemas[0], source_parts, keys, types, False, buckets)
    _, staging_pieces = _shuffle(executor, schemas[1], staging_parts, keys, types, False, buckets)
    calls = [
        (
            bucket,
            f"merge:{bucket}",
            ops,
            schemas,
            len(source_pieces),
            keys,
            types,
            *(pieces[bucket] for pieces in source_pieces),
            *(pieces[bucket] for pieces in staging_pieces),
        )
        for bucket in range(buckets)
    ]
    inputs = (source, staging)
    errors = ErrorChain([source.errors, staging.errors])
    return _finish(executor.run_tasks(_merge_task, calls, 1), errors, on_done, inputs)


def _repartition(executor: Executor, node: Repartition, ops: tuple[BlockOp, ...], on_done: OnPartDone) -> Executed:
    child = run_plan(executor, node.child, on_done)
    count = node.num_partitions
    if node.shuffle:
        cuts = cut_points([meta.num_rows for meta in child.metas], count)
        sliced = executor.run_tasks(_slice_task, list(zip(child.parts, cuts, strict=True)), count)
        groups: list[list[Any]] = [[outputs[target] for _, outputs in sliced] for target in range(count)]
        label = "repartition"
    elif count >= len(child.parts):
        return _apply_ops(executor, child.passed_through(), ops, "coalesce", on_done)
    else:
        groups = [[child.parts[i] for i in group] for group in coalesce_groups(len(child.parts), count)]
        label = "coalesce"
    calls = [(index, f"{label}:{index}", ops, *group) for index, group in enumerate(groups)]
    return _finish(executor.run_tasks(_gather_task, calls, 1), child.errors, on_done, (child,))


def _spigot(executor: Executor, child: Executed, node: Spigot) -> None:
    if node.topk is not None:
        needed, rows = 0, 0
        while needed < len(child.metas) and rows < node.topk:
            rows += child.metas[needed].num_rows
            needed += 1
        blocks = [block for part in executor.fetch(child.parts[:needed]) for block in part]
        lines = json_lines(blocks, node.topk)
    else:
        assert node.prob is not None
        calls = [(index, node.prob, node.seed, part) for index, part in enumerate(child.parts)]
        lines = [line for sample, _ in executor.run_tasks(_sample_task, calls, 0) for line in sample]
    write_sample(node.location, lines)
