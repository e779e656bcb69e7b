"""Polars: ``read_ndjson`` per file with an explicit schema, ``write_parquet(partition_by="date")``.

Closest honest equivalent: ``amount`` is read as String (Polars keeps a number's text) and cast with
``strict=False``; Polars' ``ignore_errors`` does not survive a syntax error, so a file it refuses is
checked line by line with ``json.loads`` (``_common.good_lines``) and the bad lines counted. ``items``
is exploded with its position.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from pathlib import Path
from typing import Any

from _common import DROP_EVENT_TYPE, MIN_AMOUNT, Clock, good_lines, input_files, parse_args, write_result


def main() -> int:
    clock = Clock()
    args = parse_args()
    os.environ["POLARS_MAX_THREADS"] = str(args.workers)
    import polars as pl

    schema: dict[str, Any] = {
        "event_id": pl.String,
        "event_type": pl.String,
        "ts": pl.String,
        "date": pl.String,
        "user": pl.Struct(
            {"id": pl.Int64, "country": pl.String, "age": pl.Int32, "address": pl.Struct({"city": pl.String})}
        ),
        "device": pl.Struct({"os": pl.String}),
        "items": pl.List(pl.Struct({"sku": pl.String, "qty": pl.Int64, "price": pl.Float64})),
        "amount": pl.String,
        "session_ms": pl.Int64,
        "campaign": pl.Struct({"name": pl.String}),
    }
    clock.setup_finished()

    def read(path: Path) -> tuple[pl.DataFrame, int]:
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        try:
            return pl.read_ndjson(io.BytesIO(data), schema=schema), 0
        except Exception:  # Polars raises ComputeError and others on a bad line
            good, bad = good_lines(data)
            return pl.read_ndjson(io.BytesIO(good), schema=schema), bad

    parts = [read(p) for p in input_files(args.input)]
    raw = pl.concat([p[0] for p in parts])
    kept = (
        raw.lazy()
        .with_columns(pl.col("amount").cast(pl.Int64, strict=False))
        .filter((pl.col("event_type") != DROP_EVENT_TYPE) & (pl.col("amount") > MIN_AMOUNT))
        .select(
            pl.col("event_id").alias("id"),
            "event_type",
            pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"),
            "date",
            pl.col("user").struct.field("id").alias("user_id"),
            pl.col("user").struct.field("country"),
            pl.col("user").struct.field("age"),
            pl.col("user").struct.field("address").struct.field("city"),
            pl.col("device").struct.field("os"),
            "amount",
            "session_ms",
            pl.col("campaign").struct.field("name").alias("campaign"),
            "items",
        )
        .collect()
    )
    kept.drop("items").write_parquet(args.output / "root", partition_by="date", compression="snappy")
    child = (
        kept.lazy()
        .select("id", "date", "items", pl.int_ranges(pl.col("items").list.len(), dtype=pl.Int32).alias("index"))
        .explode("items", "index")
        .drop_nulls("index")
        .unnest("items")
        .collect()
    )
    child.write_parquet(args.output / "items", partition_by="date", compression="snappy")
    write_result(args, clock, sum(p[1] for p in parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
