"""JSON format options (jsonPath with and without multiLine) and the JSON-lines sink."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.formats.json import parse_json_path, select


def read(ctx: GlueContext, path: Path, **format_options: Any) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options(
        "s3", {"paths": [str(path)]}, format="json", format_options=format_options
    )


def test_json_path_selects_records_inside_a_document(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    document = {"meta": {"n": 3}, "records": [{"id": 1}, {"id": 2}, 7]}
    path.write_text(json.dumps(document, indent=2))
    frame = read(glue_ctx, path, multiLine=True, jsonPath="$.records[*]")
    assert frame.toDF().to_pylist() == [{"id": 1}, {"id": 2}]
    (error,) = frame.errorsAsDynamicFrame().toDF().to_pylist()
    assert error["reason"] == "not a JSON object: match 2 of the jsonPath holds a number"
    assert error["file"] == str(path)


def test_json_path_on_json_lines(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    lines = [
        {"batch": {"items": [{"v": 1}, {"v": 2}]}},
        {"batch": {"items": []}},
        {"other": 1},
        {"batch": {"items": ["x"]}},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    frame = read(glue_ctx, path, jsonPath="$['batch'].items[*]")
    assert frame.toDF().to_pylist() == [{"v": 1}, {"v": 2}]
    errors = frame.errorsAsDynamicFrame().toDF().to_pylist()
    assert [(e["line"], e["reason"]) for e in errors] == [(4, "not a JSON object: the jsonPath selects a string")]


def test_json_path_parser() -> None:
    assert parse_json_path("$", "p") == ()
    assert select([{"a": 1}], parse_json_path("$[0].a", "p")) == [1]
    assert select({"a": {"b": 1, "c": 2}}, parse_json_path("$.a.*", "p")) == [1, 2]
    assert select({"a b": [1, 2]}, parse_json_path('$["a b"][-1]', "p")) == [2]
    for bad in ("records", "$.", "$[?(@.x)]", "$..x"):
        with pytest.raises(InvalidOptionError, match=r"^format_options.jsonPath: "):
            parse_json_path(bad, "format_options.jsonPath")


def test_bad_json_path_is_refused_before_io(local_ctx: GlueContext, tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"^format_options.jsonPath: unsupported syntax"):
        read(local_ctx, tmp_path / "missing", jsonPath="$..deep")
    with pytest.raises(InvalidOptionError, match=r"^format_options.jsonPath: must be a string"):
        read(local_ctx, tmp_path / "missing", jsonPath=3)


def test_json_sink_round_trip(glue_ctx: GlueContext, tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "tags": [["a"], [], None],
            "inner": [{"x": 1.5}, None, {"x": 2.0}],
            "dt": ["d1", "d2", "d1"],
        }
    )
    out = tmp_path / "out"
    glue_ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(table, glue_ctx, "t"), "s3", {"path": str(out), "partitionKeys": ["dt"]}, format="json"
    )
    lines = [json.loads(x) for p in sorted(out.rglob("*.json")) for x in p.read_text().splitlines()]
    # Null fields are left out, as Spark's JSON writer does.
    assert lines == [
        {"id": 1, "tags": ["a"], "inner": {"x": 1.5}},
        {"id": 3, "inner": {"x": 2.0}},
        {"id": 2, "tags": []},
    ]
    back = glue_ctx.create_dynamic_frame.from_options("s3", {"paths": [str(out)], "recurse": True}, format="json")
    got = sorted(back.toDF().to_pylist(), key=lambda r: r["id"])
    assert got == sorted(table.drop_columns(["dt"]).to_pylist(), key=lambda r: r["id"])


def test_json_sink_writes_choices_dates_and_binary(local_ctx: GlueContext, tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text('{"v": 1}\n{"v": "one"}\n')
    frame = read(local_ctx, source)
    out = tmp_path / "out"
    local_ctx.write_dynamic_frame.from_options(frame, "s3", {"path": str(out)}, format="json")
    (written,) = list(out.glob("*.json"))
    # An unresolved choice is written in its make_struct form.
    assert [json.loads(x) for x in written.read_text().splitlines()] == [{"v": {"int": 1}}, {"v": {"string": "one"}}]
    import datetime

    table = pa.table({"d": [datetime.date(2026, 11, 1)], "b": [b"\x00\x01"]})
    out2 = tmp_path / "out2"
    local_ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(table, local_ctx, "t"), "s3", {"path": str(out2)}, format="json"
    )
    (written2,) = list(out2.glob("*.json"))
    assert json.loads(written2.read_text()) == {"d": "2026-11-01", "b": "AAE="}
