"""Records as Python values, for record-level code (``filter`` lambdas, ``show``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.schema import has_choice


class DynamicRecord(dict[str, Any]):
    """One record: a dict of field name to value, with attribute access for convenience.

    Nested structs are plain dicts; a Choice value is the value itself (whichever type it has).

    Example:
        >>> record = DynamicRecord(name="a", age=3)
        >>> record["age"], record.name
        (3, 'a')
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def records_from_table(table: pa.Table) -> list[DynamicRecord]:
    """Convert a block to records (one Python pass; the slow path by design)."""
    # Built straight from the columns' values, as `Table.to_pylist` does, but into records:
    # one dict per row instead of a dict and then its copy.
    names = table.column_names
    if names:
        # Every column of a table has num_rows values, so the zips are of equal lengths.
        columns = [column.to_pylist() for column in table.columns]
        rows = [DynamicRecord(zip(names, values)) for values in zip(*columns)]  # noqa: B905
    else:
        rows = [DynamicRecord() for _ in range(table.num_rows)]
    choice_fields = [field for field in table.schema if has_choice(field)]
    if choice_fields:
        for row in rows:
            for field in choice_fields:
                row[field.name] = _collapse(row[field.name], field)
    return rows


def _collapse(value: Any, field: pa.Field) -> Any:
    """Replace each Choice struct inside `value` by the member that is set."""
    if value is None:
        return None
    if is_choice(field):
        for member in field.type:
            member_value = value.get(member.name)
            if member_value is not None:
                return _collapse(member_value, member)
        return None
    dtype = field.type
    if pa.types.is_struct(dtype):
        return {child.name: _collapse(value.get(child.name), child) for child in dtype}
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return [_collapse(item, dtype.value_field) for item in value]
    return value
