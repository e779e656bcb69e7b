"""drop_null_fields on both executors: fields null or missing in every record go, others stay."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from glueworks.runtime import GlueContext
from glueworks.runtime.glue_transforms import DropNullFields
from glueworks.runtime.gluetypes import format_schema
from tests.runtime.conftest import read_json, write_json_lines


def test_drops_fields_null_in_every_record_across_blocks(glue_ctx: GlueContext, tmp_path: Path) -> None:
    first = write_json_lines(
        tmp_path / "1.json", [{"id": 1, "empty": None, "sometimes": None, "s": {"x": None, "y": 1}}]
    )
    second = write_json_lines(tmp_path / "2.json", [{"id": 2, "sometimes": "here", "s": {"x": None, "y": 2}}])
    frame = read_json(glue_ctx, first, second)
    dropped = frame.drop_null_fields()
    assert format_schema(dropped.schema()) == (
        "root\n|-- id: int\n|-- sometimes: string\n|-- s: struct\n|    |-- y: int"
    )
    assert sorted(dropped.toDF().to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "sometimes": None, "s": {"y": 1}},
        {"id": 2, "sometimes": "here", "s": {"y": 2}},
    ]


def test_a_struct_of_only_nulls_goes_whole(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "1.json", [{"id": 1, "s": {"a": None}}, {"id": 2, "s": {"b": None}}])
    dropped = DropNullFields.apply(frame=read_json(glue_ctx, path))
    assert dropped.schema().names == ["id"]
    assert dropped.count() == 2


def test_nothing_to_drop_keeps_the_frame(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "1.json", [{"id": 1, "n": 2}])
    frame = read_json(glue_ctx, path)
    assert frame.drop_null_fields().toDF().to_pylist() == [{"id": 1, "n": 2}]


def test_a_typed_all_null_parquet_column_stays_as_in_glue(local_ctx: GlueContext, tmp_path: Path) -> None:
    # Glue drops NullType fields only: a declared int column holding nulls keeps its type.
    table = pa.table({"id": pa.array([1, 2]), "n": pa.array([None, None], pa.int32())})
    pq.write_table(table, tmp_path / "a.parquet")
    frame = local_ctx.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [str(tmp_path / "a.parquet")]}, format="parquet"
    )
    assert frame.drop_null_fields().schema().names == ["id", "n"]
