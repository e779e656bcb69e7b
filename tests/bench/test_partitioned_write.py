"""bench/partitioned_write.py: both variants write every row to its date, and the sink's default is restored."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from glueworks.runtime.sinks import staged
from tests.bench.bench_modules import load_bench_module


def test_both_variants_write_the_table_and_restore_the_default(tmp_path: Path) -> None:
    bench = load_bench_module("partitioned_write")
    table = bench.root_like_table(3_000)
    assert len(table.column("date").unique()) == 30
    default = staged.BATCH_BYTES
    for batch_bytes in (default, 1):
        folder = tmp_path / str(batch_bytes)
        seconds = bench.write_seconds(table, 700, batch_bytes, folder)
        assert seconds >= 0
        assert default == staged.BATCH_BYTES
        assert_each_row_once_in_its_date(folder, table)


def assert_each_row_once_in_its_date(folder: Path, table: pa.Table) -> None:
    """The staged files under `folder` hold every row of `table` once, each in its ``date=`` folder."""
    written = ds.dataset(folder / "_glueworks_staging", format="parquet", partitioning="hive").to_table()
    assert sorted(written.column("id").to_pylist()) == sorted(table.column("id").to_pylist())
    by_id = dict(zip(table.column("id").to_pylist(), table.column("date").to_pylist(), strict=True))
    assert all(
        by_id[i] == str(d)
        for i, d in zip(written.column("id").to_pylist(), written.column("date").to_pylist(), strict=True)
    )
