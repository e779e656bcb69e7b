"""Reading and writing s3:// through s3fs, against moto's S3 server on loopback."""

from __future__ import annotations

from typing import Any

import fsspec
import pyarrow.parquet as pq

from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor


def test_read_json_and_write_partitioned_parquet_on_s3(s3_bucket: str, s3fs_options: dict[str, Any]) -> None:
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3fs_options)
    fs.pipe(f"{s3_bucket}/in/a.json", b'{"id": 1, "day": "d1", "n": 1}\n{"id": 2, "day": "d2", "n": "x"}\nbad\n')
    ctx = JobRunContext(
        "jr_s3",
        "job",
        1,
        "local",
        2,
        f"s3://{s3_bucket}/errors/jr_s3.jsonl",
        storage_options={"s3": s3fs_options},
    )
    glue = GlueContext(executor=LocalExecutor(2), run_context=ctx)
    frame = glue.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [f"s3://{s3_bucket}/in/"]}, format="json"
    )
    resolved = frame.resolveChoice(specs=[("n", "cast:long")])
    glue.write_dynamic_frame.from_options(
        frame=resolved,
        connection_type="s3",
        connection_options={"path": f"s3://{s3_bucket}/out", "partitionKeys": ["day"]},
        format="parquet",
    )
    staged = fs.find(f"{s3_bucket}/out")
    assert len(staged) == 2 and all("/out/_glueworks_staging/jr_s3-1-w1/" in key for key in staged)
    snapshot = ctx.finish()

    fs.invalidate_cache()
    files = sorted(p for p in fs.find(f"{s3_bucket}/out") if "/_glueworks_log/" not in p)  # the log: the commit
    assert files == [
        f"{s3_bucket}/out/day=d1/part-00000-jr_s3-1-w1.snappy.parquet",
        f"{s3_bucket}/out/day=d2/part-00000-jr_s3-1-w1.snappy.parquet",
    ]
    with fs.open(files[0], "rb") as handle:
        assert pq.read_table(handle).to_pylist() == [{"id": 1, "n": 1}]
    assert snapshot["records_read"] == 2 and snapshot["records_written"] == 2 and snapshot["error_records"] == 1
    assert snapshot["output_locations"] == [f"s3://{s3_bucket}/out"]
    assert b'"line": 3' in fs.cat(f"{s3_bucket}/errors/jr_s3.jsonl")
