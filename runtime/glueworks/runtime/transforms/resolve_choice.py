"""ResolveChoice: settle a Choice (or any column) by ``cast``, ``project``, ``make_struct``,
``make_cols``.

Each block is resolved on its own, and the results of blocks whose column had different types
merge back to one field:

* ``cast:<type>`` casts every value (each member of a Choice) to the type; failures become null.
* ``project:<type>`` keeps the values of that type's family (cast to it); others become null.
* ``make_struct`` turns the column into a struct with one child per type, named by Glue type
  name (a Choice is already stored this way, so this only drops the Choice mark).
* ``make_cols`` splits the column into ``<name>_<type>`` columns, one per type.

A path may step into arrays (``myList[].price``, ``vals[]``): the action then applies inside
every element and the arrays keep their lengths and nulls (`glueworks.runtime.paths.replace_path`).
``make_cols`` cannot split a field inside array elements; the frame refuses that spec.
"""

from __future__ import annotations

import functools

import pyarrow as pa

from glueworks.runtime.casting import cast_column
from glueworks.runtime.gluetypes import choice_members, glue_type_name, is_choice, type_family
from glueworks.runtime.paths import replace_path
from glueworks.runtime.plan import ChoiceSpec, ResolveChoice


def resolve_choice_block(block: pa.Table, node: ResolveChoice) -> pa.Table:
    """Apply every spec of `node` to one block; a path the block lacks is skipped."""
    for spec in node.specs:
        if _already_cast(block, spec):
            continue
        block = replace_path(block, spec.path, functools.partial(_resolve, spec))
    return block


def _already_cast(block: pa.Table, spec: ChoiceSpec) -> bool:
    """Whether ``cast`` would rebuild a top-level column into exactly what it is (the common
    case: most blocks already hold the type), so the block can be kept as it is."""
    if spec.action != "cast" or len(spec.path) != 1 or spec.target_type is None:
        return False
    index = block.schema.get_field_index(spec.path[0])  # -1 when missing or duplicated
    if index < 0:
        return False
    field = block.schema.field(index)
    # Equal with metadata and nullability, so neither a Choice nor any other mark is dropped.
    return bool(field.equals(pa.field(field.name, spec.target_type), check_metadata=True))


def _resolve(spec: ChoiceSpec, field: pa.Field, column: pa.ChunkedArray) -> list[tuple[pa.Field, pa.ChunkedArray]]:
    name = field.name
    if spec.action == "cast":
        target = spec.target_type
        assert target is not None
        return [(pa.field(name, target), cast_column(column, field, target))]
    if spec.action == "project":
        return [_project(field, column, spec)]
    if spec.action == "make_struct":
        if is_choice(field):
            return [(pa.field(name, column.type), column)]
        member = pa.field(glue_type_name(field.type), field.type)
        chunks = [pa.StructArray.from_arrays([chunk], fields=[member], mask=chunk.is_null()) for chunk in column.chunks]
        struct_type = pa.struct([member])
        return [(pa.field(name, struct_type), pa.chunked_array(chunks, type=struct_type))]
    # make_cols
    if not is_choice(field):
        return [(pa.field(f"{name}_{glue_type_name(field.type)}", field.type), column)]
    out = []
    for index, member in enumerate(choice_members(field)):
        child = pa.chunked_array([chunk.flatten()[index] for chunk in column.chunks], type=member.type)
        out.append((member.with_name(f"{name}_{member.name}"), child))
    return out


def _project(field: pa.Field, column: pa.ChunkedArray, spec: ChoiceSpec) -> tuple[pa.Field, pa.ChunkedArray]:
    target = spec.target_type
    assert target is not None
    family = type_family(target)
    out_field = pa.field(field.name, target)
    if is_choice(field):
        for index, member in enumerate(choice_members(field)):
            if type_family(member.type) == family:
                child = pa.chunked_array([chunk.flatten()[index] for chunk in column.chunks], type=member.type)
                return out_field, cast_column(child, member, target)
    elif type_family(field.type) == family:
        return out_field, cast_column(column, field, target)
    return out_field, pa.chunked_array([pa.nulls(len(column), target)], type=target)
