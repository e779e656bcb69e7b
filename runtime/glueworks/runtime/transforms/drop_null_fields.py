"""DropNullFields: drop the fields that are null (or missing) in every record.

As in Glue, these are the paths whose type in the frame schema is null: the schema merge gives
a field a real type as soon as one record has a value for it. Paths are found through structs
(a struct left with no fields is dropped too); arrays and maps are not entered. A column that
a typed format (Parquet) declares but holds only nulls keeps its declared type, so it stays,
as in Glue.

Cost: finding the paths needs the frame schema, i.e. one pass over the input when the schema
is not cached yet; dropping them is then a columnar per-block step.
"""

from __future__ import annotations

import pyarrow as pa

from glueworks.runtime.gluetypes import is_choice


def null_paths(schema: pa.Schema) -> list[tuple[str, ...]]:
    """Paths of `schema` whose type is null, outermost first (a struct of only nulls is one path)."""
    paths: list[tuple[str, ...]] = []
    for field in schema:
        paths.extend(_null_paths(field, ()))
    return paths


def _null_paths(field: pa.Field, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    path = (*prefix, field.name)
    if pa.types.is_null(field.type):
        return [path]
    if not pa.types.is_struct(field.type) or is_choice(field):
        return []
    found: list[tuple[str, ...]] = []
    for i in range(field.type.num_fields):
        found.extend(_null_paths(field.type.field(i), path))
    if field.type.num_fields and len(found) == field.type.num_fields and all(len(p) == len(path) + 1 for p in found):
        # Every child is null-typed: drop the whole struct.
        return [path]
    return found
