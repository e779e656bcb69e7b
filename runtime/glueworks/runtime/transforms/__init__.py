"""Per-block transform implementations, one module per transform.

Each takes a block and its plan node and returns the new block; record-level transforms also
return error records. `apply_op` picks the implementation for a node.
"""

from __future__ import annotations

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.plan import ApplyMapping, BlockOp, ResolveChoice
from glueworks.runtime.transforms.apply_mapping import apply_mapping_block
from glueworks.runtime.transforms.filter import filter_block
from glueworks.runtime.transforms.resolve_choice import resolve_choice_block


def apply_op(block: pa.Table, op: BlockOp, source: str) -> tuple[pa.Table, list[ErrorRecord]]:
    """Run one operator on one block; `source` names the input in error records."""
    if isinstance(op, ApplyMapping):
        return apply_mapping_block(block, op), []
    if isinstance(op, ResolveChoice):
        return resolve_choice_block(block, op), []
    return filter_block(block, op, source)


__all__ = ["apply_mapping_block", "apply_op", "filter_block", "resolve_choice_block"]
