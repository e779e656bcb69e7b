"""Infer Arrow columns from parsed Python values (JSON records), making Choices on drift.

`table_from_records` builds one block from a list of dicts, column by column: it looks at the
Python types present in a column, gives each family one Arrow type (``int`` when every integer
fits in 32 bits, else ``long``; ``double``; ``string``; ``boolean``; nested dicts as structs,
lists as arrays) and, when a column holds more than one family, a Choice. Columns that need no
Choice are built by Arrow in C; only Choice paths are routed value by value.

Cost: one pass over the values of each column plus Arrow's own conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from glueworks.runtime.gluetypes import choice_members, is_choice, make_choice, type_family
from glueworks.runtime.schema import has_choice

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_DECIMAL_LIMIT = 10**38


def table_from_records(records: Sequence[dict[str, Any]]) -> pa.Table:
    """Build an Arrow block from dict records; key order follows first appearance."""
    names: dict[str, None] = {}
    for record in records:
        for key in record:
            names.setdefault(key, None)
    fields, arrays = [], []
    for name in names:
        values = [record.get(name) for record in records]
        field = infer_field(name, values)
        fields.append(field)
        arrays.append(build_array(values, field))
    if not fields:
        # Records with no keys still count as rows.
        return pa.Table.from_struct_array(pa.array([{}] * len(records), pa.struct([])))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def infer_field(name: str, values: Sequence[Any]) -> pa.Field:
    """Infer the field (possibly a Choice) that holds every value in `values`."""
    groups: dict[str, list[Any]] = {}
    for value in values:
        if value is not None:
            groups.setdefault(_kind(value), []).append(value)
    members = [_infer_group(kind, group) for kind, group in groups.items()]
    if not members:
        return pa.field(name, pa.null())
    if len(members) == 1:
        return members[0].with_name(name)
    return make_choice(name, members)


def _kind(value: Any) -> str:
    # bool first: it is a subclass of int.
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integral"
    if isinstance(value, float):
        return "floating"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "struct"
    if isinstance(value, list):
        return "array"
    raise TypeError(f"cannot infer an Arrow type for {type(value).__name__}")


def _infer_group(kind: str, values: list[Any]) -> pa.Field:
    if kind == "boolean":
        return pa.field("boolean", pa.bool_())
    if kind == "integral":
        low, high = min(values), max(values)
        if _INT32[0] <= low and high <= _INT32[1]:
            return pa.field("int", pa.int32())
        if _INT64[0] <= low and high <= _INT64[1]:
            return pa.field("long", pa.int64())
        # Beyond 64 bits JSON integers keep their exact value as decimals.
        return pa.field("decimal", pa.decimal128(38, 0))
    if kind == "floating":
        return pa.field("double", pa.float64())
    if kind == "string":
        return pa.field("string", pa.string())
    if kind == "struct":
        names: dict[str, None] = {}
        for value in values:
            for key in value:
                names.setdefault(key, None)
        children = [infer_field(key, [value.get(key) for value in values]) for key in names]
        return pa.field("struct", pa.struct(children))
    elements = [element for value in values for element in value]
    return pa.field("array", pa.list_(infer_field("element", elements)))


def build_array(values: Sequence[Any], field: pa.Field) -> pa.Array:
    """Build an Arrow array of `field`'s type from Python values inferred by `infer_field`."""
    if not has_choice(field):
        return _plain_array(values, field.type)
    mask = pa.array([value is None for value in values], pa.bool_())
    dtype = field.type
    if is_choice(field):
        members = choice_members(field)
        children = []
        for member in members:
            family = type_family(member.type)
            routed = [v if v is not None and _kind(v) == family else None for v in values]
            children.append(build_array(routed, member))
        return pa.StructArray.from_arrays(children, fields=members, mask=mask)
    if pa.types.is_struct(dtype):
        children = []
        for i in range(dtype.num_fields):
            child = dtype.field(i)
            sub = [value.get(child.name) if isinstance(value, dict) else None for value in values]
            children.append(build_array(sub, child))
        return pa.StructArray.from_arrays(children, fields=list(dtype), mask=mask)
    # A list whose elements hold a Choice.
    offsets = [0]
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value)
        offsets.append(len(flat))
    elements = build_array(flat, dtype.value_field)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), elements, type=dtype, mask=mask)


def _plain_array(values: Sequence[Any], dtype: pa.DataType) -> pa.Array:
    if pa.types.is_null(dtype):
        return pa.nulls(len(values))
    return pa.array(values, type=dtype)
