"""Per-block transform implementations, one module per transform.

Each takes a block and its plan node and returns the new block; record-level transforms also
return error records. `apply_op` picks the implementation for a node.
"""

from __future__ import annotations

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.plan import (
    ApplyMapping,
    BlockOp,
    DropFields,
    Map,
    RenameField,
    ResolveChoice,
    SelectFields,
    SplitRows,
    Unbox,
    Unnest,
)
from glueworks.runtime.transforms.apply_mapping import apply_mapping_block
from glueworks.runtime.transforms.drop_fields import drop_fields_block
from glueworks.runtime.transforms.filter import filter_block
from glueworks.runtime.transforms.map import map_block
from glueworks.runtime.transforms.rename_field import rename_field_block
from glueworks.runtime.transforms.resolve_choice import resolve_choice_block
from glueworks.runtime.transforms.select_fields import select_fields_block
from glueworks.runtime.transforms.split_rows import split_rows_block
from glueworks.runtime.transforms.unbox import unbox_block
from glueworks.runtime.transforms.unnest import unnest_table


def apply_op(block: pa.Table, op: BlockOp, source: str) -> tuple[pa.Table, list[ErrorRecord]]:
    """Run one operator on one block; `source` names the input in error records."""
    if isinstance(op, ApplyMapping):
        return apply_mapping_block(block, op), []
    if isinstance(op, ResolveChoice):
        return resolve_choice_block(block, op), []
    if isinstance(op, SelectFields):
        return select_fields_block(block, op), []
    if isinstance(op, DropFields):
        return drop_fields_block(block, op), []
    if isinstance(op, RenameField):
        return rename_field_block(block, op), []
    if isinstance(op, SplitRows):
        return split_rows_block(block, op), []
    if isinstance(op, Map):
        return map_block(block, op, source)
    if isinstance(op, Unbox):
        return unbox_block(block, op, source)
    if isinstance(op, Unnest):
        return unnest_table(block), []
    return filter_block(block, op, source)


__all__ = [
    "apply_mapping_block",
    "apply_op",
    "drop_fields_block",
    "filter_block",
    "map_block",
    "rename_field_block",
    "resolve_choice_block",
    "select_fields_block",
    "split_rows_block",
    "unbox_block",
    "unnest_table",
]
