"""The fused per-split pipeline both executors run: read a split, then apply every operator
to each of its blocks, in one task."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
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
        errors: Error records found reading or transforming the split.
        records_read: Good input records read.
        bytes_read: Bytes read from storage.
    """

    index: int
    split_id: str
    schemas: tuple[pa.Schema, ...]
    num_rows: int
    errors: tuple[ErrorRecord, ...]
    records_read: int
    bytes_read: int


def run_split(index: int, split: Split, ops: tuple[BlockOp, ...]) -> tuple[SplitMeta, list[pa.Table]]:
    """Read one split and push each block through every operator."""
    output = split.read()
    errors = list(output.errors)
    source = split.location.url if isinstance(split, FileSplit) else split.split_id
    blocks = []
    for block in output.blocks:
        for op in ops:
            block, op_errors = apply_op(block, op, source)
            errors.extend(op_errors)
        blocks.append(block)
    meta = SplitMeta(
        index=index,
        split_id=split.split_id,
        schemas=tuple(block.schema for block in blocks),
        num_rows=sum(block.num_rows for block in blocks),
        errors=tuple(errors),
        records_read=output.records,
        bytes_read=split.size,
    )
    return meta, blocks
