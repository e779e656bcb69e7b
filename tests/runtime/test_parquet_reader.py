"""The Parquet reader: file schemas merge into the frame schema; broken files are error records."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from glueworks.runtime import DynamicFrame, GlueContext
from glueworks.runtime.gluetypes import is_choice


def read_parquet(ctx: GlueContext, path: Path) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [str(path)]}, format="parquet"
    )


def test_parquet_files_with_different_schemas(glue_ctx: GlueContext, tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int32()), "v": ["a", "b"]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"id": pa.array([3], pa.int64()), "v": [1.5], "w": [True]}), tmp_path / "b.parquet")
    pq.write_table(pa.table({"id": pa.array([], pa.int32())}), tmp_path / "c.parquet")
    frame = read_parquet(glue_ctx, tmp_path)
    schema = frame.schema()
    assert schema.names == ["id", "v", "w"]
    assert schema.field("id").type == pa.int64()
    assert is_choice(schema.field("v"))
    assert frame.count() == 3
    assert glue_ctx.run_context.metrics.records_read == 3


def test_a_file_that_is_not_parquet_is_an_error_record(glue_ctx: GlueContext, tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": [1]}), tmp_path / "good.parquet")
    (tmp_path / "notes.txt").write_text("not parquet at all")
    frame = read_parquet(glue_ctx, tmp_path)
    assert frame.count() == 1
    errors = frame.errorsAsDynamicFrame().toDF().to_pylist()
    assert len(errors) == 1
    assert errors[0]["file"] == str(tmp_path / "notes.txt")
    assert errors[0]["line"] is None
    assert errors[0]["reason"].startswith("not a valid Parquet file")
