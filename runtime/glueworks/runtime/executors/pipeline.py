"""The fused per-split pipeline both executors run: read a split, then apply every operator
to each of its blocks, in one task."""

from __future__ import annotations

import ctypes
import functools
import gc
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.error_spool import collect
from glueworks.runtime.plan import BlockOp
from glueworks.runtime.sources import FileSplit, Split
from glueworks.runtime.transforms import apply_op


@dataclass(frozen=True)
class SplitMeta:
    """What a split task reports back to the driver (small; the blocks stay where they are).

    Attributes:
        index: Position of the split in the plan's split list.
        split_id: Stable id of the split (metrics count each split once per run).
        schemas: Schema of each result block, in order.
        num_rows: Rows over all result blocks.
        num_bytes: Arrow bytes of the result blocks (what sizes shuffle buckets).
        errors: Error records found reading or transforming the split (an `ErrorBatch`, sorted; in the
            driver of a run, in the run's spool file).
        records_read: Good input records read.
        bytes_read: Bytes read from storage.
        stage_errors: Error records per stage: the read first, then each operator in order
            (what ``stageErrorsCount`` and the error thresholds count).
    """

    index: int
    split_id: str
    schemas: tuple[pa.Schema, ...]
    num_rows: int
    errors: Sequence[ErrorRecord]
    records_read: int
    bytes_read: int
    stage_errors: tuple[int, ...] = ()
    num_bytes: int = 0


def run_split(index: int, split: Split, ops: tuple[BlockOp, ...]) -> tuple[SplitMeta, list[pa.Table]]:
    """Read one split and push each block through every operator."""
    output = split.read()
    errors = list(output.errors)
    # Operators' error records name the file a split reads (a byte range names its file too).
    location = getattr(split, "location", None) if isinstance(split, FileSplit) or _is_range(split) else None
    source = location.url if location is not None else split.split_id
    stage_errors = [len(errors)] + [0] * len(ops)
    blocks = []
    # Each raw block is let go once transformed, so a task never holds a split twice over.
    pending = output.blocks[::-1]
    output.blocks.clear()
    while pending:
        block = pending.pop()
        for stage, op in enumerate(ops, start=1):
            block, op_errors = apply_op(block, op, source)
            errors.extend(op_errors)
            stage_errors[stage] += len(op_errors)
        blocks.append(block)
    meta = SplitMeta(
        index=index,
        split_id=split.split_id,
        schemas=tuple(block.schema for block in blocks),
        num_rows=sum(block.num_rows for block in blocks),
        num_bytes=sum(block.nbytes for block in blocks),
        errors=collect(errors),
        records_read=output.records,
        bytes_read=split.size,
        stage_errors=tuple(stage_errors),
    )
    return meta, blocks


def _is_range(split: Split) -> bool:
    from glueworks.runtime.splitting import RangeSplit

    return isinstance(split, RangeSplit)


def run_part(
    index: int, part_id: str, blocks: list[pa.Table], ops: tuple[BlockOp, ...]
) -> tuple[SplitMeta, list[pa.Table]]:
    """Push the blocks a stage made (a join bucket, a repartitioned part) through `ops`.

    The stage itself makes no error records; `part_id` (``join:3``) names the part in metrics
    and in error records of the operators.
    """
    errors: list[ErrorRecord] = []
    stage_errors = [0] * (len(ops) + 1)
    out = []
    for block in blocks:
        for stage, op in enumerate(ops, start=1):
            block, op_errors = apply_op(block, op, part_id)
            errors.extend(op_errors)
            stage_errors[stage] += len(op_errors)
        out.append(block)
    meta = SplitMeta(
        index=index,
        split_id=part_id,
        schemas=tuple(block.schema for block in out),
        num_rows=sum(block.num_rows for block in out),
        num_bytes=sum(block.nbytes for block in out),
        errors=collect(errors),
        records_read=0,
        bytes_read=0,
        stage_errors=tuple(stage_errors),
    )
    return meta, out


@functools.cache
def freeze_imported_objects() -> None:
    """Leave the objects alive now (imported modules, mostly) out of every later garbage collection; once a process.

    A full collection walks every object the collector tracks, and a task or driver process holds ~150,000
    from imports alone: the burst of objects from unpickling one meta with ~4,000 error records set one off
    that took the driver ~0.1 s (~0.01 s once frozen). Frozen objects are still freed by reference counting.
    """
    gc.freeze()


#: Linux ``prctl`` option: this process (and its children) gets no transparent huge pages.
PR_SET_THP_DISABLE = 41


@functools.cache
def disable_transparent_huge_pages() -> bool:
    """Have Linux back this process's memory with 4 KiB pages only, not 2 MiB huge ones; once a process.

    Arrow's allocator asks for huge pages, so each first touch of fresh memory zeroes (and holds) 2 MiB,
    and a task worker gives its freed pages back after every task (`release_arrow_memory`) and faults them
    in again in the next: churn that huge pages make coarse, as databases that churn memory the same way
    (Redis, MongoDB) warn. On the lake benchmark (1M events, 2 workers) this lowered the run's peak PSS in
    9 of 10 alternating pairs: 969-1,040 MB against 1,004-1,103 MB (maxima 1,040 against 1,103), with work
    times within the box's noise. Returns whether the setting took (False off Linux).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL(None, use_errno=True).prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):  # no libc to load, or one without prctl
        return False


def release_arrow_memory() -> None:
    """Give the pages Arrow's allocator keeps after a task (or a join bucket) back to the OS.

    A Ray worker lives on between tasks, and mimalloc holds freed pages for reuse: at the 3M-event
    benchmark that was ~150 MB per idle worker. Only garbage is freed; live tables stay.
    """
    pa.default_memory_pool().release_unused()
