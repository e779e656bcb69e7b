"""with_frame_schema: a given schema is used as it is, without a pass over the data, on both executors."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import GlueContext, InvalidOptionError, JobRunContext, SchemaError
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [{"id": 1, "name": "a", "extra": True}, {"id": 2, "name": "b", "extra": False}]


def test_schema_answers_without_reading(glue_ctx: GlueContext, run_ctx: JobRunContext, tmp_path: Path) -> None:
    given = pa.schema([("id", pa.int64()), ("name", pa.string())])
    frame = read_json(glue_ctx, write_json_lines(tmp_path / "in.json", RECORDS)).with_frame_schema(given)
    assert frame.schema() == given
    assert run_ctx.metrics.snapshot()["records_read"] == 0  # no pass over the input was needed


def test_blocks_are_conformed_to_the_given_schema(glue_ctx: GlueContext, tmp_path: Path) -> None:
    given = pa.schema([("id", pa.int64()), ("name", pa.string()), ("extra", pa.bool_()), ("missing", pa.string())])
    frame = read_json(glue_ctx, write_json_lines(tmp_path / "in.json", RECORDS)).with_frame_schema(given)
    table = frame.toDF()
    assert table.schema == given
    assert sorted(table.column("id").to_pylist()) == [1, 2]
    assert table.column("missing").to_pylist() == [None, None]


def test_data_the_schema_cannot_hold_is_an_error_not_a_silent_drop(glue_ctx: GlueContext, tmp_path: Path) -> None:
    given = pa.schema([("id", pa.int64())])
    frame = read_json(glue_ctx, write_json_lines(tmp_path / "in.json", RECORDS)).with_frame_schema(given)
    with pytest.raises(SchemaError, match="extra"):
        frame.toDF()


def test_only_a_pyarrow_schema_is_accepted(glue_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(glue_ctx, write_json_lines(tmp_path / "in.json", RECORDS))
    with pytest.raises(InvalidOptionError, match="schema"):
        frame.with_frame_schema("struct<id:int>")  # type: ignore[arg-type]
