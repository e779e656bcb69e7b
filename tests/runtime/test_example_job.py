"""The bundled demo job runs through run_script; its output matches counts computed from the data."""

from __future__ import annotations

import collections
import decimal
import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from glueworks.runtime import JobRunContext, activate, run_script, uninstall_awsglue_modules

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "etl_events"


def expected_from_files() -> dict[str, Any]:
    """Recompute what the job should do, straight from the input files, without the runtime."""
    good: list[dict[str, Any]] = []
    malformed: list[tuple[str, int]] = []
    for path in sorted((EXAMPLE / "data").glob("*.json")):
        for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                record = None
            if isinstance(record, dict):
                good.append(record)
            else:
                malformed.append((str(path), number))
    kept = [
        r
        for r in good
        if r["event_type"] != "logout" and decimal.Decimal(str(r["amount"])).quantize(decimal.Decimal("0.01")) > 1
    ]

    def session(value: object) -> int | None:
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, str) and value.isdigit() else None

    return {
        "read": len(good),
        "malformed": malformed,
        "per_day": collections.Counter(r["dt"] for r in kept),
        "session": {r["event_id"]: session(r["session_ms"]) for r in kept},
        "user": {r["event_id"]: r["user"]["id"] for r in kept},
        "files": len({(r["dt"], path) for path in (EXAMPLE / "data").glob("*.json") for r in kept}),
    }


def test_demo_job_counts_match_the_data(tmp_path: Path) -> None:
    expected = expected_from_files()
    out = tmp_path / "out"
    errors = tmp_path / "errors" / "jr_demo.jsonl"
    ctx = JobRunContext("jr_demo", "etl_events", 1, "local", 2, str(errors))
    argv = ["--JOB_NAME", "etl_events", "--input_path", str(EXAMPLE / "data"), "--output_path", str(out)]
    try:
        with activate(ctx):
            run_script(str(EXAMPLE / "job.py"), argv)
    finally:
        uninstall_awsglue_modules()
    metrics = ctx.finish()

    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    rows = table.to_pylist()
    assert collections.Counter(str(r["dt"]) for r in rows) == expected["per_day"]
    assert {r["id"]: r["session_ms"] for r in rows} == expected["session"]
    assert {r["id"]: r["user_id"] for r in rows} == expected["user"]
    assert table.schema.names == ["id", "event_type", "ts", "user_id", "country", "city", "amount", "session_ms", "dt"]
    assert all(r["event_type"] != "logout" and r["amount"] > 1 for r in rows)
    assert any(r["session_ms"] is None for r in rows)  # "n/a" strings cast to null

    parquet_files = sorted(out.rglob("*.parquet"))
    assert metrics["records_read"] == expected["read"]
    assert metrics["error_records"] == len(expected["malformed"])
    assert metrics["records_written"] == sum(expected["per_day"].values()) == len(rows)
    assert metrics["files_written"] == len(parquet_files)
    assert metrics["output_locations"] == [str(out)]
    assert metrics["error_records_location"] == str(errors)

    written = [json.loads(line) for line in errors.read_text().splitlines()]
    assert sorted((e["file"], e["line"]) for e in written) == sorted(expected["malformed"])
    assert all(e["reason"] and e["raw"] for e in written)
