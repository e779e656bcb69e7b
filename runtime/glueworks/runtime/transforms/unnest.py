"""UnnestFrame: flatten nested structs into top-level ``a.b.c`` columns.

Glue's ``unnest`` turns every struct field into a top-level field named by its dotted path
(a field ``b`` inside struct ``a`` becomes the column ``a.b``). glueworks follows it, with
these choices where Glue is vague:

* **Arrays and maps are left as they are** (their element structs are not flattened and no
  join keys are made; `relationalize` is the transform that pivots arrays into tables).
* **A null struct** makes every flattened column null in that row.
* **An empty struct** (no fields) disappears: it has nothing to flatten into.
* **Choice columns** are flattened per record, as Glue unnests each record on its own: the
  ``struct`` member of a Choice ``a`` flattens into ``a.<field>`` columns (null in rows where
  ``a`` held another type), and the other members stay in column ``a`` — a plain column when
  one member is left, a Choice when several are.
* Two columns that would get the same name (a struct ``a`` with field ``b`` next to a field
  literally named ``a.b``) raise `SchemaError` naming the column.

The work is columnar and per block: no data is copied except the validity of flattened
children. The result depends only on each block's schema and values, so it is the same
whatever the block boundaries are.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.gluetypes import CHOICE_METADATA, choice_members, is_choice

#: One output column: its field and its arrays, one per input chunk.
Column = tuple[pa.Field, list[pa.Array]]


def unnest_table(table: pa.Table) -> pa.Table:
    """Flatten every struct column of `table` into dotted top-level columns.

    Args:
        table: A block (Choice columns in glueworks' Choice encoding are allowed).

    Returns:
        A table with the same rows and no struct columns outside arrays and maps.

    Raises:
        SchemaError: Two flattened columns would have the same name.
    """
    columns: list[Column] = []
    for field, column in zip(table.schema, table.columns, strict=True):
        columns.extend(flatten_column(field, _chunks(column)))
    return build_table(columns, table.num_rows)


def unnest_schema(schema: pa.Schema) -> pa.Schema:
    """The schema `unnest_table` gives for a table of `schema` (no data is read)."""
    return unnest_table(schema.empty_table()).schema


def flatten_column(field: pa.Field, chunks: list[pa.Array]) -> list[Column]:
    """Flatten one column (given as its chunks) into its output columns, in field order.

    Structs flatten recursively into ``<name>.<child>`` columns; Choices are split per record
    (see the module docstring); anything else is returned unchanged.
    """
    if is_choice(field):
        return _flatten_choice(field, chunks)
    if pa.types.is_struct(field.type):
        out: list[Column] = []
        flat = [chunk.flatten() for chunk in chunks]  # children with the struct's nulls applied
        for i in range(field.type.num_fields):
            child = field.type.field(i)
            out.extend(flatten_column(child.with_name(f"{field.name}.{child.name}"), [f[i] for f in flat]))
        return out
    return [(field, chunks)]


def _flatten_choice(field: pa.Field, chunks: list[pa.Array]) -> list[Column]:
    members = choice_members(field)
    children = [chunk.flatten() for chunk in chunks]
    out: list[Column] = []
    kept: list[int] = []
    for i, member in enumerate(members):
        if pa.types.is_struct(member.type):
            out.extend(flatten_column(member.with_name(field.name), [c[i] for c in children]))
        else:
            kept.append(i)
    if len(kept) == len(members):
        return [(field, chunks)]
    if len(kept) == 1:
        member = members[kept[0]]
        plain = pa.field(field.name, member.type, nullable=True)
        return [(plain, [c[kept[0]] for c in children]), *out]
    if kept:
        kept_fields = [members[i] for i in kept]
        choice = pa.field(field.name, pa.struct(kept_fields), nullable=True, metadata=CHOICE_METADATA)
        arrays = []
        for c in children:
            parts = [c[i] for i in kept]
            # A row is null when none of the remaining members is set (it held a struct or null).
            valid = parts[0].is_valid()
            for part in parts[1:]:
                valid = pc.or_(valid, part.is_valid())
            arrays.append(pa.StructArray.from_arrays(parts, fields=kept_fields, mask=pc.invert(valid)))
        return [(choice, arrays), *out]
    return out


def build_table(columns: list[Column], num_rows: int) -> pa.Table:
    """Assemble output columns into a table, refusing duplicate names.

    Raises:
        SchemaError: Two columns have the same name.
    """
    seen: set[str] = set()
    for field, _ in columns:
        if field.name in seen:
            raise SchemaError(f"unnest: column {field.name!r} would appear twice (a nested field flattens onto it)")
        seen.add(field.name)
    schema = pa.schema([field for field, _ in columns])
    if not columns:
        return pa.table({"_": pa.nulls(num_rows)}).select([])
    return pa.Table.from_arrays([pa.chunked_array(arrays, type=f.type) for f, arrays in columns], schema=schema)


def _chunks(column: pa.ChunkedArray) -> list[pa.Array]:
    # A column with no chunks still needs one (empty) array so its children can be built.
    return list(column.chunks) if column.num_chunks else [pa.array([], type=column.type)]
