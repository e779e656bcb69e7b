"""UnnestFrame: structs flatten into dotted top-level columns; arrays and maps stay as they are."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime import DynamicFrame, GlueContext
from glueworks.runtime.errors import InvalidOptionError, SchemaError
from glueworks.runtime.glue_transforms import UnnestFrame
from glueworks.runtime.gluetypes import choice_members, is_choice
from glueworks.runtime.inference import table_from_records
from glueworks.runtime.plan import FromTables
from glueworks.runtime.transforms.unnest import unnest_schema, unnest_table
from tests.runtime.conftest import read_json, write_json_lines

NESTED = pa.schema(
    [
        ("id", pa.int64()),
        (
            "a",
            pa.struct(
                [("b", pa.int64()), ("c", pa.struct([("d", pa.string()), ("e", pa.struct([("f", pa.bool_())]))]))]
            ),
        ),
        ("tags", pa.list_(pa.string())),
        ("items", pa.list_(pa.struct([("x", pa.int64()), ("y", pa.struct([("z", pa.string())]))]))),
        ("attrs", pa.map_(pa.string(), pa.struct([("k", pa.int64())]))),
    ]
)
RECORDS: list[dict[str, Any]] = [
    {
        "id": 1,
        "a": {"b": 10, "c": {"d": "x", "e": {"f": True}}},
        "tags": ["p", "q"],
        "items": [{"x": 1, "y": {"z": "z1"}}],
        "attrs": [("m", {"k": 1})],
    },
    {"id": 2, "a": {"b": 20, "c": None}, "tags": [], "items": None, "attrs": None},
    {"id": 3, "a": None, "tags": None, "items": [], "attrs": []},
    {
        "id": 4,
        "a": {"b": None, "c": {"d": None, "e": None}},
        "tags": ["r"],
        "items": [{"x": None, "y": None}],
        "attrs": None,
    },
]


def flatten_record(record: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """Reference: flatten one record along its schema, record by record (Glue's view)."""
    out: dict[str, Any] = {}

    def walk(field: pa.Field, value: Any, name: str) -> None:
        if pa.types.is_struct(field.type):
            for child in field.type:
                walk(child, None if value is None else value.get(child.name), f"{name}.{child.name}")
        else:
            out[name] = value

    for field in schema:
        walk(field, record.get(field.name), field.name)
    return out


def as_multiset(rows: list[dict[str, Any]]) -> Counter[str]:
    return Counter(repr(sorted(row.items())) for row in rows)


def test_structs_flatten_to_dotted_columns_at_every_depth() -> None:
    table = pa.Table.from_pylist(RECORDS, schema=NESTED)
    result = unnest_table(table)
    assert result.column_names == ["id", "a.b", "a.c.d", "a.c.e.f", "tags", "items", "attrs"]
    assert result.num_rows == table.num_rows
    expected = [flatten_record(r, NESTED) for r in table.to_pylist()]
    assert result.to_pylist() == expected


def test_arrays_and_maps_are_left_as_they_are() -> None:
    table = pa.Table.from_pylist(RECORDS, schema=NESTED)
    result = unnest_table(table)
    for name in ("tags", "items", "attrs"):
        assert result.schema.field(name).type == NESTED.field(name).type
        assert result.column(name).to_pylist() == table.column(name).to_pylist()


def test_a_null_struct_makes_every_flattened_column_null() -> None:
    table = pa.Table.from_pylist(RECORDS, schema=NESTED)
    row = unnest_table(table).to_pylist()[2]  # record 3 has a = null
    assert [row[name] for name in ("a.b", "a.c.d", "a.c.e.f")] == [None, None, None]


def test_an_empty_struct_disappears_and_rows_are_kept() -> None:
    table = pa.table({"e": pa.array([{}, None, {}], pa.struct([])), "n": [1, 2, 3]})
    result = unnest_table(table)
    assert result.column_names == ["n"]
    assert result.num_rows == 3
    only_empty = unnest_table(table.select(["e"]))
    assert only_empty.num_columns == 0 and only_empty.num_rows == 3


def test_a_choice_struct_member_flattens_per_record_and_one_other_member_becomes_plain() -> None:
    records: list[dict[str, Any]] = [{"a": 1}, {"a": {"b": 2, "c": "x"}}, {"a": None}, {"a": 5}]
    table = table_from_records(records)
    assert is_choice(table.schema.field("a"))
    result = unnest_table(table)
    assert result.column_names == ["a", "a.b", "a.c"]
    assert not is_choice(result.schema.field("a"))
    assert result.column("a").to_pylist() == [r["a"] if isinstance(r["a"], int) else None for r in records]
    assert result.column("a.b").to_pylist() == [r["a"]["b"] if isinstance(r["a"], dict) else None for r in records]


def test_a_choice_keeps_its_other_members_as_a_smaller_choice() -> None:
    records: list[dict[str, Any]] = [{"a": 1}, {"a": "one"}, {"a": {"b": 2}}, {"a": None}]
    result = unnest_table(table_from_records(records))
    field = result.schema.field("a")
    assert is_choice(field)
    assert [m.name for m in choice_members(field)] == ["int", "string"]
    values = result.column("a").to_pylist()
    assert values[0] == {"int": 1, "string": None}
    assert values[1] == {"int": None, "string": "one"}
    # The struct row and the null row have no value left in the choice column.
    assert values[2] is None and values[3] is None
    assert result.column("a.b").to_pylist() == [None, None, 2, None]


def test_a_choice_without_a_struct_member_is_unchanged() -> None:
    table = table_from_records([{"a": 1}, {"a": "x"}])
    assert unnest_table(table).equals(table)


def test_a_name_clash_is_an_error_naming_the_column() -> None:
    table = pa.table({"a": pa.array([{"b": 1}]), "a.b": [2]})
    with pytest.raises(SchemaError, match=r"'a\.b'"):
        unnest_table(table)


def test_the_schema_alone_predicts_the_result_and_chunks_are_kept() -> None:
    table = pa.Table.from_pylist(RECORDS, schema=NESTED)
    chunked = pa.concat_tables([table.slice(0, 2), table.slice(2)])
    result = unnest_table(chunked)
    assert result.schema == unnest_schema(NESTED)
    assert result.column("a.b").num_chunks == 2
    assert result.to_pylist() == unnest_table(table).to_pylist()


def test_an_empty_table_keeps_its_flattened_schema() -> None:
    result = unnest_table(NESTED.empty_table())
    assert result.num_rows == 0
    assert result.column_names == ["id", "a.b", "a.c.d", "a.c.e.f", "tags", "items", "attrs"]


# --- the frame method and the transform class, on every executor ------------------------------


def test_frame_unnest_flattens_every_block_on_every_executor(glue_ctx: GlueContext) -> None:
    table = pa.Table.from_pylist(RECORDS, schema=NESTED)
    frame = DynamicFrame(FromTables("nested", (table.slice(0, 2), table.slice(2))), glue_ctx, "nested")
    result = frame.unnest()
    assert result.schema().names == ["id", "a.b", "a.c.d", "a.c.e.f", "tags", "items", "attrs"]
    assert result.count() == len(RECORDS)
    expected = [flatten_record(r, NESTED) for r in table.to_pylist()]
    assert as_multiset(result.toDF().to_pylist()) == as_multiset(expected)


def test_unnest_is_per_record_across_files_with_different_types(glue_ctx: GlueContext, tmp_path: Path) -> None:
    first: list[dict[str, Any]] = [{"k": 1, "a": {"b": 1, "c": {"d": "x"}}}, {"k": 2, "a": None}]
    second: list[dict[str, Any]] = [{"k": 3, "a": 7}, {"k": 4, "a": {"b": 4}}]
    write_json_lines(tmp_path / "in" / "1.json", first)
    write_json_lines(tmp_path / "in" / "2.json", second)
    frame = UnnestFrame.apply(frame=read_json(glue_ctx, tmp_path / "in"), transformation_ctx="flat")
    rows = frame.toDF().to_pylist()
    assert set(frame.schema().names) == {"k", "a", "a.b", "a.c.d"}
    by_key = {row["k"]: row for row in rows}
    for record in first + second:
        value = record["a"]
        row = by_key[record["k"]]
        assert row["a.b"] == (value.get("b") if isinstance(value, dict) else None)
        assert row["a.c.d"] == (value.get("c", {}).get("d") if isinstance(value, dict) else None)
        assert row["a"] == (value if isinstance(value, int) else None)


def test_unnest_validates_thresholds(glue_ctx: GlueContext) -> None:
    frame = DynamicFrame.fromDF(pa.table({"a": [1]}), glue_ctx, "f")
    with pytest.raises(InvalidOptionError, match="stageThreshold"):
        frame.unnest(stageThreshold=-1)
    with pytest.raises(InvalidOptionError, match="frame"):
        UnnestFrame.apply(frame="not a frame")


DEEP = pa.schema(
    [
        ("a", pa.struct([("b", pa.int64()), ("c", pa.struct([("d", pa.string())]))])),
        ("xs", pa.list_(pa.struct([("y", pa.int64())]))),
    ]
)
deep_records = st.lists(
    st.fixed_dictionaries(
        {
            "a": st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "b": st.one_of(st.none(), st.integers(-9, 9)),
                        "c": st.one_of(
                            st.none(), st.fixed_dictionaries({"d": st.one_of(st.none(), st.text(max_size=2))})
                        ),
                    }
                ),
            ),
            "xs": st.one_of(st.none(), st.lists(st.fixed_dictionaries({"y": st.integers(0, 3)}), max_size=2)),
        }
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(records=deep_records, cut=st.integers(0, 8))
def test_property_unnest_keeps_every_row_and_matches_record_by_record(records: list[dict[str, Any]], cut: int) -> None:
    table = pa.Table.from_pylist(records, schema=DEEP)
    cut = min(cut, table.num_rows)
    blocks = [unnest_table(table.slice(0, cut)), unnest_table(table.slice(cut))]
    assert sum(block.num_rows for block in blocks) == len(records)
    assert all(block.schema == unnest_schema(DEEP) for block in blocks)
    rows = [row for block in blocks for row in block.to_pylist()]
    assert rows == [flatten_record(r, DEEP) for r in table.to_pylist()]
