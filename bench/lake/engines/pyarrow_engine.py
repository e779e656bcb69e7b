"""A hand-written pyarrow script: one file per task on a thread pool, then one partitioned write.

Parsing as in ``_arrow_parse`` (regex-quoted ``amount``, line-by-line check of blocks that fail).
Both tables are sorted by ``date`` before ``pyarrow.dataset.write_dataset`` (one file per partition).
"""

from __future__ import annotations

import gzip
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from _arrow_parse import parse_json_lines, transform
from _common import Clock, input_files, parse_args, write_result


def process(path: Path) -> tuple[pa.Table, pa.Table, int]:
    data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    table, bad = parse_json_lines(data)
    root, child = transform(table)
    return root, child, bad


def write(table: pa.Table, folder: Path) -> None:
    ds.write_dataset(
        table.sort_by("date"),
        folder,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("date", pa.string())]), flavor="hive"),
        file_options=ds.ParquetFileFormat().make_write_options(compression="snappy"),
        existing_data_behavior="overwrite_or_ignore",
        max_rows_per_group=1 << 20,
    )


def main() -> int:
    clock = Clock()
    args = parse_args()
    clock.setup_finished()
    with ThreadPoolExecutor(args.workers) as pool:
        parts = list(pool.map(process, input_files(args.input)))
    root = pa.concat_tables([p[0] for p in parts])
    child = pa.concat_tables([p[1] for p in parts])
    write(root, args.output / "root")
    write(child, args.output / "items")
    write_result(args, clock, sum(p[2] for p in parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
