"""unbox on both executors: JSON text in a string field becomes structured; bad JSON is an error record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, SchemaError
from glueworks.runtime.glue_transforms import Unbox
from glueworks.runtime.gluetypes import format_schema
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [
    {"id": 1, "payload": json.dumps({"a": 1, "b": {"c": "x"}})},
    {"id": 2, "payload": json.dumps({"a": 2, "tags": ["p", "q"]})},
    {"id": 3, "payload": None},
    {"id": 4, "payload": "{not json"},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:2]), write_json_lines(tmp_path / "2.json", RECORDS[2:])
    )


def test_json_text_becomes_a_struct_and_bad_json_an_error_record(frame: DynamicFrame, tmp_path: Path) -> None:
    unboxed = frame.unbox("payload", "json")
    assert format_schema(unboxed.schema()) == (
        "root\n|-- id: int\n|-- payload: struct\n|    |-- a: int\n|    |-- b: struct\n|    |    |-- c: string"
        "\n|    |-- tags: array\n|    |    |-- element: string"
    )
    assert sorted(unboxed.toDF().to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "payload": {"a": 1, "b": {"c": "x"}, "tags": None}},
        {"id": 2, "payload": {"a": 2, "b": None, "tags": ["p", "q"]}},
        {"id": 3, "payload": None},
    ]
    errors = unboxed.errorsAsDynamicFrame().toDF().to_pylist()
    assert [(e["stage"], e["file"]) for e in errors] == [("unbox", str(tmp_path / "2.json"))]
    assert errors[0]["reason"].startswith("unbox: field 'payload' is not valid JSON: Expecting property name")
    assert json.loads(errors[0]["raw"]) == {"id": 4, "payload": "{not json"}
    assert unboxed.count() + unboxed.errorsCount() == len(RECORDS)


def test_a_nested_string_field_is_unboxed_in_place(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", [{"id": 1, "m": {"raw": "[1, 2]", "k": "v"}}])
    unboxed = Unbox.apply(frame=read_json(glue_ctx, path), path="m.raw", format="JSON")
    assert unboxed.toDF().to_pylist() == [{"id": 1, "m": {"raw": [1, 2], "k": "v"}}]


def test_a_field_no_record_has_changes_nothing(frame: DynamicFrame) -> None:
    assert frame.unbox("nope", "json").count() == len(RECORDS)


def test_a_non_string_field_fails_clearly(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"id": 1}]))
    with pytest.raises(SchemaError, match=r"unbox: field 'id' holds int32, not JSON strings"):
        frame.unbox("id", "json").count()


def test_bad_options_name_the_option(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=r"^format: unbox supports json, got 'avro'"):
        frame.unbox("payload", "avro")
    with pytest.raises(InvalidOptionError, match=r"^separator: unbox format 'json' takes no options"):
        frame.unbox("payload", "json", separator=",")
    with pytest.raises(InvalidOptionError, match=r"^path: a field path must be a non-empty string"):
        frame.unbox("", "json")
