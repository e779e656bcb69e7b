"""examples/sensor_csv_cleanup: CSV readings typed, faulty ones dropped, bad rows kept as errors."""

from __future__ import annotations

import collections
import csv
import datetime as dt
from pathlib import Path

import pyarrow.dataset as ds

from tests.examples.conftest import EXAMPLES, Runner

DATA = EXAMPLES / "sensor_csv_cleanup" / "data"
MIN_C, MAX_C = -40.0, 85.0


def parse(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def test_valid_readings_per_site(example_runner: Runner, tmp_path: Path) -> None:
    good: list[dict[str, str]] = []
    malformed = 0
    for path in sorted(DATA.glob("*.csv")):
        header, *lines = path.read_text().splitlines()
        names = header.split(",")
        for line in lines:
            try:
                (fields,) = list(csv.reader([line], strict=True))
            except csv.Error:
                malformed += 1
                continue
            if len(fields) != len(names):
                malformed += 1
                continue
            good.append(dict(zip(names, fields, strict=True)))
    expected = [r for r in good if (t := parse(r["temperature_c"])) is not None and MIN_C <= t <= MAX_C]
    assert 0 < len(expected) < len(good)

    out = tmp_path / "out"
    run = example_runner("sensor_csv_cleanup", {"--input_path": str(DATA), "--output_path": str(out)})
    assert run.succeeded, run.error

    rows = ds.dataset(out, format="parquet", partitioning="hive").to_table().to_pylist()
    assert collections.Counter(str(r["site"]) for r in rows) == collections.Counter(r["site"] for r in expected)
    got = sorted((r["sensor_id"], r["reading_ts"], r["temperature_c"], r["humidity_pct"]) for r in rows)
    want = sorted(
        (
            r["sensor_id"],
            dt.datetime.strptime(r["reading_ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC),
            float(r["temperature_c"]),
            float(r["humidity_pct"]),
        )
        for r in expected
    )
    assert got == want
    assert not {"firmware", "debug"} & set(rows[0])

    assert run.metrics["records_read"] == len(good)
    assert run.metrics["error_records"] == malformed == 4
    assert run.metrics["records_written"] == len(expected)
