"""What more writers cost a partitioned Parquet write: the same rows as 1, 2 or 4 parts, a file per date each.

    .venv/bin/python bench/write_parts.py [--rows 776000] [--dates 30] [--parts 1,2,4] [--reps 7]

A 2-worker run writes each table with two writers, so twice the files of a 1-worker run, each with half
the rows. Whatever a file costs on its own is paid twice. This script writes a table shaped like the lake
benchmark's root table (``partitioned_write.root_like_table``, with `--dates` dates) as `--parts` parts
(`StagedFileSink.write_part` calls, one after another in this process), and times the CPU seconds of all
of them, in two variants:

* ``per part``: the sink's default. A part's first rows choose the Parquet encodings of all its files.
* ``per file``: every file chooses its own encodings from its first rows, as before ``b9865ce``. That is a
  distinct count of each column of up to 2,048 rows per file.

Variants and part counts alternate. The table gives medians and minimums, and each count's cost against
one part.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partitioned_write import root_like_table  # type: ignore[import-not-found]

from glueworks.runtime.locations import parse_location
from glueworks.runtime.sinks import ParquetSink
from glueworks.runtime.sinks.staged import StagedFileSink

VARIANTS = ("per part", "per file")


def dated_table(rows: int, dates: int, seed: int = 1) -> pa.Table:
    """`root_like_table` with `dates` distinct dates in random order."""
    table = root_like_table(rows)
    days = np.array([f"2026-{1 + d // 28:02d}-{1 + d % 28:02d}" for d in range(dates)])
    picked = days[np.random.default_rng(seed).integers(0, dates, rows)]
    return table.set_column(table.schema.get_field_index("date"), "date", pa.array(picked))


def write_seconds(table: pa.Table, parts: int, variant: str, folder: Path, block_rows: int = 48_000) -> float:
    """CPU seconds of writing `table` as `parts` parts (contiguous runs of blocks), partitioned by date."""
    shutil.rmtree(folder, ignore_errors=True)
    blocks = [table.slice(start, block_rows) for start in range(0, table.num_rows, block_rows)]
    per_part = -(-len(blocks) // parts)
    sink = ParquetSink(parse_location(str(folder), "path"), ("date",), "bench-1")
    sink.start()
    opener = ParquetSink.file_opener if variant == "per part" else StagedFileSink.file_opener
    with mock.patch.object(ParquetSink, "file_opener", opener):
        started = time.process_time()
        for part in range(parts):
            sink.write_part(part, blocks[part * per_part : (part + 1) * per_part], table.schema)
        return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=776_000, help="rows of the table (the ~1M lake's root: 776k)")
    parser.add_argument("--dates", type=int, default=30, help="distinct dates, a folder each (the lake's: 30)")
    parser.add_argument("--parts", default="1,2,4", help="comma-separated part counts (writers)")
    parser.add_argument("--reps", type=int, default=7, help="repetitions (medians are reported)")
    args = parser.parse_args()
    counts = [int(count) for count in args.parts.split(",")]
    table = dated_table(args.rows, args.dates)
    seconds: dict[tuple[int, str], list[float]] = {(c, v): [] for c in counts for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="write-parts-") as scratch:
        write_seconds(table, 1, VARIANTS[0], Path(scratch) / "warm")  # imports and first-call costs
        for rep in range(args.reps):
            order = list(seconds)
            for count, variant in order if rep % 2 == 0 else order[::-1]:
                folder = Path(scratch) / f"{count}-{variant.replace(' ', '-')}"
                seconds[(count, variant)].append(write_seconds(table, count, variant, folder))
            print(f"  round {rep + 1}/{args.reps} done", flush=True)
    print(f"partitioned write: {args.rows:,} rows, {args.dates} dates, {args.reps} repetition(s); CPU s")
    first = f"{counts[0]} part{'s' if counts[0] > 1 else ''}"
    header = "| parts | files | per part: median / min | per file: median / min"
    print(f"{header} | per part vs {first} | per file vs {first} |")
    print("|---:|---:|---:|---:|---:|---:|")
    base = {v: statistics.median(seconds[(counts[0], v)]) for v in VARIANTS}
    for count in counts:
        cells = [f"{statistics.median(seconds[(count, v)]):.3f} / {min(seconds[(count, v)]):.3f}" for v in VARIANTS]
        ratios = [f"{statistics.median(seconds[(count, v)]) / base[v]:.2f}" for v in VARIANTS]
        print(f"| {count} | {count * args.dates} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
