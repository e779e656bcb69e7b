"""Field paths (``a.b.c``; back-ticks quote a name holding dots: ```a.b`.c``) over Arrow blocks."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError


def parse_path(path: str, option: str) -> tuple[str, ...]:
    """Split a dotted field path into names.

    Args:
        path: ``a.b.c``; a name with dots is quoted with back-ticks (```a.b`.c``).
        option: Option name for error messages.

    Raises:
        InvalidOptionError: The path is empty, malformed, or uses array syntax (``a[].b``),
            which is not supported yet.
    """
    if not isinstance(path, str) or not path.strip():
        raise InvalidOptionError(option, "a field path must be a non-empty string")
    names: list[str] = []
    current: list[str] = []
    quoted = False
    closed = False
    for char in path:
        if char == "`":
            if quoted:
                closed = True
            elif current or closed:
                raise InvalidOptionError(option, f"misplaced back-tick in path {path!r}")
            quoted = not quoted
            continue
        if char == "." and not quoted:
            names.append(_finish(current, path, option))
            current, closed = [], False
            continue
        if closed:
            raise InvalidOptionError(option, f"text after a closing back-tick in path {path!r}")
        if not quoted and char in "[]":
            raise InvalidOptionError(option, f"array paths like {path!r} are not supported yet")
        current.append(char)
    if quoted:
        raise InvalidOptionError(option, f"unclosed back-tick in path {path!r}")
    names.append(_finish(current, path, option))
    return tuple(names)


def _finish(current: list[str], path: str, option: str) -> str:
    name = "".join(current)
    if not name:
        raise InvalidOptionError(option, f"empty name in path {path!r}")
    return name


def _match(names: list[str], wanted: str, case_sensitive: bool) -> int | None:
    if wanted in names:
        return names.index(wanted)
    if not case_sensitive:
        lowered = wanted.lower()
        for i, name in enumerate(names):
            if name.lower() == lowered:
                return i
    return None


def get_path(
    table: pa.Table, path: tuple[str, ...], *, case_sensitive: bool = True
) -> tuple[pa.Field, pa.ChunkedArray] | None:
    """The field and values at `path` in a block, or None when the block lacks it.

    A nested value is null wherever one of its parents is null.
    """
    index = _match(table.column_names, path[0], case_sensitive)
    if index is None:
        return None
    field: pa.Field = table.schema.field(index)
    column = table.column(index)
    for name in path[1:]:
        if not pa.types.is_struct(field.type):
            return None
        child_names = [field.type.field(i).name for i in range(field.type.num_fields)]
        child = _match(child_names, name, case_sensitive)
        if child is None:
            return None
        chunks = [chunk.flatten()[child] for chunk in column.chunks]
        field = field.type.field(child)
        column = pa.chunked_array(chunks, type=field.type)
    return field, column


Replacer = Callable[[pa.Field, pa.ChunkedArray], list[tuple[pa.Field, pa.ChunkedArray]]]


def replace_path(table: pa.Table, path: tuple[str, ...], replace: Replacer) -> pa.Table:
    """Replace the field at `path` by the fields `replace` returns; a block lacking it is unchanged.

    `replace` gets the field and its values and returns zero or more (field, values) pairs that
    take its place (one for a cast, several for ``make_cols``).
    """
    if path[0] not in table.column_names:
        return table
    index = table.column_names.index(path[0])
    field = table.schema.field(index)
    column = table.column(index)
    replaced = _replace_in(field, column, path[1:], replace)
    if replaced is None:
        return table
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
    if not pa.types.is_struct(field.type):
        return None
    names = [field.type.field(i).name for i in range(field.type.num_fields)]
    if rest[0] not in names:
        return None
    child_index = names.index(rest[0])
    child_field = field.type.field(child_index)
    child_column = pa.chunked_array([c.flatten()[child_index] for c in column.chunks], type=child_field.type)
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
