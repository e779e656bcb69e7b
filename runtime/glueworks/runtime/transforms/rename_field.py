"""RenameField: move the field at one full path to another (a rename when both share a parent).

Paths are dotted, with back-ticks around names holding dots (```a.b`.c``). Semantics chosen
where Glue is silent, each tested:

* a block lacking the old path is unchanged (Glue ignores an unknown path; fields may be absent
  from some blocks only);
* a field already at the new path is replaced;
* a new path whose parents are missing creates them as structs; a rename in place keeps the
  field's position, a move appends it to its new parent;
* with array paths only a rename in place is supported: ``items[].sku`` → ``items[].code``
  renames the field in every element (`check_rename_paths` refuses moves into or out of arrays).
"""

from __future__ import annotations

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.paths import ELEMENTS, format_path, get_nested, get_path, replace_path
from glueworks.runtime.plan import RenameField
from glueworks.runtime.transforms.drop_fields import drop_path

_Value = tuple[pa.Field, pa.ChunkedArray]


def check_rename_paths(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Check a rename through arrays stays in place (same parent, not an array's elements).

    Raises:
        InvalidOptionError: `newName` moves a field into or out of an array, or a path ends
            in ``[]``; the message names both paths.
    """
    if ELEMENTS not in old and ELEMENTS not in new:
        return
    if old[:-1] != new[:-1] or ELEMENTS in (old[-1], new[-1]):
        raise InvalidOptionError(
            "newName",
            f"{format_path(old)!r} → {format_path(new)!r}: with [] only a rename in place is supported "
            "(same parent, e.g. items[].sku → items[].code); use apply_mapping to move values",
        )


def rename_field_block(block: pa.Table, node: RenameField) -> pa.Table:
    """Rename or move one field in one block (columnar)."""
    old, new = node.old, node.new
    if old == new:
        return block
    if ELEMENTS in old:
        # In place, in every element (checked when the plan was built).
        if get_nested(block, old) is None:
            return block
        if get_nested(block, new) is not None:
            block = drop_path(block, new)
        return replace_path(block, old, lambda field, column: [(field.with_name(new[-1]), column)])
    found = get_path(block, old)
    if found is None:
        return block
    if old[:-1] == new[:-1] and get_path(block, new) is None:
        return replace_path(block, old, lambda field, column: [(field.with_name(new[-1]), column)])
    field, column = found
    return _put(drop_path(block, old), new, (field.with_name(new[-1]), column))


def _put(block: pa.Table, path: tuple[str, ...], value: _Value) -> pa.Table:
    """`block` with `value` at `path`, replacing what is there and creating missing parents."""
    name = path[0]
    existing = None
    if name in block.column_names:
        existing = (block.schema.field(name), block.column(name))
    field, column = _place(name, existing, path[1:], value, block.num_rows)
    if existing is not None:
        return block.set_column(block.column_names.index(name), field, column)
    return block.append_column(field, column)


def _place(name: str, existing: _Value | None, rest: tuple[str, ...], value: _Value, length: int) -> _Value:
    if not rest:
        return value[0].with_name(name), value[1]
    children: list[_Value] = []
    mask = None
    if existing is not None and pa.types.is_struct(existing[0].type):
        struct_type = existing[0].type
        array = existing[1].combine_chunks()
        children = [(struct_type.field(i), pa.chunked_array([child])) for i, child in enumerate(array.flatten())]
        mask = array.is_null()
    names = [child.name for child, _ in children]
    if rest[0] in names:
        index = names.index(rest[0])
        children[index] = _place(rest[0], children[index], rest[1:], value, length)
    else:
        children.append(_place(rest[0], None, rest[1:], value, length))
    fields = [f for f, _ in children]
    arrays = [c.combine_chunks() for _, c in children]
    struct = pa.StructArray.from_arrays(arrays, fields=fields, mask=mask)
    return pa.field(name, struct.type), pa.chunked_array([struct], type=struct.type)
