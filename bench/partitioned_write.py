"""What block size costs a partitioned Parquet write, with and without joining small blocks first.

    .venv/bin/python bench/partitioned_write.py [--rows 800000] [--blocks 20000,55000,110000,400000] [--reps 7]

One part (`StagedFileSink.write_part`, Parquet, partitioned by ``date``) of a table shaped like the lake
benchmark's root table (13 columns, ~110 Arrow bytes a row, 30 dates in random order) is written from
blocks of each size, once with neighbouring small blocks joined into batches of ``BATCH_BYTES`` (the
sink's default) and once with every block partitioned on its own (``BATCH_BYTES = 1``, the behaviour
before batching). The CPU seconds of each write are timed in this process; variants and block sizes
alternate, and the table shows the median and the fastest of the repetitions, and joined / alone.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pyarrow as pa

from glueworks.runtime.locations import parse_location
from glueworks.runtime.sinks import ParquetSink, staged


def root_like_table(rows: int, seed: int = 0) -> pa.Table:
    """A table shaped like the lake root table: ids, strings of few values, numbers, a timestamp, 30 dates."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 30, rows)
    return pa.table(
        {
            "id": pa.array([f"evt-{i:012d}" for i in range(rows)]),
            "event_type": pa.array(np.array(["view", "click", "purchase", "signup"])[rng.integers(0, 4, rows)]),
            "ts": pa.array(rng.integers(1_700_000_000_000_000, 1_702_000_000_000_000, rows), pa.timestamp("us")),
            "user_id": pa.array(rng.integers(0, 200_000, rows)),
            "country": pa.array(np.array(["DE", "FR", "US", "JP", "BR", "IN"])[rng.integers(0, 6, rows)]),
            "age": pa.array(rng.integers(18, 90, rows).astype(np.int32)),
            "city": pa.array(np.array([f"city-{c}" for c in range(200)])[rng.integers(0, 200, rows)]),
            "os": pa.array(np.array(["ios", "android", "linux", "windows"])[rng.integers(0, 4, rows)]),
            "amount": pa.array(rng.integers(100, 100_000, rows)),
            "session_ms": pa.array(rng.integers(0, 3_600_000, rows)),
            "items": pa.array(rng.integers(0, rows, rows)),
            "campaign": pa.array(np.array(["spring", "summer", "autumn", None])[rng.integers(0, 4, rows)]),
            "date": pa.array(np.array([f"2026-11-{d + 1:02d}" for d in range(30)])[day]),
        }
    )


def write_seconds(table: pa.Table, block_rows: int, batch_bytes: int, folder: Path) -> float:
    """CPU seconds of one partitioned `write_part` of `table` cut into blocks of `block_rows`."""
    shutil.rmtree(folder, ignore_errors=True)
    blocks = [table.slice(start, block_rows).combine_chunks() for start in range(0, table.num_rows, block_rows)]
    sink = ParquetSink(parse_location(str(folder), "path"), ("date",), "bench-1")
    sink.start()
    with mock.patch.object(staged, "BATCH_BYTES", batch_bytes):
        started = time.process_time()
        sink.write_part(0, blocks, table.schema)
        return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=800_000, help="rows of the table")
    parser.add_argument("--blocks", default="20000,55000,110000,400000", help="comma-separated block sizes (rows)")
    parser.add_argument("--reps", type=int, default=7, help="repetitions (medians are reported)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.blocks.split(",")]
    table = root_like_table(args.rows)
    variants = {"joined": staged.BATCH_BYTES, "alone": 1}
    seconds: dict[tuple[int, str], list[float]] = {(s, v): [] for s in sizes for v in variants}
    with tempfile.TemporaryDirectory(prefix="partitioned-write-") as scratch:
        write_seconds(table, sizes[0], 1, Path(scratch) / "warm")  # imports and first-call costs
        for rep in range(args.reps):
            order = [(s, v) for s in sizes for v in variants]
            for size, variant in order if rep % 2 == 0 else order[::-1]:
                folder = Path(scratch) / f"{size}-{variant}"
                seconds[(size, variant)].append(write_seconds(table, size, variants[variant], folder))
            print(f"  round {rep + 1}/{args.reps} done", flush=True)
    mb = table.nbytes / 1e6
    print(f"partitioned write: {args.rows:,} rows ({mb:.0f} MB Arrow), 30 dates, {args.reps} repetition(s)")
    print("| block rows | joined s (median / min) | alone s (median / min) | joined / alone |")
    print("|---:|---:|---:|---:|")
    for size in sizes:
        joined, alone = seconds[(size, "joined")], seconds[(size, "alone")]
        ratio = statistics.median(joined) / statistics.median(alone)
        print(
            f"| {size:,} | {statistics.median(joined):.3f} / {min(joined):.3f} "
            f"| {statistics.median(alone):.3f} / {min(alone):.3f} | {ratio:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
