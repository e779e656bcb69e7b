"""Relationalize as executor work: each part is pivoted where it is produced, and staged.

Only small metadata (file locations, row counts, schemas, error records) reaches the driver,
and the local and Ray executors run the same steps (`Executor.run_tasks` calls):

1. **Stage** (`stage_input`). For a chain of per-block operators over a leaf (the usual read →
   transform → relationalize), one task per split reads it, runs the operators and pivots its
   blocks by the part's own schema (the merge of its blocks' schemas), writing each table's rows
   to one Arrow IPC file. The frame schema is not known yet: it is the merge over all parts.
2. **Check** (driver). A part whose schema conforms to the frame schema leaf by leaf
   (`conforms_leafwise`: missing leaves become nulls, leaves widen, no Choice differs) pivots
   to the same rows as the part conformed first; its tables are conformed to the frame's table
   schemas as they are read (`StagedSplit.schema`). Usually every part passes and there is no
   second round.
3. **Pivot** (`pivot_parts`), only for the others: a part whose shape changes under the frame
   schema (a column that is a Choice elsewhere, a struct missing in the part) is read and
   transformed again, conformed to the frame schema, pivoted and staged; its first tables are
   removed. Any other plan (a join, a repartition) runs as usual and each part is pivoted here.

Keys are numbered from 1 within each part; the driver adds up the rows per table part by part,
and the output frames (`FromStaged` leaves) add each part's offsets to the key columns as they
read the files (`key_links`). So the keys are exactly those of relationalizing the whole frame
in block order in one place.

Memory: a task holds one split's (one part's) blocks and their tables; the driver holds none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from glueworks.runtime.executors.base import Executed, Executor, merge_block_schemas
from glueworks.runtime.executors.pipeline import SplitMeta, run_split
from glueworks.runtime.executors.writing import contiguous_groups, leaf_splits
from glueworks.runtime.locations import Location
from glueworks.runtime.plan import BlockOp, FromStaged, FromTables, PlanNode, Read, split_chain
from glueworks.runtime.schema import conform_table, conforms_leafwise
from glueworks.runtime.sources import Split
from glueworks.runtime.staging import IpcFileWriter, KeyShifts, StagedSplit, StagingArea, remove_files
from glueworks.runtime.transforms.relationalize import key_links, relationalize_block, relationalize_schemas

#: Most rows, and most Arrow bytes, of one relationalized table a split of it reads (several staged
#: parts; bounds a task's memory).
MAX_GROUP_ROWS = 500_000
MAX_GROUP_BYTES = 64 * 1024 * 1024

#: Called in the driver for each finished part (see `stages.OnPartDone`).
OnPartDone = Callable[[SplitMeta, bool], None]

#: Per table that got rows: its staged file, rows and Arrow bytes (keys count from 1 in the part).
PivotReport = dict[str, tuple[Location, int, int]]


@dataclass(frozen=True)
class PivotedPart:
    """A part the stage round pivoted by its own schema.

    Attributes:
        schema: The part schema its blocks were conformed to.
        tables: Its staged tables.
        split: The split it read, and `ops` the operators it ran (to redo it if its pivot
            does not hold for the frame schema).
    """

    schema: pa.Schema
    tables: PivotReport
    split: Split
    ops: tuple[BlockOp, ...]


@dataclass(frozen=True)
class StagedInput:
    """What the stage round made: per-part metadata, and per part what the pivot starts from.

    Attributes:
        executed: Metadata of every part (errors, counts, block schemas; no blocks).
        sources: Per part, its `PivotedPart` or the executor's handle to its blocks, or None
            when it made no blocks.
    """

    executed: Executed
    sources: list[Any]


@dataclass(frozen=True)
class StagedTable:
    """One output table: its schema, its staged parts (none when it got no rows) and its key columns
    (``(column, table whose row keys it holds)``)."""

    schema: pa.Schema
    splits: tuple[Split, ...]
    links: tuple[tuple[str, str], ...] = ()


def stage_input(executor: Executor, plan: PlanNode, area: StagingArea, root: str, on_done: OnPartDone) -> StagedInput:
    """Run `plan`, pivoting each part of a chain over a leaf by its own schema (round 1).

    `on_done` sees every part, as `run_plan` does.

    Raises:
        Exception: The first error a task raised (I/O errors included).
    """
    from glueworks.runtime.executors.stages import run_plan

    base, ops = split_chain(plan)
    if not isinstance(base, Read | FromTables | FromStaged):
        executed = run_plan(executor, plan, on_done)
        sources = [part if meta.schemas else None for meta, part in zip(executed.metas, executed.parts, strict=True)]
        return StagedInput(executed.summary(), sources)
    splits = leaf_splits(base, executor.max_parallelism)
    folder = area.location.child("parts")
    calls = [(index, split, ops, root, folder) for index, split in enumerate(splits)]
    results: list[tuple[SplitMeta, PivotReport]] = [result for result, _ in executor.run_tasks(_stage_task, calls, 0)]
    for meta, _ in results:
        on_done(meta, isinstance(base, Read))
    sources = [
        PivotedPart(merge_block_schemas(meta.schemas), tables, split, ops) if meta.schemas else None
        for (meta, tables), split in zip(results, splits, strict=True)
    ]
    return StagedInput(Executed(metas=[meta for meta, _ in results], parts=[]), sources)


def pivot_parts(
    executor: Executor, staged: StagedInput, schema: pa.Schema, root: str, area: StagingArea
) -> dict[str, StagedTable]:
    """The frame's tables for the frame `schema`: checks each part's pivot, redoes those that differ.

    Returns:
        Every table relationalize makes for `schema` (root first, as `relationalize_block`
        orders them), with its staged parts in frame order and their key shifts.
    """
    schemas = relationalize_schemas(schema, root)
    names = tuple(schemas)
    reports: list[PivotReport | None] = [None] * len(staged.sources)
    redo: list[int] = []
    for number, source in enumerate(staged.sources):
        if isinstance(source, PivotedPart) and conforms_leafwise(source.schema, schema):
            reports[number] = source.tables
        elif source is not None:
            redo.append(number)
    if redo:
        folder = area.location.child("tables")
        calls = [(number, staged.sources[number], schema, root, folder) for number in redo]
        for number, (report, _) in zip(redo, executor.run_tasks(_pivot_task, calls, 0), strict=True):
            reports[number] = report
        # The first tables of the parts pivoted again: nothing reads them.
        remove_files(
            location
            for number in redo
            if isinstance(staged.sources[number], PivotedPart)
            for location, *_ in staged.sources[number].tables.values()
        )
    links = key_links(schema, root)
    offsets = dict.fromkeys(names, 0)
    staged_parts: dict[str, list[tuple[Location, KeyShifts, int, int]]] = {name: [] for name in names}
    for report in reports:
        if report is None:
            continue
        for name in names:
            if name not in report:
                continue
            location, rows, nbytes = report[name]
            shifts = tuple((column, offsets[source]) for column, source in links.get(name, {}).items())
            staged_parts[name].append((location, shifts, rows, nbytes))
        for name in names:
            offsets[name] += report[name][1] if name in report else 0
    slots = executor.max_parallelism
    return {
        name: StagedTable(
            schemas[name],
            _group_parts(name, schemas[name], staged_parts[name], slots),
            tuple(links.get(name, {}).items()),
        )
        for name in names
    }


def _group_parts(
    name: str, schema: pa.Schema, parts: list[tuple[Location, KeyShifts, int, int]], slots: int
) -> tuple[Split, ...]:
    """Neighbouring staged parts as a few splits: a multiple of the task `slots`, each of at most
    `MAX_GROUP_ROWS` rows and about `MAX_GROUP_BYTES`.

    Staged data is cheap to read, so a split is as large as memory allows: one split per part (or
    several per slot) would make the stages that read a relationalized table (a join's inputs, a
    write) run many tasks of ~10-20 ms, mostly Ray's per-task cost and the driver's round trip
    (at 1M events, the 16 tasks reading both sides of a join took ~0.25 s; at 3M, 24 parts of a
    narrow child table were 48 tasks). A multiple of the slots, so writers get equal shares.
    """
    rows = [part_rows for _, _, part_rows, _ in parts]
    needed = max(1, -(-sum(rows) // MAX_GROUP_ROWS), -(-sum(nbytes for *_, nbytes in parts) // MAX_GROUP_BYTES))
    groups = contiguous_groups(rows, slots * -(-needed // slots))
    return tuple(
        StagedSplit(
            name,
            index,
            tuple((parts[i][0], parts[i][1]) for i in group),
            schema,
            num_rows=sum(parts[i][2] for i in group),
            num_bytes=sum(parts[i][3] for i in group),
        )
        for index, group in enumerate(groups)
    )


# --- task bodies (module level: they travel to Ray workers) ------------------------------------


def _stage_task(
    index: int, split: Split, ops: tuple[BlockOp, ...], root: str, folder: Location
) -> tuple[tuple[SplitMeta, PivotReport]]:
    """Read one split, run the operators, pivot its blocks by the part's schema and stage the tables.

    The part's schema is the merge of its blocks' schemas, which the driver gets again from the meta.
    """
    meta, blocks = run_split(index, split, ops)
    if not blocks:
        return ((meta, {}),)
    schema = merge_block_schemas(meta.schemas)
    return ((meta, _pivot(_drained(blocks), schema, root, folder, index)),)


def _pivot_task(index: int, source: Any, schema: pa.Schema, root: str, folder: Location) -> tuple[PivotReport]:
    """Conform one part's blocks to the frame `schema`, pivot them and stage the tables.

    `source` is the executor's handle to the part's blocks, or a `PivotedPart` to read again.
    """
    if isinstance(source, PivotedPart):
        _, blocks = run_split(index, source.split, source.ops)
        return (_pivot(_drained(blocks), schema, root, folder, index),)
    return (_pivot(iter(source), schema, root, folder, index),)


def _drained(blocks: list[pa.Table]) -> Iterable[pa.Table]:
    """The blocks in order, each let go by the list once taken (a task holds one block's tables)."""
    blocks.reverse()
    while blocks:
        yield blocks.pop()


def _pivot(blocks: Iterable[pa.Table], schema: pa.Schema, root: str, folder: Location, index: int) -> PivotReport:
    """Conform blocks to `schema` and relationalize them, writing each table's rows to one file.

    Block by block, each table's rows go straight to its file: a task holds one block's tables.
    Returns the file, rows and Arrow bytes of every table that got rows (keys count from 1 here).
    """
    writers: dict[str, IpcFileWriter] = {}
    offsets: dict[str, int] = {}
    try:
        for block in blocks:
            tables = relationalize_block(conform_table(block, schema), root, offsets)
            for position, (name, table) in enumerate(tables.items()):
                offsets[name] = offsets.get(name, 0) + table.num_rows
                if not table.num_rows:
                    continue
                if name not in writers:
                    writers[name] = IpcFileWriter(folder.child(f"{index:06d}-{position:04d}.arrow"), table.schema)
                writers[name].write(table)
    finally:
        for writer in writers.values():
            writer.close()
    return {name: (writer.location, writer.rows, writer.nbytes) for name, writer in writers.items()}
