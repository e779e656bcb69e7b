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

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
_COLON = ord(":")
_SPACE = np.zeros(256, dtype=bool)
_SPACE[list(b" \t\r")] = True
#: Arrow types a drifting field may get in a group, by the JSON kind of its values.
_SCALAR_KINDS = {"string": pa.string(), "boolean": pa.bool_()}


def drift_block(
    lines: list[bytes] | None, first: json_fast.FastRead, newlines: np.ndarray | None = None
) -> pa.Table | None:
    """The Python path's block for `lines`, whose top-level keys drift in kind; None if unsure.

    Args:
        lines: Raw lines of one chunk without their ``\\n`` (blank lines skipped), or None when
            the prepared chunk is exactly one object per line (`json_fast.read_chunk`).
        first: What `json_fast.read_block` made of the same lines: the drifting keys Arrow
            reported (`json_fast.FastRead.conflicts`) and the prepared chunk.
        newlines: The positions of the newlines in the prepared chunk, when `lines` is None.
    """
    if not first.conflicts or first.prepared is None:
        return None
    data, rows = first.prepared
    if lines is None:
        body = json_fast.Lines(data, newlines)
    else:
        body = json_fast.Lines(data if rows == len(lines) else b"\n".join(raw for raw in lines if raw.strip()))
    keys = list(first.conflicts)
    while True:
        groups = _group(body, keys)
        if groups is None:
            return None
        parsed: list[tuple[pa.Table, np.ndarray]] = []
        for indices in groups:
            table, error = json_fast.parse_basic(body.joined(indices), len(indices))
            if table is None:
                more = json_fast.conflict_keys(error)
                if not more or more[0] in keys or len(keys) >= MAX_DRIFTING:
                    return None
                keys.append(more[0])
                break
            parsed.append((table, indices))
        else:
            return _combine(parsed, keys, body, data, rows)


def _group(body: json_fast.Lines, keys: list[str]) -> list[np.ndarray] | None:
    """Line positions grouped by the kinds of `keys`' values, groups in order of first line."""
    codes = np.zeros(len(body), dtype=np.int64)
    for key in keys:
        kinds = _kinds(body, key)
        if (kinds == _UNSUPPORTED).any():
            return None
        codes = codes * _CODE_BASE + kinds
    _, first_line, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return [np.flatnonzero(inverse == group) for group in np.argsort(first_line)]


def _kinds(body: json_fast.Lines, key: str) -> np.ndarray:
    """Each line's code for the kind of the value after its first ``"key":`` (`_ABSENT` if none).

    The usual layout, ``"key":value``, is read off the buffer at the first ``"key"`` of each line
    (one Arrow substring search over all lines); a line where that is not followed by ``:`` and a
    value (spaces, or the key's text met first elsewhere) is matched on its own with the regex.
    """
    quoted = f'"{key}"'
    found = np.asarray(pc.find_substring(body.array, quoted))
    kinds = np.full(len(body), _ABSENT, dtype=np.int64)
    holding = np.flatnonzero(found >= 0)
    colon = body.starts[holding] + found[holding] + len(quoted)
    view = np.frombuffer(body.text, dtype=np.uint8)
    plain = colon + 1 < len(view)
    plain[plain] = (view[colon[plain]] == _COLON) & ~_SPACE[view[colon[plain] + 1]]
    kinds[holding[plain]] = _KIND_CODES[view[colon[plain] + 1]]
    pattern = re.compile(rb'"' + key.encode() + rb'"[ \t\r]*:[ \t\r]*(.)')
    for index in holding[~plain].tolist():
        match = pattern.search(body.line(index))
        if match is not None:
            kinds[index] = _KIND_CODES[match.group(1)[0]]
    return kinds


def _combine(
    parsed: list[tuple[pa.Table, np.ndarray]], keys: list[str], body: json_fast.Lines, data: bytes, rows: int
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


def _field_order(schemas: list[pa.Schema], body: json_fast.Lines) -> list[str] | None:
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
    if b"\\u" in body.text:
        return None  # a key may be written with escapes the text search would miss
    first: dict[str, tuple[int, int]] = {}
    for name in shapes:
        found = _first_appearance(name, body)
        if found is None:
            return None
        first[name] = found
    return sorted(shapes, key=first.__getitem__)


def _first_appearance(name: str, body: json_fast.Lines) -> tuple[int, int] | None:
    """(line, position among the line's keys) where `name` is first a top-level key, or None."""
    if _PLAIN_KEY.fullmatch(name) is None:
        return None
    pattern = re.compile(rb'"' + name.encode() + rb'"[ \t\r]*:')
    position = 0
    while (match := pattern.search(body.text, position)) is not None:
        line = body.line_of(match.start())
        try:
            keys = list(json.loads(body.line(line)))
        except (ValueError, TypeError):
            return None
        if name in keys:
            return line, keys.index(name)
        position = int(body.starts[line + 1])
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
