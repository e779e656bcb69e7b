"""DropFields: remove the listed paths; a nested path removes just that child of its struct.

As in Glue, a path a block lacks is ignored (no error): fields may be absent from some blocks.
A struct whose last field is dropped is dropped as well (an empty struct cannot be written).
"""

from __future__ import annotations

import pyarrow as pa

from glueworks.runtime.paths import get_path, replace_path
from glueworks.runtime.plan import DropFields


def drop_fields_block(block: pa.Table, node: DropFields) -> pa.Table:
    """Remove the fields at `node.paths` from one block (columnar)."""
    for path in node.paths:
        block = drop_path(block, path)
    return block


def drop_path(block: pa.Table, path: tuple[str, ...]) -> pa.Table:
    """`block` without the field at `path` (unchanged when it lacks the field)."""
    if len(path) == 1:
        if path[0] not in block.column_names:
            return block
        return block.drop_columns([path[0]])
    block = replace_path(block, path, lambda field, column: [])
    parent = get_path(block, path[:-1])
    if parent is not None and pa.types.is_struct(parent[0].type) and parent[0].type.num_fields == 0:
        # A struct left with no fields cannot be written (Parquet refuses it): drop it too.
        return drop_path(block, path[:-1])
    return block
