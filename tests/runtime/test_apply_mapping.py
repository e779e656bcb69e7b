"""apply_mapping on both executors: renames, casts, nested paths, only mapped fields survive."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [
    {"Id": 1, "user": {"name": "ann", "geo": {"city": "Oslo"}}, "amount": 12.345, "ts": "2026-11-01T10:00:00Z"},
    {"Id": 2, "user": {"name": "bob"}, "amount": "bad", "ts": "2026-11-01 12:30:00", "extra": True},
    {"Id": 3, "amount": 7, "ts": "not a time"},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    write_json_lines(tmp_path / "in" / "a.json", RECORDS[:2])
    write_json_lines(tmp_path / "in" / "b.json", RECORDS[2:])
    return read_json(glue_ctx, tmp_path / "in")


def test_mapping_renames_casts_and_keeps_only_mapped_fields(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping(
        [
            ("Id", "int", "id", "long"),
            ("user.name", "string", "name", "string"),
            ("user.geo.city", "string", "city", "string"),
            ("ts", "string", "ts", "timestamp"),
        ]
    )
    table = mapped.toDF().sort_by("id")
    assert table.schema.names == ["id", "name", "city", "ts"]
    assert table.schema.field("id").type == pa.int64()
    utc = dt.UTC
    assert table.to_pylist() == [
        {"id": 1, "name": "ann", "city": "Oslo", "ts": dt.datetime(2026, 11, 1, 10, 0, tzinfo=utc)},
        {"id": 2, "name": "bob", "city": None, "ts": dt.datetime(2026, 11, 1, 12, 30, tzinfo=utc)},
        {"id": 3, "name": None, "city": None, "ts": None},
    ]


def test_choice_source_cast_to_decimal(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping([("Id", "int", "id", "int"), ("amount", "double", "amount", "decimal(12,2)")])
    values = dict(zip(*(mapped.toDF().column(c).to_pylist() for c in ("id", "amount")), strict=True))
    assert values == {1: decimal.Decimal("12.35"), 2: None, 3: decimal.Decimal("7.00")}


def test_dotted_targets_build_nested_structs(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping([("Id", "int", "key.id", "string"), ("user.name", "string", "key.who", "string")])
    table = mapped.toDF()
    assert table.schema.field("key").type == pa.struct([("id", pa.string()), ("who", pa.string())])
    assert sorted(table.column("key").to_pylist(), key=lambda k: k["id"]) == [
        {"id": "1", "who": "ann"},
        {"id": "2", "who": "bob"},
        {"id": "3", "who": None},
    ]


def test_names_match_case_insensitively_unless_asked(frame: DynamicFrame) -> None:
    assert frame.apply_mapping([("id", "int", "x", "int")]).toDF().column("x").to_pylist() == [1, 2, 3]
    exact = frame.apply_mapping([("id", "int", "x", "int")], case_sensitive=True)
    assert exact.count() == 3
    assert exact.schema().names == []


def test_a_field_absent_everywhere_is_absent_from_the_result(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping([("Id", "int", "id", "int"), ("nowhere", "string", "ghost", "string")])
    assert mapped.schema().names == ["id"]


def test_short_mapping_tuples(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping([("Id", "identifier"), ("user.name", "string", "who")])
    table = mapped.toDF()
    assert table.schema.field("identifier").type == pa.int32()
    assert table.schema.field("who").type == pa.string()


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        ([], "^mappings: must be a non-empty list"),
        ([("a", "int", "b", "int", "x")], r"^mappings\[0\]: must be a tuple"),
        ([("a", "int", "b", 5)], r"^mappings\[0\]: every element must be a string"),
        ([("a", "int", "b", "intx")], r"^mappings\[0\] target type: unknown type"),
        ([("a", "int", "b", "int"), ("c", "int", "b", "int")], r"^mappings\[1\]: target 'b' clashes"),
        ([("a", "int", "b", "int"), ("c", "int", "b.x", "int")], r"^mappings\[1\]: target 'b.x' clashes"),
        ([("a..b", "int", "b", "int")], r"^mappings\[0\] source: empty name"),
    ],
)
def test_bad_mappings_are_refused_naming_the_mapping(
    local_ctx: GlueContext, tmp_path: Path, mappings: list[tuple[object, ...]], message: str
) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"a": 1}]))
    with pytest.raises(InvalidOptionError, match=message):
        frame.apply_mapping(mappings)  # type: ignore[arg-type]
