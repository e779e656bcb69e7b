"""ApplyMapping: keep only mapped fields, renamed (dotted targets nest) and cast.

A mapped source field a block lacks is left out of that block, as Glue leaves it out of each
record that lacks it; the frame schema has the field if any block has it.
"""

from __future__ import annotations

from typing import Union

import pyarrow as pa

from glueworks.runtime.casting import cast_column
from glueworks.runtime.paths import get_path
from glueworks.runtime.plan import ApplyMapping

_Tree = dict[str, Union[tuple[pa.Field, pa.ChunkedArray], "_Tree"]]


def apply_mapping_block(block: pa.Table, node: ApplyMapping) -> pa.Table:
    """Apply every mapping of `node` to one block (columnar)."""
    tree: _Tree = {}
    for mapping in node.mappings:
        found = get_path(block, mapping.source, case_sensitive=node.case_sensitive)
        if found is None:
            continue
        field, column = found
        name = mapping.target[-1]
        if mapping.target_type is None:
            out_field = field.with_name(name)
        else:
            column = cast_column(column, field, mapping.target_type)
            out_field = pa.field(name, mapping.target_type)
        branch = tree
        for part in mapping.target[:-1]:
            nested = branch.setdefault(part, {})
            assert isinstance(nested, dict)  # targets were checked for clashes when the plan was built
            branch = nested
        branch[name] = (out_field, column)
    if not tree:
        # No mapped field here: the records remain, empty.
        return block.select([])
    fields, columns = _build(tree, block.num_rows)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _build(tree: _Tree, length: int) -> tuple[list[pa.Field], list[pa.ChunkedArray]]:
    fields: list[pa.Field] = []
    columns: list[pa.ChunkedArray] = []
    for name, node in tree.items():
        if isinstance(node, tuple):
            fields.append(node[0])
            columns.append(node[1])
            continue
        child_fields, child_columns = _build(node, length)
        arrays = [column.combine_chunks() for column in child_columns]
        struct = pa.StructArray.from_arrays(arrays, fields=child_fields)
        fields.append(pa.field(name, struct.type))
        columns.append(pa.chunked_array([struct], type=struct.type))
    return fields, columns
