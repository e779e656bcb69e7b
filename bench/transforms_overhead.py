"""DynamicFrame overhead over hand-written pyarrow, per transform, on the same in-memory blocks.

The data (about 1M nested records in 64K-row blocks) is generated once and cached as Parquet
under ``bench/.data/`` (git ignores it); every run loads it into memory first, so no timing
includes input I/O. Each transform then runs through a DynamicFrame on the local executor and
as the pyarrow code one would write by hand for the same result; each is timed ``--reps``
times, interleaved, and the medians are compared.

    .venv/bin/python bench/transforms_overhead.py               # 1M records, 5 repetitions
    .venv/bin/python bench/transforms_overhead.py --records 200000 --reps 3

The ratio is DynamicFrame / pyarrow (goal: <= 1.3x for the columnar transforms). Filter with a
Python predicate is record-level by design (Glue's ``Filter`` takes a Python function), so it is
also compared with the same predicate run over ``to_pylist`` rows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from glueworks.runtime import DynamicFrame, GlueContext, JobRunContext, LocalExecutor
from glueworks.runtime.plan import FromTables

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".data"
RESULTS = HERE / "results"
BLOCK_ROWS = 65_536
COUNTRIES = pa.array(["DE", "FR", "JP", "US", "BR", "IN", "NG", "CA"])


def _uniform(rows: int, seed: int) -> pa.Array:
    return pc.random(rows, initializer=seed)


def _integers(rows: int, low: int, high: int, seed: int) -> pa.Array:
    """Seeded integers in [low, high)."""
    scaled = pc.add(pc.floor(pc.multiply(_uniform(rows, seed), high - low)), low)
    return pc.cast(scaled, pa.int64())


def make_block(index: int, start: int, rows: int) -> pa.Table:
    """One block: ids, a nested user struct, a score, and an amount that is a double in most
    blocks and a numeric string in every fourth (so the frame schema has a Choice)."""
    seed = 20261125 + index * 10
    user = pa.StructArray.from_arrays(
        [
            _integers(rows, 1, 5_000_000, seed),
            pc.take(COUNTRIES, _integers(rows, 0, len(COUNTRIES), seed + 1)),
            pc.cast(_integers(rows, 18, 90, seed + 2), pa.int32()),
        ],
        names=["id", "country", "age"],
    )
    amount = pc.divide(pc.cast(_integers(rows, 1, 1_000_000, seed + 3), pa.float64()), 100.0)
    if index % 4 == 3:
        amount = pc.cast(amount, pa.string())
    note = pc.if_else(pc.less(_uniform(rows, seed + 4), 0.5), "ok", "check")
    return pa.table(
        {
            "id": pa.array(range(start, start + rows), pa.int64()),
            "user": user,
            "amount": amount,
            "score": _uniform(rows, seed + 5),
            "note": note,
        }
    )


def load_blocks(records: int) -> list[pa.Table]:
    """The cached blocks for `records` records, generating them on first use (seeded)."""
    folder = CACHE / f"transforms_overhead-{records}"
    if not folder.is_dir():
        staging = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for index, start in enumerate(range(0, records, BLOCK_ROWS)):
            block = make_block(index, start, min(BLOCK_ROWS, records - start))
            pq.write_table(block, staging / f"block-{index:04d}.parquet")
        staging.rename(folder)
    return [pq.read_table(path) for path in sorted(folder.glob("block-*.parquet"))]


# --- the same work, hand-written in pyarrow ------------------------------------------------------


def arrow_apply_mapping(blocks: list[pa.Table]) -> int:
    rows = 0
    for block in blocks:
        user = block.column("user")
        out = pa.table(
            {
                "id": block.column("id"),
                "user_id": pc.struct_field(user, "id"),
                "country": pc.struct_field(user, "country"),
                "amount": pc.cast(block.column("amount"), pa.float64()),
                "score": block.column("score"),
            }
        )
        rows += out.num_rows
    return rows


def arrow_resolve_choice(blocks: list[pa.Table]) -> int:
    rows = 0
    for block in blocks:
        amount = pc.cast(block.column("amount"), pa.float64())
        rows += block.set_column(block.schema.get_field_index("amount"), "amount", amount).num_rows
    return rows


def arrow_filter(blocks: list[pa.Table]) -> int:
    return sum(block.filter(pc.greater(block.column("score"), 0.5)).num_rows for block in blocks)


def python_filter(blocks: list[pa.Table]) -> int:
    rows = 0
    for block in blocks:
        mask = [record["score"] > 0.5 for record in block.to_pylist()]
        rows += block.filter(pa.array(mask, pa.bool_())).num_rows
    return rows


def arrow_write(blocks: list[pa.Table], out: Path) -> int:
    out.mkdir(parents=True)
    for index, block in enumerate(blocks):
        pq.write_table(block, out / f"part-{index:05d}.parquet", compression="snappy")
    return sum(block.num_rows for block in blocks)


# --- the same work through DynamicFrame ---------------------------------------------------------


def frame_of(blocks: list[pa.Table], glue: GlueContext) -> DynamicFrame:
    return DynamicFrame(FromTables("bench", tuple(blocks)), glue, "bench")


def df_apply_mapping(frame: DynamicFrame) -> int:
    mapped = frame.apply_mapping(
        [
            ("id", "long", "id", "long"),
            ("user.id", "long", "user_id", "long"),
            ("user.country", "string", "country", "string"),
            ("amount", "double", "amount", "double"),
            ("score", "double", "score", "double"),
        ]
    )
    return mapped.count()


def df_resolve_choice(frame: DynamicFrame) -> int:
    return frame.resolveChoice(specs=[("amount", "cast:double")]).count()


def df_filter(frame: DynamicFrame) -> int:
    return frame.filter(lambda record: record["score"] > 0.5).count()


def df_write(frame: DynamicFrame, glue: GlueContext, out: Path) -> int:
    glue.write_dynamic_frame.from_options(
        frame=frame, connection_type="s3", connection_options={"path": str(out)}, format="parquet"
    )
    return int(glue.run_context.metrics.records_written)


def timed(fn: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    rows = fn()
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the data set (default 1M)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions per series (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="local executor threads (default 1, like the baseline)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON result")
    args = parser.parse_args()

    started = time.perf_counter()
    blocks = load_blocks(args.records)
    print(
        f"data: {sum(b.num_rows for b in blocks):,} records in {len(blocks)} blocks "
        f"({sum(b.nbytes for b in blocks) / 2**20:.0f} MiB in memory), loaded in {time.perf_counter() - started:.1f}s"
    )

    scratch = Path(tempfile.mkdtemp(prefix="glueworks-bench-"))
    try:
        results = run_series(blocks, args.reps, args.threads, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    header = f"{'transform':<34} {'pyarrow s':>10} {'DynamicFrame s':>15} {'ratio':>7} {'extra ms':>9}"
    print()
    print(f"medians of {args.reps} runs; local executor with {args.threads} thread(s); ratio = DynamicFrame / pyarrow")
    print(header)
    print("-" * len(header))
    for row in results:
        extra = (row["dynamicframe_s"] - row["pyarrow_s"]) * 1000
        print(
            f"{row['transform']:<34} {row['pyarrow_s']:>10.3f} {row['dynamicframe_s']:>15.3f} "
            f"{row['ratio']:>6.2f}x {extra:>9.1f}"
        )
    columnar = [r for r in results if r["columnar"]]
    print()
    for row in columnar:
        verdict = "ok" if row["ratio"] <= 1.3 else "over"
        print(f"goal <= 1.3x  {row['transform']:<30} {row['ratio']:.2f}x  {verdict}")

    out_path = args.json or RESULTS / f"transforms_overhead-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(
        json.dumps({"config": vars(args) | {"json": str(out_path)}, "env": environment(), "results": results}, indent=2)
    )
    print(f"\nresult: {out_path}")


def run_series(blocks: list[pa.Table], reps: int, threads: int, scratch: Path) -> list[dict[str, Any]]:
    """Time every series `reps` times, interleaving DynamicFrame and pyarrow runs."""
    glue = GlueContext(executor=LocalExecutor(threads), run_context=JobRunContext.standalone(max_parallelism=threads))
    frame = frame_of(blocks, glue)
    counter = iter(range(1_000_000))

    def write_df() -> int:
        before = glue.run_context.metrics.records_written
        return df_write(frame, glue, scratch / f"df-{next(counter)}") - before

    series: list[tuple[str, bool, Callable[[], int], Callable[[], int]]] = [
        (
            "ApplyMapping (rename, nested, cast)",
            True,
            lambda: arrow_apply_mapping(blocks),
            lambda: df_apply_mapping(frame),
        ),
        ("ResolveChoice cast:double", True, lambda: arrow_resolve_choice(blocks), lambda: df_resolve_choice(frame)),
        ("Parquet write (snappy)", True, lambda: arrow_write(blocks, scratch / f"pa-{next(counter)}"), write_df),
        ("Filter (vs pyarrow compute)", False, lambda: arrow_filter(blocks), lambda: df_filter(frame)),
        ("Filter (vs to_pylist + predicate)", False, lambda: python_filter(blocks), lambda: df_filter(frame)),
    ]
    results = []
    for name, columnar, baseline, candidate in series:
        # One untimed warm-up of each side, then interleaved timed runs.
        expected_rows, got_rows = baseline(), candidate()
        if expected_rows != got_rows:
            raise SystemExit(f"{name}: pyarrow gave {expected_rows} rows, DynamicFrame {got_rows}")
        base_times, cand_times = [], []
        for _ in range(reps):
            base_times.append(timed(baseline)[0])
            cand_times.append(timed(candidate)[0])
        base, cand = statistics.median(base_times), statistics.median(cand_times)
        results.append(
            {
                "transform": name,
                "columnar": columnar,
                "rows": got_rows,
                "pyarrow_s": base,
                "dynamicframe_s": cand,
                "ratio": cand / base,
                "pyarrow_samples": base_times,
                "dynamicframe_samples": cand_times,
            }
        )
        print(f"  {name}: pyarrow {base:.3f}s, DynamicFrame {cand:.3f}s", flush=True)
    return results


def environment() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {"python": sys.version.split()[0], "pyarrow": pa.__version__, "cpus": os.cpu_count(), "commit": commit}


if __name__ == "__main__":
    main()
