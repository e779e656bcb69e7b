"""Schemas of crawled data: the runtime's inference and merge, rendered as Hive type strings.

Types are inferred with the runtime's rules (`glueworks.runtime.inference.infer_field` over the sampled
records, `glueworks.runtime.schema.merge_schemas` across files and folders), so a crawled table and a
DynamicFrame read of the same files agree. The catalog has no Choice type, so when the catalog columns are
rendered each Choice is resolved the way Glue's crawler widens:

* integral types widen to the widest (``int`` + ``bigint`` → ``bigint``), floating types to ``double``;
* integral + floating (+ decimal) → ``double``; integral + decimal → ``decimal`` wide enough for both;
* any other mix (a number and a string, a struct and a string...) → ``string``;
* a field that is null in every sampled record → ``string``.

Text formats where Glue types whole numbers as ``bigint`` (CSV, grok, XML) pass ``integral="bigint"``; JSON
keeps ``int`` for values that fit 32 bits, as Glue's JSON classifier does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from glueworks.runtime.gluetypes import choice_members, is_choice, type_family
from glueworks.runtime.hive_types import hive_type as runtime_hive_type
from glueworks.runtime.inference import infer_field
from glueworks.runtime.schema import merge_fields, merge_schemas

__all__ = ["hive_columns", "hive_type", "merge_schemas", "records_schema"]


def records_schema(records: Sequence[dict[str, Any]]) -> pa.Schema:
    """The schema of dict records (fields in order of first appearance; drift becomes Choices)."""
    names: dict[str, None] = {}
    for record in records:
        for key in record:
            names.setdefault(key, None)
    return pa.schema([infer_field(name, _representatives([r.get(name) for r in records])) for name in names])


def _representatives(values: list[Any]) -> list[Any]:
    """The values `infer_field` needs to give the same answer as for all of them.

    Flat values matter only by type, and integers by their range (``int``/``long``/``decimal``), so one value
    per type and the extreme integers stand for the rest; nested values are all kept.
    """
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    if not kinds:
        return []
    if dict in kinds or list in kinds:
        return values
    out: list[Any] = []
    for kind in kinds:
        group = [v for v in values if type(v) is kind] if len(kinds) > 1 else [v for v in values if v is not None]
        out.extend((min(group), max(group)) if kind is int else group[:1])
    return out


def lowercase_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with lower-cased top-level names (fields equal after lower-casing are merged)."""
    merged: dict[str, pa.Field] = {}
    for field in schema:
        name = field.name.lower()
        current = merged.get(name)
        renamed = field.with_name(name)
        merged[name] = renamed if current is None else merge_fields(current, renamed)
    return pa.schema(list(merged.values()))


def hive_columns(schema: pa.Schema, integral: str = "int") -> tuple[dict[str, str], ...]:
    """Glue Column dicts (``Name`` lower-cased, ``Type`` a Hive type string) of a schema."""
    return tuple({"Name": f.name, "Type": hive_type(f, integral)} for f in lowercase_schema(schema))


def hive_type(field: pa.Field, integral: str = "int") -> str:
    """The Hive type string of a field, resolving Choices as the module doc says."""
    if is_choice(field):
        return _resolve_choice(choice_members(field), integral)
    return _hive(field.type, integral)


def _resolve_choice(members: Iterable[pa.Field], integral: str) -> str:
    families = {type_family(m.type): m.type for m in members if not pa.types.is_null(m.type)}
    if not families:
        return "string"
    if len(families) == 1:
        return _hive(next(iter(families.values())), integral)
    if set(families) <= {"integral", "floating", "decimal"}:
        if "floating" in families:
            return "double"
        if "decimal" in families:
            dec = families["decimal"]
            scale = dec.scale
            return f"decimal({min(38, max(dec.precision - scale, 19) + scale)},{scale})"
        return "bigint"
    return "string"


def _hive(dtype: pa.DataType, integral: str) -> str:
    """Containers recurse here (Choices resolved, names lower-cased); leaves use the runtime's Hive names,
    except the crawler's two rules: 32-bit ints take `integral`, unsigned ints are ``bigint``."""
    if pa.types.is_dictionary(dtype):
        return _hive(dtype.value_type, integral)
    if dtype == pa.int32():
        return integral
    if pa.types.is_unsigned_integer(dtype):
        return "bigint"
    if pa.types.is_struct(dtype):
        inner = ",".join(f"{f.name.lower()}:{hive_type(f, integral)}" for f in dtype)
        return f"struct<{inner}>"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return f"array<{hive_type(dtype.value_field, integral)}>"
    if pa.types.is_map(dtype):
        return f"map<{_hive(dtype.key_type, integral)},{hive_type(dtype.item_field, integral)}>"
    return runtime_hive_type(dtype)
