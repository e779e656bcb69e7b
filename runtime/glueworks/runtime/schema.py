"""Frame schemas: merging block schemas, and conforming blocks to a merged schema.

A frame's blocks each carry their own Arrow schema. The frame schema is the fold of the block
schemas with `merge_fields`, Glue's rules:

* null + T → T; the same type → itself; a field missing on one side is kept (nullable);
* two types of one family widen (``int`` + ``long`` → ``long``, ``float`` + ``double`` → ``double``);
* structs merge field by field, arrays by element, maps by key and by value (map keys widen
  like other values; keys of two families become strings, Glue's map key type);
* timestamps merge to microseconds; a zone on one side only is kept, two different zones
  normalise to UTC (the instants are the same), so the merge is commutative and associative;
* any other pair makes a Choice (see `glueworks.runtime.gluetypes`), and a Choice absorbs
  further types, merging each into the member of its family.

`conform_table` rewrites a block into the frame schema (missing columns become nulls, a plain
column under a Choice path becomes that member of the Choice, integers widen), so blocks can be
concatenated or written with one schema.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.gluetypes import (
    CHOICE_KEY,
    choice_members,
    is_choice,
    make_choice,
    type_family,
)


def merge_schemas(schemas: Iterable[pa.Schema]) -> pa.Schema:
    """Merge block schemas into one frame schema (fields in order of first appearance).

    Cost: proportional to the number of fields times the number of schemas; no data is read.
    """
    merged: dict[str, pa.Field] = {}
    for schema in schemas:
        for field in schema:
            current = merged.get(field.name)
            merged[field.name] = field.with_nullable(True) if current is None else merge_fields(current, field)
    return pa.schema(list(merged.values()))


def merge_fields(left: pa.Field, right: pa.Field) -> pa.Field:
    """Merge two fields of one path into one field named like `left` (Glue's merge rules)."""
    if is_choice(left) or is_choice(right):
        # A null side adds nothing (null + choice → that choice), whichever side it is on.
        members = [m for m in (choice_members(left) if is_choice(left) else [left]) if not pa.types.is_null(m.type)]
        for member in choice_members(right) if is_choice(right) else [right]:
            members = _add_member(members, member)
        if len(members) == 1:
            return members[0].with_name(left.name).with_nullable(True)
        return make_choice(left.name, members)
    same = _merge_same_kind(left, right)
    if same is not None:
        return same
    return make_choice(left.name, [left, right])


def _add_member(members: list[pa.Field], new: pa.Field) -> list[pa.Field]:
    """Add `new` to a Choice's members, merging it into the member of its family if any."""
    out: list[pa.Field] = []
    placed = False
    for member in members:
        if not placed and _same_family(member.type, new.type):
            merged = _merge_same_kind(member, new)
            if merged is not None:
                out.append(merged)
                placed = True
                continue
        out.append(member)
    if not placed and not pa.types.is_null(new.type):
        out.append(new)
    return out


def _same_family(left: pa.DataType, right: pa.DataType) -> bool:
    return type_family(left) == type_family(right)


def _merge_same_kind(left: pa.Field, right: pa.Field) -> pa.Field | None:
    """Merge two non-Choice fields of one kind, or return None when they need a Choice."""
    lt, rt = left.type, right.type
    name = left.name
    if pa.types.is_null(rt):
        return left.with_nullable(True)
    if pa.types.is_null(lt):
        return right.with_name(name).with_nullable(True)
    if pa.types.is_struct(lt) and pa.types.is_struct(rt):
        children = merge_schemas([pa.schema(list(lt)), pa.schema(list(rt))])
        return pa.field(name, pa.struct(list(children)), nullable=True, metadata=_plain_metadata(left))
    if _is_list(lt) and _is_list(rt):
        element = merge_fields(lt.value_field, rt.value_field)
        return pa.field(name, pa.list_(element), nullable=True, metadata=_plain_metadata(left))
    if pa.types.is_map(lt) and pa.types.is_map(rt):
        # Keys widen like any other value (int + long → long). Keys of two families become
        # strings, Glue's only map key type (a Choice cannot hold two maps: both are "map").
        key = lt.key_type if lt.key_type == rt.key_type else _widen(lt.key_type, rt.key_type)
        if key is None:
            large = pa.large_string() in (lt.key_type, rt.key_type)
            key = pa.large_string() if large else pa.string()
        item = merge_fields(lt.item_field, rt.item_field)
        map_type = pa.map_(pa.field(lt.key_field.name, key, nullable=False), item)
        return pa.field(name, map_type, nullable=True, metadata=_plain_metadata(left))
    if lt == rt:
        return left.with_nullable(True)
    widened = _widen(lt, rt)
    if widened is None:
        return None
    return pa.field(name, widened, nullable=True, metadata=_plain_metadata(left))


def _plain_metadata(field: pa.Field) -> dict[bytes, bytes] | None:
    """A field's metadata without the choice marker (kept for user metadata from Parquet)."""
    if not field.metadata:
        return None
    kept = {k: v for k, v in field.metadata.items() if k != CHOICE_KEY}
    return kept or None


def _is_list(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_list(dtype) or pa.types.is_large_list(dtype))


def _widen(left: pa.DataType, right: pa.DataType) -> pa.DataType | None:
    """The common type of two primitive types of one family, or None."""
    if pa.types.is_dictionary(left):
        return _widen(left.value_type, right)
    if pa.types.is_dictionary(right):
        return _widen(left, right.value_type)
    family = type_family(left)
    if family != type_family(right):
        return None
    if family == "integral":
        bits = max(_signed_bits(left), _signed_bits(right))
        return {8: pa.int8(), 16: pa.int16(), 32: pa.int32()}.get(bits, pa.int64())
    if family == "floating":
        return pa.float64() if 64 in (left.bit_width, right.bit_width) else pa.float32()
    if family == "decimal":
        scale = max(left.scale, right.scale)
        digits = max(left.precision - left.scale, right.precision - right.scale)
        return pa.decimal128(min(38, digits + scale), scale)
    if family == "string":
        return pa.large_string() if pa.large_string() in (left, right) else pa.string()
    if family == "binary":
        return pa.large_binary() if pa.large_binary() in (left, right) else pa.binary()
    if family == "date":
        return pa.date32()
    if family == "timestamp":
        # Two different zones normalise to UTC (an Arrow timestamp with a zone holds UTC instants,
        # so no value changes), which keeps the merge independent of block order.
        zones = {left.tz, right.tz} - {None}
        return pa.timestamp("us", tz=zones.pop() if len(zones) == 1 else ("UTC" if zones else None))
    return None


def _signed_bits(dtype: pa.DataType) -> int:
    bits = int(dtype.bit_width)
    # An unsigned type needs the next wider signed type.
    return min(64, bits * 2) if pa.types.is_unsigned_integer(dtype) else bits


# --- conforming blocks to a merged schema -------------------------------------------------


def conform_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Rewrite a block so that its schema is exactly `schema` (a merge that covers it).

    Columns missing from the block become nulls; plain columns under a Choice become the
    matching member; integers and floats widen. Cost: one pass over the columns that differ;
    columns that already match are reused without copying.

    Raises:
        SchemaError: The block holds a column that `schema` cannot hold.
    """
    columns = []
    names = set(table.column_names)
    for target in schema:
        if target.name not in names:
            columns.append(pa.chunked_array([pa.nulls(table.num_rows, target.type)], type=target.type))
            continue
        source = table.schema.field(target.name)
        column = table.column(target.name)
        if source.equals(target, check_metadata=True):
            columns.append(column)
            continue
        chunks = [conform_array(chunk, source, target) for chunk in column.chunks]
        columns.append(pa.chunked_array(chunks, type=target.type))
    extra = names - set(schema.names)
    if extra:
        raise SchemaError(f"block has columns the frame schema lacks: {sorted(extra)}")
    return pa.Table.from_arrays(columns, schema=schema)


def conform_array(array: pa.Array, source: pa.Field, target: pa.Field) -> pa.Array:
    """Rewrite one array of field `source` into the type of field `target`."""
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), target.type)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
        source = source.with_type(array.type)
    if is_choice(target):
        return _conform_into_choice(array, source, target)
    ttype = target.type
    if pa.types.is_struct(ttype):
        _expect(pa.types.is_struct(array.type), source, target)
        children = {array.type.field(i).name: (array.type.field(i), child) for i, child in enumerate(array.flatten())}
        out = []
        for i in range(ttype.num_fields):
            child_target = ttype.field(i)
            if child_target.name in children:
                child_source, child = children[child_target.name]
                out.append(conform_array(child, child_source, child_target))
            else:
                out.append(pa.nulls(len(array), child_target.type))
        return pa.StructArray.from_arrays(out, fields=list(ttype), mask=array.is_null())
    if _is_list(ttype):
        _expect(_is_list(array.type), source, target)
        if array.offset:
            # A sliced list shares its parent's values and offsets; Arrow cannot rebuild it with
            # a null mask, so copy it into a fresh array whose offsets start at 0.
            array = pa.concat_arrays([array])
        values = conform_array(array.values, array.type.value_field, ttype.value_field)
        large = pa.types.is_large_list(ttype)
        offsets = array.offsets.cast(pa.int64() if large else pa.int32())
        list_class = pa.LargeListArray if large else pa.ListArray
        return list_class.from_arrays(offsets, values, type=ttype, mask=array.is_null())
    if pa.types.is_map(ttype):
        _expect(pa.types.is_map(array.type), source, target)
        if array.offset:
            array = pa.concat_arrays([array])
        keys = conform_array(array.keys, array.type.key_field, ttype.key_field)
        items = conform_array(array.items, array.type.item_field, ttype.item_field)
        return pa.MapArray.from_arrays(array.offsets, keys, items, type=ttype, mask=array.is_null())
    if array.type == ttype:
        return array
    try:
        return array.cast(ttype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"cannot conform {source.name!r} from {source.type} to {ttype}: {exc}") from exc


def _conform_into_choice(array: pa.Array, source: pa.Field, target: pa.Field) -> pa.Array:
    members = choice_members(target)
    placed: dict[str, pa.Array] = {}
    if is_choice(source):
        for source_member, child in zip(choice_members(source), array.flatten(), strict=True):
            placed.update(_place_member(child, source_member, members, target))
    else:
        placed.update(_place_member(array, source, members, target))
    children = [placed.get(m.name, pa.nulls(len(array), m.type)) for m in members]
    return pa.StructArray.from_arrays(children, fields=members, mask=array.is_null())


def _place_member(array: pa.Array, source: pa.Field, members: list[pa.Field], target: pa.Field) -> dict[str, pa.Array]:
    if pa.types.is_null(array.type):
        return {}
    for member in members:
        if type_family(member.type) == type_family(array.type):
            return {member.name: conform_array(array, source, member)}
    raise SchemaError(f"choice {target.name!r} has no member for type {array.type}")


def _expect(ok: bool, source: pa.Field, target: pa.Field) -> None:
    if not ok:
        raise SchemaError(f"cannot conform {source.name!r} from {source.type} to {target.type}")


def conforms_leafwise(source: pa.Schema, target: pa.Schema) -> bool:
    """Whether conforming blocks of `source` to `target` only adds null leaves and widens leaves.

    Then a block keeps its shape: every column, struct field and array of `source` is where
    `target` has it, with a type conforming casts element by element. No Choice takes part
    unless both sides hold the same one, and a null column stands for a scalar, array or map
    (not a struct, which flattening would turn into several columns). So flattening or pivoting
    a block and then conforming each output gives what conforming first gives (relationalize
    pivots each part by its own schema when this holds for the frame schema).
    """
    fields = {field.name: field for field in target}
    return all(field.name in fields and _leafwise(field, fields[field.name]) for field in source)


def _leafwise(source: pa.Field, target: pa.Field) -> bool:
    if has_choice(source) or has_choice(target):
        return bool(source.equals(target, check_metadata=True))
    stype, ttype = source.type, target.type
    if pa.types.is_null(stype):
        return not pa.types.is_struct(ttype)
    if pa.types.is_struct(ttype):
        if not pa.types.is_struct(stype):
            return False
        children = {child.name: child for child in ttype}
        return all(child.name in children and _leafwise(child, children[child.name]) for child in stype)
    if _is_list(ttype):
        return _is_list(stype) and _leafwise(stype.value_field, ttype.value_field)
    if pa.types.is_map(ttype):
        return (
            pa.types.is_map(stype)
            and _leafwise(stype.key_field, ttype.key_field)
            and _leafwise(stype.item_field, ttype.item_field)
        )
    if pa.types.is_struct(stype) or _is_list(stype) or pa.types.is_map(stype):
        return False
    return bool(stype == ttype or _widen(stype, ttype) == ttype)


def strip_choices(schema: pa.Schema) -> pa.Schema:
    """The schema with every Choice turned into its plain ``make_struct`` struct."""
    return pa.schema([_strip_field(f) for f in schema], metadata=schema.metadata)


def _strip_field(field: pa.Field) -> pa.Field:
    dtype = field.type
    if pa.types.is_struct(dtype):
        dtype = pa.struct([_strip_field(dtype.field(i)) for i in range(dtype.num_fields)])
    elif pa.types.is_list(dtype):
        dtype = pa.list_(_strip_field(dtype.value_field))
    elif pa.types.is_large_list(dtype):
        dtype = pa.large_list(_strip_field(dtype.value_field))
    elif pa.types.is_map(dtype):
        dtype = pa.map_(dtype.key_field, _strip_field(dtype.item_field))
    return pa.field(field.name, dtype, nullable=field.nullable, metadata=_plain_metadata(field))


def has_choice(field: pa.Field) -> bool:
    """Whether a field is, or nests, a Choice."""
    if is_choice(field):
        return True
    dtype = field.type
    if pa.types.is_struct(dtype):
        return any(has_choice(dtype.field(i)) for i in range(dtype.num_fields))
    if _is_list(dtype):
        return has_choice(dtype.value_field)
    if pa.types.is_map(dtype):
        return has_choice(dtype.item_field)
    return False


def choice_paths(schema: pa.Schema) -> list[str]:
    """Dotted paths of every Choice in a schema that is reachable through structs only."""
    paths: list[str] = []

    def walk(field: pa.Field, prefix: str) -> None:
        path = prefix + _quote(field.name)
        if is_choice(field):
            paths.append(path)
        elif pa.types.is_struct(field.type):
            for i in range(field.type.num_fields):
                walk(field.type.field(i), path + ".")

    for field in schema:
        walk(field, "")
    return paths


def _quote(name: str) -> str:
    return f"`{name}`" if "." in name else name
