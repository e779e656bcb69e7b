"""Drift inside one chunk, read in Arrow: a top-level field that changes JSON kind from line to line.

`pyarrow.json` fails a chunk in which a field is a number in one line and a string in another,
while the Python path makes that field a Choice. `drift_block` reads such a chunk in Arrow all
the same:

1. lines are grouped by the kind of each drifting field's value (string, number, boolean,
   null or absent), as the first ``"key":`` of the line shows;
2. each group is parsed by Arrow on its own. That also checks the grouping: a line put in the
   wrong group (the key text found inside a nested object first) makes its group fail again,
   and a further drifting field found that way joins the grouping (up to `MAX_DRIFTING`);
3. the groups are put back in line order, the other fields get `json_fast`'s usual treatment
   over the whole chunk, and each drifting field becomes the Choice the Python path builds.

It returns None, and the caller takes the Python path, unless the result is provably the same:

- every group shows the same field names in the same order, recursively (so the order of first
  appearance over the chunk is known). A drifting field may be absent from a group only when it
  comes after every field that group has;
- a drifting field holds scalars (a struct or array member needs the Python path);
- the other fields have one Arrow type over the groups (up to nulls and int/double, which
  `json_fast` resolves as for one chunk).
"""

from __future__ import annotations

import bisect
import itertools
import json
import re

import numpy as np
import pyarrow as pa

from glueworks.runtime.formats import json_fast
from glueworks.runtime.gluetypes import glue_type_name, make_choice

#: Most fields that may drift in one chunk before the chunk goes to the Python path.
MAX_DRIFTING = 3

# A code per JSON kind by the first byte of a value: 1 string, 2 number, 3 boolean, 4 null; objects,
# arrays and anything else are unsupported (0); 5 is a key absent from the line.
_UNSUPPORTED, _ABSENT, _CODE_BASE = 0, 5, 6
_KIND_CODES = np.zeros(256, dtype=np.int64)
_KIND_CODES[ord('"')] = 1
_KIND_CODES[list(b"-0123456789")] = 2
_KIND_CODES[list(b"tf")] = 3
_KIND_CODES[ord("n")] = 4
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")
#: Arrow types a drifting field may get in a group, by the JSON kind of its values.
_SCALAR_KINDS = {"string": pa.string(), "boolean": pa.bool_()}


def drift_block(lines: list[bytes], first: json_fast.FastRead) -> pa.Table | None:
    """The Python path's block for `lines`, whose top-level keys drift in kind; None if unsure.

    Args:
        lines: Raw lines of one chunk without their ``\\n`` (blank lines skipped).
        first: What `json_fast.read_block` made of the same lines: the drifting keys Arrow
            reported (`json_fast.FastRead.conflicts`) and the prepared chunk.
    """
    if not first.conflicts or first.prepared is None:
        return None
    data, rows = first.prepared
    body = [raw for raw in lines if raw.strip()] if rows != len(lines) else lines
    text = data if body is lines else b"\n".join(body)
    starts = np.cumsum([0, *(len(raw) + 1 for raw in body)])
    keys = list(first.conflicts)
    while True:
        groups = _group(text, starts, keys)
        if groups is None:
            return None
        parsed: list[tuple[pa.Table, np.ndarray]] = []
        for indices in groups:
            table, error = json_fast.parse_basic(b"\n".join([body[i] for i in indices.tolist()]), len(indices))
            if table is None:
                more = json_fast.conflict_keys(error)
                if not more or more[0] in keys or len(keys) >= MAX_DRIFTING:
                    return None
                keys.append(more[0])
                break
            parsed.append((table, indices))
        else:
            return _combine(parsed, keys, body, data, rows)


def _group(text: bytes, starts: np.ndarray, keys: list[str]) -> list[np.ndarray] | None:
    """Line positions grouped by the kinds of `keys`' values, groups in order of first line.

    A line's kind for a key is that of the value after the key's first ``"key":`` in the line
    (or absent); one regex scan of the whole chunk finds them all.
    """
    lines = len(starts) - 1
    codes = np.zeros(lines, dtype=np.int64)
    for key in keys:
        pattern = re.compile(rb'"' + key.encode() + rb'"[ \t\r]*:[ \t\r]*(.)')
        found = [(match.start(), match.group(1)[0]) for match in pattern.finditer(text)]
        kinds = np.full(lines, _ABSENT, dtype=np.int64)
        if found:
            where, first_bytes = zip(*found, strict=True)
            line_of = np.searchsorted(starts, np.asarray(where), side="right") - 1
            taken, first_match = np.unique(line_of, return_index=True)
            kinds[taken] = _KIND_CODES[np.asarray(first_bytes)[first_match]]
        if (kinds == _UNSUPPORTED).any():
            return None
        codes = codes * _CODE_BASE + kinds
    _, first_line, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return [np.flatnonzero(inverse == group) for group in np.argsort(first_line)]


def _combine(
    parsed: list[tuple[pa.Table, np.ndarray]], keys: list[str], body: list[bytes], data: bytes, rows: int
) -> pa.Table | None:
    """Put the groups back in line order and build the Choices; None if not provably equal."""
    order = _field_order([table.schema for table, _ in parsed], body)
    if order is None:
        return None
    positions = np.concatenate([indices for _, indices in parsed])
    line_order = pa.array(np.argsort(positions, kind="stable"))
    others = [table.drop_columns([k for k in keys if k in table.column_names]) for table, _ in parsed]
    if not all(_compatible(a.type, b.type) for a, b in _pairs(others)):
        return None
    try:
        merged = pa.concat_tables(others, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    finished = json_fast.finish(merged.take(line_order), data, rows) if merged.num_columns else None
    columns: dict[str, tuple[pa.Field, pa.Array]] = {}
    if finished is not None:
        columns = {field.name: (field, finished.column(i)) for i, field in enumerate(finished.schema)}
    elif merged.num_columns:
        return None
    for key in keys:
        built = _drifting_column(key, parsed, line_order, data)
        if built is None:
            return None
        columns[key] = built
    fields = [columns[name][0] for name in order]
    return pa.Table.from_arrays([columns[name][1] for name in order], schema=pa.schema(fields))


def _field_order(schemas: list[pa.Schema], body: list[bytes]) -> list[str] | None:
    """The top-level field order of first appearance over the chunk, or None if it cannot be proven.

    Each group's schema is in first-appearance order within the group, which says nothing of the
    order over the chunk when groups differ: that is the order of each field's first line (then
    its place in that line), found by searching the text for ``"name":`` and confirming the key
    in that line with `json.loads`. Nested fields must come in the same order in every group
    that has them.
    """
    shapes: dict[str, object] = {}
    for schema in schemas:
        for field in schema:
            shape = _type_names(field.type)
            if shapes.setdefault(field.name, shape) != shape:
                return None
    if all(schema.names == schemas[0].names for schema in schemas):
        return list(schemas[0].names)
    text = b"\n".join(body)
    if b"\\u" in text:
        return None  # a key may be written with escapes the text search would miss
    starts = [0, *itertools.accumulate(len(raw) + 1 for raw in body)]
    first: dict[str, tuple[int, int]] = {}
    for name in shapes:
        found = _first_appearance(name, text, starts, body)
        if found is None:
            return None
        first[name] = found
    return sorted(shapes, key=first.__getitem__)


def _first_appearance(name: str, text: bytes, starts: list[int], body: list[bytes]) -> tuple[int, int] | None:
    """(line, position among the line's keys) where `name` is first a top-level key, or None."""
    if _PLAIN_KEY.fullmatch(name) is None:
        return None
    pattern = re.compile(rb'"' + name.encode() + rb'"[ \t\r]*:')
    position = 0
    while (match := pattern.search(text, position)) is not None:
        line = bisect.bisect_right(starts, match.start()) - 1
        try:
            keys = list(json.loads(body[line]))
        except (ValueError, TypeError):
            return None
        if name in keys:
            return line, keys.index(name)
        position = starts[line + 1]
    return None


def _type_names(dtype: pa.DataType) -> object:
    if pa.types.is_struct(dtype):
        return tuple((dtype.field(i).name, _type_names(dtype.field(i).type)) for i in range(dtype.num_fields))
    if pa.types.is_list(dtype):
        return ("[]", _type_names(dtype.value_type))
    return None


def _pairs(tables: list[pa.Table]) -> list[tuple[pa.Field, pa.Field]]:
    """Each field of every table paired with the same field where it first appears."""
    seen: dict[str, pa.Field] = {}
    pairs = []
    for table in tables:
        for field in table.schema:
            pairs.append((seen.setdefault(field.name, field), field))
    return pairs


def _compatible(a: pa.DataType, b: pa.DataType) -> bool:
    """Whether Arrow over the whole chunk would have given one type for both (nulls and numbers unify)."""
    if a == b or pa.types.is_null(a) or pa.types.is_null(b):
        return True
    numbers = (pa.types.is_int64, pa.types.is_float64)
    if any(check(a) for check in numbers) and any(check(b) for check in numbers):
        return True
    if pa.types.is_struct(a) and pa.types.is_struct(b):
        return all(_compatible(a.field(i).type, b.field(i).type) for i in range(a.num_fields))
    if pa.types.is_list(a) and pa.types.is_list(b):
        return _compatible(a.value_type, b.value_type)
    return False


def _drifting_column(
    key: str, parsed: list[tuple[pa.Table, np.ndarray]], line_order: pa.Array, data: bytes
) -> tuple[pa.Field, pa.Array] | None:
    """The drifting `key` as the Python path builds it: a Choice of the kinds it holds (or one type)."""
    pieces: list[pa.Array] = []
    for table, indices in parsed:
        if key in table.column_names:
            pieces.append(table.column(key).combine_chunks())
        else:
            pieces.append(pa.nulls(len(indices)))
    types = {piece.type for piece in pieces if not pa.types.is_null(piece.type) and piece.null_count < len(piece)}
    members: list[tuple[pa.Field, pa.Array]] = []
    for dtype in sorted(types, key=str):
        if not (pa.types.is_int64(dtype) or pa.types.is_float64(dtype) or dtype in _SCALAR_KINDS.values()):
            return None
        values = pa.concat_arrays([p if p.type == dtype else pa.nulls(len(p), dtype) for p in pieces]).take(line_order)
        target = json_fast.target_field(pa.field(key, dtype), values, data)
        if target is None:
            return None
        members.append((target, values.cast(target.type)))
    if not members:
        return pa.field(key, pa.null()), pa.nulls(len(line_order))
    if len(members) == 1:
        return members[0]
    choice = make_choice(key, [field for field, _ in members])
    by_name = {choice.type.field(i).name: i for i in range(choice.type.num_fields)}
    arrays: list[pa.Array | None] = [None] * len(members)
    for field, values in members:
        arrays[by_name[glue_type_name(field.type)]] = values
    present = [array for array in arrays if array is not None]
    mask = np.ones(len(line_order), dtype=bool)
    for array in present:
        mask &= np.asarray(array.is_null())
    return choice, pa.StructArray.from_arrays(present, fields=list(choice.type), mask=pa.array(mask))
