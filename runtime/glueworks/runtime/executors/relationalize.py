"""Relationalize as executor work: each part is pivoted where it is produced, and staged.

Two rounds of `Executor.run_tasks` calls, so the local and Ray executors run the same steps and
only small metadata (file locations, row counts, schemas, error records) reaches the driver:

1. **Stage the input** (`stage_input`). For a chain of per-block operators over a leaf (the
   usual read → transform → relationalize), one task per split reads it, runs the operators and
   writes its blocks to the staging area as Arrow IPC. Any other plan (a join, a repartition)
   runs as usual and its parts stay where the executor keeps them.
2. **Pivot** (`pivot_parts`). Once every part is known so is the frame schema; one task per
   part conforms its blocks to it (so every part gives the same tables and columns, the
   Choice-of-array case included), relationalizes them with keys numbered from 1 within the
   part, and writes each table's rows to one IPC file. It reports the rows per table.

The driver adds up the rows per table part by part: each part's offsets, which the output
frames (`FromStaged` leaves) add to the key columns as they read the files (`key_links`). So the
keys are exactly those of relationalizing the whole frame in block order in one place.

Memory: a task holds one split's (one part's) blocks and their tables; the driver holds none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from glueworks.runtime.executors.base import Executed, Executor
from glueworks.runtime.executors.pipeline import SplitMeta, run_split
from glueworks.runtime.executors.writing import contiguous_groups, leaf_splits
from glueworks.runtime.locations import Location
from glueworks.runtime.plan import BlockOp, FromStaged, FromTables, PlanNode, Read, split_chain
from glueworks.runtime.schema import conform_table
from glueworks.runtime.sources import Split
from glueworks.runtime.splitting import TASKS_PER_WORKER
from glueworks.runtime.staging import (
    IpcFileWriter,
    KeyShifts,
    StagedSplit,
    StagingArea,
    read_files,
    remove_files,
    write_runs,
)
from glueworks.runtime.transforms.relationalize import key_links, relationalize_block, relationalize_schemas

#: Most rows of one relationalized table a split of it reads (several staged parts; bounds a task's memory).
MAX_GROUP_ROWS = 500_000

#: Called in the driver for each finished part (see `stages.OnPartDone`).
OnPartDone = Callable[[SplitMeta, bool], None]


@dataclass(frozen=True)
class StagedFiles:
    """A part staged by `stage_input`: its IPC files, in block order."""

    files: tuple[Location, ...]


@dataclass(frozen=True)
class StagedInput:
    """The input of the pivot: per-part metadata, and a source per part that has blocks.

    Attributes:
        executed: Metadata of every part (errors, counts, block schemas; no blocks).
        sources: Per part, its `StagedFiles` or the executor's handle to its blocks, or None
            when it made no blocks.
    """

    executed: Executed
    sources: list[Any]


@dataclass(frozen=True)
class StagedTable:
    """One output table: its schema and its staged parts (none when it got no rows)."""

    schema: pa.Schema
    splits: tuple[Split, ...]


def stage_input(executor: Executor, plan: PlanNode, area: StagingArea, on_done: OnPartDone) -> StagedInput:
    """Run `plan`, staging its parts (round 1); `on_done` sees every part, as `run_plan` does.

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
    folder = area.location.child("input")
    calls = [(index, split, ops, folder) for index, split in enumerate(splits)]
    results: list[tuple[SplitMeta, StagedFiles]] = [meta for meta, _ in executor.run_tasks(_stage_task, calls, 0)]
    for meta, _ in results:
        on_done(meta, isinstance(base, Read))
    metas = [meta for meta, _ in results]
    staged = [files if files.files else None for _, files in results]
    return StagedInput(Executed(metas=metas, parts=[]), staged)


def pivot_parts(
    executor: Executor, staged: StagedInput, schema: pa.Schema, root: str, area: StagingArea
) -> dict[str, StagedTable]:
    """Relationalize every staged part against the frame `schema` (round 2).

    Returns:
        Every table relationalize makes for `schema` (root first, as `relationalize_block`
        orders them), with its staged parts in frame order and their key shifts.
    """
    schemas = relationalize_schemas(schema, root)
    names = tuple(schemas)
    folder = area.location.child("tables")
    calls = [
        (index, source, schema, root, names, folder)
        for index, source in enumerate(staged.sources)
        if source is not None
    ]
    reports: list[dict[str, tuple[Location, int]]] = [meta for meta, _ in executor.run_tasks(_pivot_task, calls, 0)]
    # Removed only now, by the driver: a pivot task that dies after its work is retried, and must
    # still find its input.
    remove_files([file for source in staged.sources if isinstance(source, StagedFiles) for file in source.files])
    links = key_links(schema, root)
    offsets = dict.fromkeys(names, 0)
    staged_parts: dict[str, list[tuple[Location, KeyShifts, int]]] = {name: [] for name in names}
    for report in reports:
        for name in names:
            if name not in report:
                continue
            location, rows = report[name]
            shifts = tuple((column, offsets[source]) for column, source in links.get(name, {}).items())
            staged_parts[name].append((location, shifts, rows))
        for name in names:
            offsets[name] += report[name][1] if name in report else 0
    target = executor.max_parallelism * TASKS_PER_WORKER
    return {name: StagedTable(schemas[name], _group_parts(name, staged_parts[name], target)) for name in names}


def _group_parts(name: str, parts: list[tuple[Location, KeyShifts, int]], target: int) -> tuple[Split, ...]:
    """Neighbouring staged parts as about `target` splits of at most `MAX_GROUP_ROWS` rows each.

    One split per part would make the stages that read a relationalized table (a join's map side, a
    write) run a task per input split however small: at 3M events, 24 parts of a narrow child table
    were 48 tasks of ~20 ms, mostly Ray's per-task cost.
    """
    rows = [part_rows for _, _, part_rows in parts]
    count = max(target, -(-sum(rows) // MAX_GROUP_ROWS))
    groups = contiguous_groups(rows, count)
    return tuple(
        StagedSplit(name, index, tuple((parts[i][0], parts[i][1]) for i in group)) for index, group in enumerate(groups)
    )


# --- task bodies (module level: they travel to Ray workers) ------------------------------------


def _stage_task(
    index: int, split: Split, ops: tuple[BlockOp, ...], folder: Location
) -> tuple[tuple[SplitMeta, StagedFiles]]:
    """Read one split, run the operators, write its blocks as IPC files."""
    meta, blocks = run_split(index, split, ops)
    return ((meta, StagedFiles(write_runs(blocks, folder, f"{index:06d}"))),)


def _pivot_task(
    index: int, source: Any, schema: pa.Schema, root: str, names: tuple[str, ...], folder: Location
) -> tuple[dict[str, tuple[Location, int]]]:
    """Conform and relationalize one part block by block; write each table's rows to one file.

    Returns the file and row count of every table that got rows (keys count from 1 in the part).
    """
    blocks: Iterator[pa.Table] = read_files(source.files) if isinstance(source, StagedFiles) else iter(source)
    writers: dict[str, IpcFileWriter] = {}
    offsets: dict[str, int] = {}
    position = {name: number for number, name in enumerate(names)}
    try:
        # Block by block, each table's rows go straight to its file: a task holds one block's tables.
        for block in blocks:
            for name, table in relationalize_block(conform_table(block, schema), root, offsets).items():
                offsets[name] = offsets.get(name, 0) + table.num_rows
                if not table.num_rows:
                    continue
                if name not in writers:
                    location = folder.child(f"{index:06d}-{position[name]:04d}.arrow")
                    writers[name] = IpcFileWriter(location, table.schema)
                writers[name].write(table)
    finally:
        for writer in writers.values():
            writer.close()
    return ({name: (writer.location, writer.rows) for name, writer in writers.items()},)
