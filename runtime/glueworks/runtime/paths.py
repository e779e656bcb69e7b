"""Field paths over Arrow blocks, written the way Glue writes them.

* ``a.b.c`` reaches into structs;
* back-ticks quote a name holding dots or brackets: ```a.b`.c`` is field ``c`` of field ``a.b``;
* ``[]`` after a name (or after another ``[]``) stands for every element of that array:
  ``items[].sku`` is the ``sku`` of each element of ``items``, ``matrix[][]`` each element of each
  inner array. Parsed, ``[]`` is the name `ELEMENTS` (``("items", "[]", "sku")``), so a field
  literally named ``[]`` cannot be addressed. Indexes (``items[0]``) are not part of Glue's
  syntax and are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.errors import InvalidOptionError

#: The path step meaning "every element of this array".
ELEMENTS = "[]"


def parse_path(path: str, option: str, *, arrays: bool = False) -> tuple[str, ...]:
    """Split a field path into names (`ELEMENTS` for each ``[]``).

    Args:
        path: ``a.b.c``; a name with dots is quoted with back-ticks (```a.b`.c``); with
            `arrays`, ``items[].sku`` steps into the elements of array ``items``.
        option: Option name for error messages.
        arrays: Whether the caller handles ``[]`` steps (ApplyMapping, SelectFields, …).

    Raises:
        InvalidOptionError: The path is empty or malformed, or uses ``[]`` where the caller
            does not support it.
    """
    if not isinstance(path, str) or not path.strip():
        raise InvalidOptionError(option, "a field path must be a non-empty string")
    names: list[str] = []
    current: list[str] = []
    quoted = False
    closed = False
    # Just after a `[]` (only ".", "[]" or the end may follow).
    after_elements = False
    index = 0
    while index < len(path):
        char = path[index]
        index += 1
        if char == "`":
            if quoted:
                closed = True
            elif current or closed or after_elements:
                raise InvalidOptionError(option, f"misplaced back-tick in path {path!r}")
            quoted = not quoted
            continue
        if quoted:
            current.append(char)
            continue
        if char == ".":
            if current or closed or not after_elements:
                names.append(_finish(current, path, option))
            current, closed, after_elements = [], False, False
            continue
        if char in "[]":
            if char == "]" or path[index : index + 1] != "]":
                raise InvalidOptionError(
                    option, f"malformed brackets in path {path!r}: only [] (every element) is allowed"
                )
            if not arrays:
                raise InvalidOptionError(option, f"array paths like {path!r} are not supported by this option")
            if current or closed:
                names.append(_finish(current, path, option))
            elif not after_elements:
                raise InvalidOptionError(option, f"[] must follow a field name in path {path!r}")
            names.append(ELEMENTS)
            current, closed, after_elements = [], False, True
            index += 1
            continue
        if closed:
            raise InvalidOptionError(option, f"text after a closing back-tick in path {path!r}")
        if after_elements:
            raise InvalidOptionError(option, f"expected '.' in path {path!r} before {char!r}")
        current.append(char)
    if quoted:
        raise InvalidOptionError(option, f"unclosed back-tick in path {path!r}")
    if current or closed or not after_elements:
        names.append(_finish(current, path, option))
    return tuple(names)


def _finish(current: list[str], path: str, option: str) -> str:
    name = "".join(current)
    if not name:
        raise InvalidOptionError(option, f"empty name in path {path!r}")
    if name == ELEMENTS:
        raise InvalidOptionError(option, f"a field named '[]' cannot be addressed (path {path!r})")
    return name


def format_path(path: tuple[str, ...]) -> str:
    """A parsed path written back the way a user writes it (``items[].sku``, ```a.b`.c``)."""
    text = ""
    for name in path:
        if name == ELEMENTS:
            text += ELEMENTS
            continue
        quoted = f"`{name}`" if any(c in name for c in ".[]`") else name
        text += f".{quoted}" if text else quoted
    return text


def _match(parent: pa.Schema | pa.StructType, wanted: str, case_sensitive: bool) -> int | None:
    """Index of child `wanted` of a schema or struct type (the first one if the name repeats)."""
    # The name lookup covers the common case without building a list of names per call;
    # -1 means missing or repeated, settled below like `list.index` would.
    index: int = parent.get_field_index(wanted)
    if index >= 0:
        return index
    names = parent.names if isinstance(parent, pa.Schema) else [f.name for f in parent]
    if wanted in names:
        return names.index(wanted)
    if not case_sensitive:
        lowered = wanted.lower()
        for i, name in enumerate(names):
            if name.lower() == lowered:
                return i
    return None


def _child(chunk: pa.Array, index: int) -> pa.Array:
    """Child `index` of a struct array, null wherever the struct is (like ``flatten()``, but
    without materialising the other children)."""
    return pc.struct_field(chunk, [index])


def get_path(
    table: pa.Table, path: tuple[str, ...], *, case_sensitive: bool = True
) -> tuple[pa.Field, pa.ChunkedArray] | None:
    """The field and values at `path` in a block, or None when the block lacks it.

    A nested value is null wherever one of its parents is null.
    """
    index = _match(table.schema, path[0], case_sensitive)
    if index is None:
        return None
    field: pa.Field = table.schema.field(index)
    column = table.column(index)
    for name in path[1:]:
        if not pa.types.is_struct(field.type):
            return None
        child = _match(field.type, name, case_sensitive)
        if child is None:
            return None
        chunks = [_child(chunk, child) for chunk in column.chunks]
        field = field.type.field(child)
        column = pa.chunked_array(chunks, type=field.type)
    return field, column


Replacer = Callable[[pa.Field, pa.ChunkedArray], list[tuple[pa.Field, pa.ChunkedArray]]]


def replace_path(table: pa.Table, path: tuple[str, ...], replace: Replacer) -> pa.Table:
    """Replace the field at `path` by the fields `replace` returns; a block lacking it is unchanged.

    `path` may step into arrays (``items[].sku``): the replacement then happens inside every
    element, and the arrays keep their lengths and nulls.

    `replace` gets the field and its values and returns zero or more (field, values) pairs that
    take its place (one for a cast, several for ``make_cols``).
    """
    index = _match(table.schema, path[0], True)
    if index is None:
        return table
    field = table.schema.field(index)
    column = table.column(index)
    replaced = _replace_in(field, column, path[1:], replace)
    if replaced is None:
        return table
    if len(replaced) == 1:
        # One column for one (the usual cast or rename): swap it in place of rebuilding the table.
        new_field, new_column = replaced[0]
        return table.set_column(index, new_field, new_column)
    fields = list(table.schema)
    columns = list(table.columns)
    fields[index : index + 1] = [f for f, _ in replaced]
    columns[index : index + 1] = [c for _, c in replaced]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=table.schema.metadata))


def _replace_in(
    field: pa.Field, column: pa.ChunkedArray, rest: tuple[str, ...], replace: Replacer
) -> list[tuple[pa.Field, pa.ChunkedArray]] | None:
    if not rest:
        return replace(field, column)
    if rest[0] == ELEMENTS:
        return _replace_elements(field, column, rest[1:], replace)
    if not pa.types.is_struct(field.type):
        return None
    child_index = _match(field.type, rest[0], True)
    if child_index is None:
        return None
    child_field = field.type.field(child_index)
    child_column = pa.chunked_array([_child(c, child_index) for c in column.chunks], type=child_field.type)
    replaced = _replace_in(child_field, child_column, rest[1:], replace)
    if replaced is None:
        return None
    child_fields = list(field.type)
    child_fields[child_index : child_index + 1] = [f for f, _ in replaced]
    struct_type = pa.struct(child_fields)
    chunks = []
    offset = 0
    for chunk in column.chunks:
        length = len(chunk)
        children = [c for i, c in enumerate(chunk.flatten()) if i != child_index]
        new_children = [col.slice(offset, length).combine_chunks() for _, col in replaced]
        children[child_index:child_index] = new_children
        chunks.append(pa.StructArray.from_arrays(children, fields=child_fields, mask=chunk.is_null()))
        offset += length
    new_field = pa.field(field.name, struct_type, nullable=True, metadata=field.metadata)
    return [(new_field, pa.chunked_array(chunks, type=struct_type))]


# --- values under array paths -------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """The shape of one ``[]`` step: where each list starts in the flattened values.

    Attributes:
        offsets: ``len + 1`` offsets into the flattened elements (int64).
        mask: True where the list itself is null.
        large: Whether the source was a large list.
    """

    offsets: pa.Array
    mask: pa.Array
    large: bool


def get_nested(
    table: pa.Table, path: tuple[str, ...], *, case_sensitive: bool = True
) -> tuple[pa.Field, pa.Array, tuple[Level, ...]] | None:
    """The field at `path` (which may step into arrays), its values flattened to the innermost
    array level, and the shape of each ``[]`` level, outermost first; None when the block
    lacks the path.

    `wrap` rebuilds the nesting around (transformed) values. A value is null wherever one of
    its parent structs is null; a null array stays a null array.
    """
    index = _match(table.schema, path[0], case_sensitive)
    if index is None:
        return None
    field: pa.Field = table.schema.field(index)
    array = table.column(index).combine_chunks()
    levels: list[Level] = []
    for name in path[1:]:
        if name == ELEMENTS:
            if not _is_list(field.type):
                return None
            levels.append(_level(array))
            field, array = field.type.value_field, array.flatten()
            continue
        if not pa.types.is_struct(field.type):
            return None
        child = _match(field.type, name, case_sensitive)
        if child is None:
            return None
        # Applies the struct's own nulls to the child.
        field, array = field.type.field(child), _child(array, child)
    return field, array, tuple(levels)


def _level(array: pa.Array) -> Level:
    """The shape of a list array, matching the elements ``array.flatten()`` returns."""
    lengths = pc.fill_null(pc.list_value_length(array), 0).cast(pa.int64())
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(lengths)])
    return Level(offsets, array.is_null(), pa.types.is_large_list(array.type))


def _replace_elements(
    field: pa.Field, column: pa.ChunkedArray, rest: tuple[str, ...], replace: Replacer
) -> list[tuple[pa.Field, pa.ChunkedArray]] | None:
    """`_replace_in` for a ``[]`` step: replace inside every element, keeping the lists' shape.

    The replacement must leave exactly one element field (an array cannot lose or split its
    elements); otherwise the block is left unchanged.
    """
    if not _is_list(field.type):
        return None
    array = column.combine_chunks()
    elements = array.flatten()
    element_field = field.type.value_field
    replaced = _replace_in(element_field, pa.chunked_array([elements], type=element_field.type), rest, replace)
    if replaced is None or len(replaced) != 1:
        return None
    new_element, new_values = replaced[0]
    list_field, lists = wrap(new_element.with_name(field.name), new_values.combine_chunks(), _level(array))
    return [(list_field, pa.chunked_array([lists], type=lists.type))]


def wrap(field: pa.Field, values: pa.Array, level: Level) -> tuple[pa.Field, pa.Array]:
    """Put flattened element `values` (of element field `field`) back into lists of `level`."""
    element = pa.field("item", values.type, nullable=True, metadata=field.metadata)
    if level.large:
        large = pa.LargeListArray.from_arrays(level.offsets, values, type=pa.large_list(element), mask=level.mask)
        return pa.field(field.name, large.type), large
    small = pa.ListArray.from_arrays(level.offsets.cast(pa.int32()), values, type=pa.list_(element), mask=level.mask)
    return pa.field(field.name, small.type), small


def _is_list(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_list(dtype) or pa.types.is_large_list(dtype))
