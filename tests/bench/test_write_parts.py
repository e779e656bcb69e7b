"""bench/write_parts.py: both variants write every row once, a file per (part, date), and leave the sink as it was."""

from __future__ import annotations

from pathlib import Path

from glueworks.runtime.sinks import ParquetSink
from tests.bench.bench_modules import load_bench_module
from tests.bench.test_partitioned_write import assert_each_row_once_in_its_date


def test_both_variants_write_each_row_once_in_a_file_per_part_and_date(tmp_path: Path) -> None:
    bench = load_bench_module("write_parts")
    table = bench.dated_table(4_000, 6)
    assert len(table.column("date").unique()) == 6
    opener = ParquetSink.file_opener
    for variant in bench.VARIANTS:
        folder = tmp_path / variant.replace(" ", "-")
        assert bench.write_seconds(table, 2, variant, folder, block_rows=1_000) >= 0
        assert ParquetSink.file_opener is opener
        assert len(list((folder / "_glueworks_staging").rglob("*.parquet"))) == 2 * 6
        assert_each_row_once_in_its_date(folder, table)
