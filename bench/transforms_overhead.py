"""DynamicFrame overhead over hand-written pyarrow, per transform, on the same in-memory blocks.

The data (1M nested records in 16 blocks by default; the block count is pinned, whatever the
record count) is generated once and cached as Parquet under ``bench/.data/`` (git ignores it);
every run loads it into memory first, so no timing includes input I/O. Each transform then runs
through a DynamicFrame on the local executor and as the pyarrow code one would write by hand for
the same result; each is timed ``--reps`` times (``--slow-reps`` for the record-level Filter),
interleaved with the order swapped every repetition and a garbage collection before each timed
run. The table gives medians with their interquartile range, and the ratio of the medians.

    .venv/bin/python bench/transforms_overhead.py               # 1M records, 15 repetitions
    .venv/bin/python bench/transforms_overhead.py --records 200000 --reps 9 --threads 2

The ratio is DynamicFrame / pyarrow (goal: <= 1.3x for the columnar transforms). Filter with a
Python predicate is record-level by design (Glue's ``Filter`` takes a Python function), so it is
also compared with the same predicate run over ``to_pylist`` rows.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
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
BLOCKS = 16
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


def load_blocks(records: int, blocks: int = BLOCKS) -> list[pa.Table]:
    """The cached `blocks` blocks for `records` records, generating them on first use (seeded)."""
    folder = CACHE / f"transforms_overhead-{records}x{blocks}"
    if not folder.is_dir():
        staging = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        block_rows = math.ceil(records / blocks)
        for index, start in enumerate(range(0, records, block_rows)):
            block = make_block(index, start, min(block_rows, records - start))
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
    # A collection pending from the other side's garbage must not land in this run.
    gc.collect()
    start = time.perf_counter()
    rows = fn()
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the data set (default 1M)")
    parser.add_argument("--reps", type=int, default=15, help="timed repetitions per columnar series (default 15)")
    parser.add_argument("--slow-reps", type=int, default=3, help="timed repetitions of the Filter series (default 3)")
    parser.add_argument("--blocks", type=int, default=BLOCKS, help=f"blocks the data is cut into (default {BLOCKS})")
    parser.add_argument("--threads", type=int, default=1, help="local executor threads (default 1, like the baseline)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON result")
    args = parser.parse_args()

    started = time.perf_counter()
    if min(args.records, args.reps, args.slow_reps, args.blocks, args.threads) < 1:
        raise SystemExit("--records, --reps, --slow-reps, --blocks and --threads must be >= 1")
    blocks = load_blocks(args.records, args.blocks)
    print(
        f"data: {sum(b.num_rows for b in blocks):,} records in {len(blocks)} blocks "
        f"({sum(b.nbytes for b in blocks) / 2**20:.0f} MiB in memory), loaded in {time.perf_counter() - started:.1f}s"
    )

    scratch = Path(tempfile.mkdtemp(prefix="glueworks-bench-"))
    try:
        results = run_series(blocks, args.reps, args.slow_reps, args.threads, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    header = (
        f"{'transform':<34} {'n':>3} {'pyarrow ms (IQR)':>19} {'DynamicFrame ms (IQR)':>22} "
        f"{'ratio':>7} {'paired IQR':>12} {'extra ms':>9}"
    )
    print()
    print(
        f"medians of n runs, {len(blocks)} blocks; local executor with {args.threads} thread(s); "
        "ratio = DynamicFrame / pyarrow (of the medians); paired IQR = quartiles of the per-repetition ratios"
    )
    print(header)
    print("-" * len(header))
    for row in results:
        extra = (row["dynamicframe_s"] - row["pyarrow_s"]) * 1000
        base = f"{row['pyarrow_s'] * 1000:.1f} ({row['pyarrow_iqr_s'] * 1000:.1f})"
        cand = f"{row['dynamicframe_s'] * 1000:.1f} ({row['dynamicframe_iqr_s'] * 1000:.1f})"
        paired = f"{row['paired_ratio_q1']:.2f}-{row['paired_ratio_q3']:.2f}"
        print(
            f"{row['transform']:<34} {row['reps']:>3} {base:>19} {cand:>22} "
            f"{row['ratio']:>6.2f}x {paired:>12} {extra:>9.1f}"
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


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """First quartile, median and third quartile (inclusive method: fine for a handful of values)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def run_series(blocks: list[pa.Table], reps: int, slow_reps: int, threads: int, scratch: Path) -> list[dict[str, Any]]:
    """Time every series, interleaving DynamicFrame and pyarrow runs (order swapped each time)."""
    executor = LocalExecutor(threads)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone(max_parallelism=threads))
    try:
        return _run_series(blocks, glue, reps, slow_reps, scratch)
    finally:
        # getattr: the same script also measures revisions from before the executor had close().
        close = getattr(executor, "close", None)
        if close is not None:
            close()


def _run_series(
    blocks: list[pa.Table], glue: GlueContext, reps: int, slow_reps: int, scratch: Path
) -> list[dict[str, Any]]:
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
        runs = reps if columnar else slow_reps
        for rep in range(runs):
            if rep % 2:
                cand_times.append(timed(candidate)[0])
                base_times.append(timed(baseline)[0])
            else:
                base_times.append(timed(baseline)[0])
                cand_times.append(timed(candidate)[0])
        base_q1, base, base_q3 = quartiles(base_times)
        cand_q1, cand, cand_q3 = quartiles(cand_times)
        paired_q1, paired, paired_q3 = quartiles([c / b for b, c in zip(base_times, cand_times, strict=True)])
        results.append(
            {
                "transform": name,
                "columnar": columnar,
                "rows": got_rows,
                "reps": runs,
                "pyarrow_s": base,
                "pyarrow_iqr_s": base_q3 - base_q1,
                "dynamicframe_s": cand,
                "dynamicframe_iqr_s": cand_q3 - cand_q1,
                "ratio": cand / base,
                "paired_ratio_median": paired,
                "paired_ratio_q1": paired_q1,
                "paired_ratio_q3": paired_q3,
                "pyarrow_samples": base_times,
                "dynamicframe_samples": cand_times,
            }
        )
        print(f"  {name}: pyarrow {base:.4f}s, DynamicFrame {cand:.4f}s", flush=True)
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
