"""DropFields: remove the listed paths; a nested path removes just that child of its struct.

As in Glue, a path a block lacks is ignored (no error): fields may be absent from some blocks.
A struct whose last field is dropped is dropped as well (an empty struct cannot be written).

A path through an array (``items[].qty``) removes the field from every element of the array;
an array whose elements lose their last field is dropped. A path ending in ``[]`` is refused
(`check_drop_paths`): an array cannot lose its elements, drop the array itself instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.paths import ELEMENTS, format_path, get_nested, get_path, replace_path
from glueworks.runtime.plan import DropFields


def check_drop_paths(paths: Sequence[tuple[str, ...]], option: str = "paths") -> None:
    """Refuse paths that end in ``[]``.

    Raises:
        InvalidOptionError: A path ends in ``[]``; the message names it.
    """
    for path in paths:
        if path[-1] == ELEMENTS:
            array = path
            while array[-1] == ELEMENTS:
                array = array[:-1]
            raise InvalidOptionError(
                option,
                f"cannot drop the elements of an array ({format_path(path)!r}); drop {format_path(array)!r} instead",
            )


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
    parent = path[:-1]
    found = get_nested(block, parent) if ELEMENTS in parent else get_path(block, parent)
    if found is not None and pa.types.is_struct(found[0].type) and found[0].type.num_fields == 0:
        # A struct left with no fields cannot be written (Parquet refuses it): drop it too, and
        # the array whose elements it is.
        while parent[-1] == ELEMENTS:
            parent = parent[:-1]
        return drop_path(block, parent)
    return block
