"""ApplyMapping: keep only mapped fields, renamed (dotted targets nest) and cast.

A mapped source field a block lacks is left out of that block, as Glue leaves it out of each
record that lacks it; the frame schema has the field if any block has it.

Array paths (``[]``, see `glueworks.runtime.paths`). Glue documents the syntax but not the
shapes; the rules chosen here, each tested:

* A source with k ``[]`` steps gives, per record, its values nested k arrays deep, and the target
  must have exactly k ``[]`` steps too: the i-th ``[]`` of the target takes the lengths and
  nulls of the i-th ``[]`` of the source. So ``("items[].sku", "string", "skus[]", "string")``
  makes ``skus: array<string>`` with one sku per item, and ``("items[].qty", "int",
  "items[].quantity", "long")`` renames and casts a field inside each element; several
  mappings into one target array build the struct of its elements.
* The types in such a mapping are the types of the elements (``string``, not ``array``).
* Mappings that write into one target array must read one source array (the same path up to
  that ``[]``), so their lengths agree; a target cannot be an array in one mapping and a struct
  in another. Both are checked when the plan is built (`check_array_mappings`).
* A null array stays null; a value under a null struct is null; an element rebuilt as a struct
  is never null itself (its fields are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

import pyarrow as pa

from glueworks.runtime.casting import cast_column
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.paths import ELEMENTS, Level, format_path, get_nested, get_path, wrap
from glueworks.runtime.plan import ApplyMapping, Mapping

_Tree = dict[str, Union[tuple[pa.Field, pa.ChunkedArray], "_Tree"]]


def apply_mapping_block(block: pa.Table, node: ApplyMapping) -> pa.Table:
    """Apply every mapping of `node` to one block (columnar)."""
    if any(ELEMENTS in mapping.source for mapping in node.mappings):
        return _apply_nested(block, node)
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


# --- mappings with array paths -------------------------------------------------------------


def check_array_mappings(mappings: Sequence[Mapping]) -> None:
    """Check the ``[]`` steps of parsed mappings fit together (see the module doc).

    Raises:
        InvalidOptionError: Source and target differ in their number of ``[]``, one target
            array is filled from two source arrays, or a target is an array in one mapping and
            a struct in another; the message names the mapping.
    """
    sources: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = {}
    for index, mapping in enumerate(mappings):
        option = f"mappings[{index}]"
        source_cuts = [i for i, name in enumerate(mapping.source) if name == ELEMENTS]
        target_cuts = [i for i, name in enumerate(mapping.target) if name == ELEMENTS]
        if len(source_cuts) != len(target_cuts):
            raise InvalidOptionError(
                option,
                f"target {format_path(mapping.target)!r} has {len(target_cuts)} [] but source "
                f"{format_path(mapping.source)!r} has {len(source_cuts)}; each [] of the target takes "
                "the elements of one [] of the source",
            )
        for source_cut, target_cut in zip(source_cuts, target_cuts, strict=True):
            target, source = mapping.target[: target_cut + 1], mapping.source[: source_cut + 1]
            first_source, first_index = sources.setdefault(target, (source, index))
            if first_source != source:
                raise InvalidOptionError(
                    option,
                    f"target array {format_path(target)!r} takes its elements from {format_path(source)!r}, "
                    f"but mappings[{first_index}] fills it from {format_path(first_source)!r}",
                )
        for other_index, other in enumerate(mappings[:index]):
            for mine, theirs in zip(mapping.target, other.target, strict=False):
                if mine != theirs:
                    if ELEMENTS in (mine, theirs):
                        raise InvalidOptionError(
                            option,
                            f"target {format_path(mapping.target)!r} clashes with mappings[{other_index}]: "
                            "one field cannot be both an array and a struct",
                        )
                    break


@dataclass(frozen=True)
class _Leaf:
    field: pa.Field
    values: pa.Array
    levels: tuple[Level, ...]


_NestedTree = dict[str, Union[_Leaf, "_NestedTree"]]


def _apply_nested(block: pa.Table, node: ApplyMapping) -> pa.Table:
    tree: _NestedTree = {}
    for mapping in node.mappings:
        found = get_nested(block, mapping.source, case_sensitive=node.case_sensitive)
        if found is None:
            continue
        field, values, levels = found
        name = mapping.target[-1]
        if mapping.target_type is None:
            out_field = field.with_name(name).with_nullable(True)
        else:
            chunked = pa.chunked_array([values], type=values.type)
            values = cast_column(chunked, field, mapping.target_type).combine_chunks()
            out_field = pa.field(name, mapping.target_type)
        branch = tree
        for part in mapping.target[:-1]:
            nested = branch.setdefault(part, {})
            assert isinstance(nested, dict)  # checked when the plan was built
            branch = nested
        branch[name] = _Leaf(out_field, values, levels)
    if not tree:
        return block.select([])
    built = [_value(name, sub, 0) for name, sub in tree.items()]
    return pa.Table.from_arrays([array for _, array in built], schema=pa.schema([field for field, _ in built]))


def _value(name: str, node: _Leaf | _NestedTree, depth: int) -> tuple[pa.Field, pa.Array]:
    """The field `name` built from `node`, its values `depth` arrays deep (flattened)."""
    if isinstance(node, _Leaf):
        return node.field.with_name(name), node.values
    if ELEMENTS in node:
        element_field, elements = _value("item", node[ELEMENTS], depth + 1)
        # Every mapping under this array reads the same source array: any one gives its shape.
        level = _first_leaf(node).levels[depth]
        return wrap(element_field.with_name(name), elements, level)
    children = [_value(child, sub, depth) for child, sub in node.items()]
    struct = pa.StructArray.from_arrays([array for _, array in children], fields=[field for field, _ in children])
    return pa.field(name, struct.type), struct


def _first_leaf(node: _Leaf | _NestedTree) -> _Leaf:
    while not isinstance(node, _Leaf):
        node = next(iter(node.values()))
    return node
