"""bench/write_parts.py: both variants write every row once, a file per (part, date), and leave the sink as it was."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds

from glueworks.runtime.sinks import ParquetSink
from tests.bench.bench_modules import load_bench_module


def test_both_variants_write_each_row_once_in_a_file_per_part_and_date(tmp_path: Path) -> None:
    bench = load_bench_module("write_parts")
    table = bench.dated_table(4_000, 6)
    assert len(table.column("date").unique()) == 6
    opener = ParquetSink.file_opener
    for variant in bench.VARIANTS:
        folder = tmp_path / variant.replace(" ", "-")
        assert bench.write_seconds(table, 2, variant, folder, block_rows=1_000) >= 0
        assert ParquetSink.file_opener is opener
        staged = folder / "_glueworks_staging"
        assert len(list(staged.rglob("*.parquet"))) == 2 * 6
        written = ds.dataset(staged, format="parquet", partitioning="hive").to_table()
        assert sorted(written.column("id").to_pylist()) == sorted(table.column("id").to_pylist())
        by_id = dict(zip(table.column("id").to_pylist(), table.column("date").to_pylist(), strict=True))
        assert all(
            by_id[i] == str(d)
            for i, d in zip(written.column("id").to_pylist(), written.column("date").to_pylist(), strict=True)
        )
