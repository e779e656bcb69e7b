"""Property tests (hypothesis): the schema merge is a commutative, associative union that makes
a Choice exactly where type families differ on a path; and rows are conserved end to end
(lines in = rows written + rows filtered out + error records) on both executors."""

from __future__ import annotations

import collections
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glueworks.runtime import Executor, GlueContext, JobRunContext
from glueworks.runtime.gluetypes import choice_members, is_choice, type_family
from glueworks.runtime.schema import merge_schemas

SCHEMA_SETTINGS = settings(max_examples=50, deadline=None)
ROW_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- random nested Arrow schemas -----------------------------------------------------------
# Maps (keys that widen or differ in family) and several time zones are included: map keys widen
# like values and two different zones normalise to UTC, so order never matters.

PRIMITIVES = st.sampled_from(
    [
        pa.null(),
        pa.bool_(),
        pa.int8(),
        pa.int16(),
        pa.int32(),
        pa.int64(),
        pa.float32(),
        pa.float64(),
        pa.string(),
        pa.large_string(),
        pa.binary(),
        pa.date32(),
        pa.timestamp("us"),
        pa.timestamp("ms"),
        pa.timestamp("us", tz="UTC"),
        pa.timestamp("ms", tz="Europe/Paris"),
        pa.timestamp("us", tz="Asia/Tokyo"),
        pa.decimal128(10, 2),
        pa.decimal128(18, 4),
        pa.decimal128(6, 0),
    ]
)
NAMES = st.sampled_from(["a", "b", "c", "d"])
MAP_KEYS = st.sampled_from([pa.int8(), pa.int32(), pa.int64(), pa.string(), pa.large_string()])


def _struct_of(children: st.SearchStrategy[pa.DataType]) -> st.SearchStrategy[pa.DataType]:
    fields = st.lists(st.tuples(NAMES, children), min_size=1, max_size=3, unique_by=lambda item: item[0])
    return fields.map(lambda items: pa.struct([pa.field(name, dtype) for name, dtype in items]))


TYPES = st.recursive(
    PRIMITIVES,
    lambda children: st.one_of(
        _struct_of(children),
        children.map(pa.list_),
        st.builds(pa.map_, MAP_KEYS, children),
    ),
    max_leaves=6,
)
SCHEMAS = st.lists(st.tuples(NAMES, TYPES), min_size=0, max_size=4, unique_by=lambda item: item[0]).map(
    lambda items: pa.schema([pa.field(name, dtype) for name, dtype in items])
)


def canonical(field: pa.Field) -> Any:
    """A field as a hashable tree that ignores struct field order (a merge keeps first-seen order)."""
    dtype = field.type
    if is_choice(field):
        body: Any = ("choice", tuple(canonical(m) for m in choice_members(field)))
    elif pa.types.is_struct(dtype):
        body = ("struct", tuple(sorted(canonical(dtype.field(i)) for i in range(dtype.num_fields))))
    elif pa.types.is_list(dtype):
        body = ("list", canonical(dtype.value_field))
    elif pa.types.is_map(dtype):
        body = ("map", canonical(dtype.key_field), canonical(dtype.item_field))
    else:
        body = (str(dtype),)
    return (field.name, field.nullable, body)


def canonical_schema(schema: pa.Schema) -> Any:
    return tuple(sorted(canonical(f) for f in schema))


def expected_shape(types: Sequence[pa.DataType]) -> Any:
    """What the merge must make of the types seen on one path, from the rules alone.

    Null adds nothing; one family gives that family (structs recurse by field name, lists by
    element); two or more families give a Choice with one member per family.
    """
    by_family: dict[str, list[pa.DataType]] = collections.defaultdict(list)
    for dtype in types:
        if not pa.types.is_null(dtype):
            by_family[type_family(dtype)].append(dtype)
    if not by_family:
        return ("null",)
    if len(by_family) > 1:
        return ("choice", tuple(sorted((family, _family_shape(family, ts)) for family, ts in by_family.items())))
    ((family, members),) = by_family.items()
    return _family_shape(family, members)


def _family_shape(family: str, types: list[pa.DataType]) -> Any:
    if family == "struct":
        children: dict[str, list[pa.DataType]] = collections.defaultdict(list)
        for dtype in types:
            for i in range(dtype.num_fields):
                children[dtype.field(i).name].append(dtype.field(i).type)
        return ("struct", tuple(sorted((name, expected_shape(ts)) for name, ts in children.items())))
    if family == "array":
        return ("list", expected_shape([dtype.value_type for dtype in types]))
    if family == "map":
        # Keys of one family widen; keys of several become strings (Glue's map key type).
        key_families = {type_family(dtype.key_type) for dtype in types}
        key = key_families.pop() if len(key_families) == 1 else "string"
        return ("map", (key,), expected_shape([dtype.item_type for dtype in types]))
    return (family,)


def actual_shape(field: pa.Field) -> Any:
    """The same tree read off a merged field."""
    if is_choice(field):
        members = [(type_family(m.type), _plain_shape(m)) for m in choice_members(field)]
        return ("choice", tuple(sorted(members)))
    return _plain_shape(field)


def _plain_shape(field: pa.Field) -> Any:
    dtype = field.type
    if pa.types.is_null(dtype):
        return ("null",)
    if pa.types.is_struct(dtype) and not is_choice(field):
        return (
            "struct",
            tuple(sorted((dtype.field(i).name, actual_shape(dtype.field(i))) for i in range(dtype.num_fields))),
        )
    if pa.types.is_list(dtype):
        return ("list", actual_shape(dtype.value_field))
    if pa.types.is_map(dtype):
        return ("map", (type_family(dtype.key_type),), actual_shape(dtype.item_field))
    return (type_family(dtype),)


def merge(*schemas: pa.Schema) -> pa.Schema:
    return merge_schemas(schemas)


@SCHEMA_SETTINGS
@given(SCHEMAS, SCHEMAS)
def test_merge_is_commutative(left: pa.Schema, right: pa.Schema) -> None:
    assert canonical_schema(merge(left, right)) == canonical_schema(merge(right, left))


@SCHEMA_SETTINGS
@given(SCHEMAS, SCHEMAS, SCHEMAS)
def test_merge_is_associative(a: pa.Schema, b: pa.Schema, c: pa.Schema) -> None:
    grouped_left = merge(merge(a, b), c)
    grouped_right = merge(a, merge(b, c))
    assert canonical_schema(grouped_left) == canonical_schema(grouped_right)
    # Folding all at once (what a frame does over its blocks) agrees with both groupings.
    assert canonical_schema(merge(a, b, c)) == canonical_schema(grouped_left)


@SCHEMA_SETTINGS
@given(st.lists(SCHEMAS, min_size=1, max_size=4))
def test_merge_makes_a_choice_exactly_where_families_differ(schemas: list[pa.Schema]) -> None:
    merged = merge(*schemas)
    seen: dict[str, list[pa.DataType]] = collections.defaultdict(list)
    for schema in schemas:
        for field in schema:
            seen[field.name].append(field.type)
    assert sorted(merged.names) == sorted(seen)  # a union of the fields, each once
    for field in merged:
        assert field.nullable  # a field may be missing from some block
        assert actual_shape(field) == expected_shape(seen[field.name]), field.name


@SCHEMA_SETTINGS
@given(SCHEMAS)
def test_merge_is_idempotent(schema: pa.Schema) -> None:
    once = merge(schema)
    assert canonical_schema(merge(once, once)) == canonical_schema(once)
    assert canonical_schema(merge(once, schema)) == canonical_schema(once)


# --- row conservation ---------------------------------------------------------------------

MALFORMED = st.sampled_from(
    [
        b'{"id": 1, "v": ',  # truncated
        b"plain text, no braces",
        b"[1, 2, 3]",  # valid JSON but not an object
        b'{"id": 2, "k": "S\xe3o Paulo"}',  # invalid UTF-8
        b'{"id": 3,, "v": 1}',
    ]
)
VALUES = st.one_of(st.none(), st.integers(-(2**40), 2**40), st.integers(0, 999).map(str), st.just("n/a"))
KINDS = st.sampled_from(["keep", "keep", "drop", "boom"])
LINES = st.lists(
    st.one_of(st.tuples(st.just("good"), VALUES, KINDS), st.tuples(st.just("bad"), MALFORMED)),
    min_size=1,
    max_size=40,
)


class Boom(RuntimeError):
    """What the filter raises for records of kind ``boom`` (an error record, not a failure)."""


def keep_record(record: Any) -> bool:
    if record["k"] == "boom":
        raise Boom(f"record {record['id']} is a boom")
    return bool(record["k"] == "keep")


def as_long(value: object) -> int | None:
    """What ``cast:long`` makes of a value (a numeric string parses, other strings are null)."""
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


@pytest.mark.parametrize("split_files", [1, 3], ids=["one-file", "three-files"])
@ROW_SETTINGS
@given(lines=LINES)
def test_rows_in_equal_rows_out_plus_error_records(
    executor: Executor, split_files: int, lines: list[tuple[Any, ...]]
) -> None:
    records: list[dict[str, Any]] = []
    raw_lines: list[bytes] = []
    for number, line in enumerate(lines):
        if line[0] == "good":
            record = {"id": number, "v": line[1], "k": line[2]}
            records.append(record)
            raw_lines.append(json.dumps(record).encode())
        else:
            raw_lines.append(line[1])
    malformed = len(lines) - len(records)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        chunk = -(-len(raw_lines) // split_files)
        for index in range(split_files):
            part = raw_lines[index * chunk : (index + 1) * chunk]
            (root / "in").mkdir(exist_ok=True)
            (root / "in" / f"part-{index}.json").write_bytes(b"".join(line + b"\n" for line in part))
        run = JobRunContext.standalone()
        glue = GlueContext(executor=executor, run_context=run)
        frame = glue.create_dynamic_frame.from_options(
            connection_type="s3", connection_options={"paths": [str(root / "in")]}, format="json"
        )
        resolved = frame.resolveChoice(specs=[("v", "cast:long")])
        mapped = resolved.apply_mapping(
            [("id", "long", "id", "long"), ("v", "long", "v", "long"), ("k", "string", "k", "string")]
        )
        kept = mapped.filter(keep_record)
        glue.write_dynamic_frame.from_options(
            frame=kept, connection_type="s3", connection_options={"path": str(root / "out")}, format="parquet"
        )
        metrics = run.metrics.snapshot()
        written = pq.read_table(root / "out").to_pylist() if (root / "out").exists() else []

    expected_kept = [r for r in records if r["k"] == "keep"]
    booms = sum(1 for r in records if r["k"] == "boom")
    dropped = sum(1 for r in records if r["k"] == "drop")
    assert metrics["records_read"] == len(records)
    assert metrics["error_records"] == malformed + booms
    assert metrics["records_written"] == len(written) == len(expected_kept)
    # Conservation: every input line is a written row, a filtered-out row or an error record.
    assert len(lines) == metrics["records_written"] + dropped + metrics["error_records"]
    got = collections.Counter((r["id"], r["v"], r["k"]) for r in written)
    assert got == collections.Counter((r["id"], as_long(r["v"]), r["k"]) for r in expected_kept)
