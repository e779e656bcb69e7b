"""Soak: SIGKILL a Ray worker mid-run, many times, and check the committed output every time.

Each round writes a fresh input (JSON lines), runs read → [join] → filter → [repartition | relationalize] →
partitioned Parquet write on the Ray executor inside a deferred-commit run context, and kills the worker
process running one task of it: the task's record-level filter writes its pid to a marker file
and waits, and this script sends SIGKILL to that pid. Ray reruns the task (the marker is there,
so the rerun does not wait). The committed rows must equal the input rows exactly, compared as
a multiset (none lost, none duplicated), and no staging file may be left. Rounds take turns at
the fused read → write path, a path through a shuffle (repartition), a join written by the
writer tasks that join its buckets (the victim is then one of those writers), and relationalize
(the victim is a task that reads, pivots and stages a part; the child table's rows, joined back to
their parents by key, must equal the input's array elements too).

    .venv/bin/python bench/soak_worker_kills.py               # 50 kills
    .venv/bin/python bench/soak_worker_kills.py --kills 200 --files 8 --per-file 2000

Prints one line per round and a summary; exits 1 if any round lost or duplicated a row, or if a
victim never started or was never killed while it waited. Ray is started in this process
(``num_cpus=2``) and shut down at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def make_input(root: Path, files: int, per_file: int) -> Counter[tuple[Any, ...]]:
    root.mkdir(parents=True)
    expected: Counter[tuple[Any, ...]] = Counter()
    for f in range(files):
        lines = []
        for i in range(per_file):
            record = {"id": f * per_file + i, "day": f"d{i % 5}", "v": i * 0.25, "xs": list(range(i % 4))}
            lines.append(json.dumps(record))
            expected[(record["id"], record["day"], record["v"])] += 1
        (root / f"part-{f:03d}.json").write_text("\n".join(lines) + "\n")
    return expected


def pause_once(marker: str, victim_id: int) -> Callable[[dict[str, Any]], bool]:
    def predicate(record: dict[str, Any]) -> bool:
        if record["id"] == victim_id and not os.path.exists(marker):
            with open(marker + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.rename(marker + ".tmp", marker)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.05)
            # Still alive: nobody killed this task, so the round proves nothing (its check says so).
            with open(marker + ".unkilled", "w") as handle:
                handle.write(str(os.getpid()))
        return True

    return predicate


def killer(marker: Path, killed: list[int]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if marker.exists():
            pid = int(marker.read_text())
            if pid != os.getpid():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            return
        time.sleep(0.02)


def committed(out: Path) -> tuple[Counter[tuple[Any, ...]], int, int]:
    rows: Counter[tuple[Any, ...]] = Counter()
    files = staged = 0
    for path in out.rglob("*"):
        if "_glueworks_staging" in str(path) and path.is_file():
            staged += 1
        if path.suffix != ".parquet" or "_glueworks" in str(path):
            continue
        files += 1
        day = path.parent.name.split("=", 1)[1]
        for row in pq.read_table(path).to_pylist():
            rows[(row["id"], day, row["v"])] += 1
    return rows, files, staged


def child_rows(out: Path, xs: Path) -> Counter[tuple[Any, ...]]:
    """The child table's rows as (parent record id, index, value), through the root table's keys."""
    parents = {}
    for path in out.rglob("*.parquet"):
        if "_glueworks" not in str(path):
            for row in pq.read_table(path, columns=["id", "xs"]).to_pylist():
                parents[row["xs"]] = row["id"]
    rows: Counter[tuple[Any, ...]] = Counter()
    for path in xs.rglob("*.parquet"):
        if "_glueworks" not in str(path):
            for row in pq.read_table(path).to_pylist():
                rows[(parents.get(row["id"]), row["index"], row["xs.val"])] += 1
    return rows


def one_round(work: Path, index: int, shape: str, files: int, per_file: int, rng: random.Random) -> dict[str, Any]:
    from glueworks.runtime import GlueContext, JobRunContext, RayExecutor

    root = work / f"round-{index:04d}"
    expected = make_input(root / "in", files, per_file)
    victim = rng.randrange(files * per_file)
    marker = root / "victim.pid"
    ctx = JobRunContext(f"jr_soak{index}", "soak", 0, "ray", 2, None, defer_commit=True)
    glue = GlueContext(executor=RayExecutor(2), run_context=ctx)
    frame = glue.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [str(root / "in")]}, format="json"
    )
    if shape == "join":
        # Every day has a label, so the join keeps every row; the filter after it runs in the writers,
        # which join the buckets: the victim is a join-writer task.
        labels = root / "labels" / "days.json"
        labels.parent.mkdir()
        labels.write_text("".join(json.dumps({"key": f"d{d}", "label": f"day {d}"}) + "\n" for d in range(5)))
        days = glue.create_dynamic_frame.from_options(
            connection_type="s3", connection_options={"paths": [str(labels.parent)]}, format="json"
        )
        frame = frame.join("day", "key", days).drop_fields(["key"])
    # The killer runs before anything executes: relationalize runs its split tasks when called.
    killed: list[int] = []
    thread = threading.Thread(target=killer, args=(marker, killed), daemon=True)
    thread.start()
    started = time.monotonic()
    frame = frame.filter(pause_once(str(marker), victim))
    if shape == "shuffle":
        frame = frame.repartition(3)
    child = None
    children: Counter[tuple[Any, ...]] = Counter()
    if shape == "relationalize":
        tables = frame.relationalize("root", str(root / "staging"))
        frame, child = tables.select("root"), tables.select("root_xs")
    glue.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": str(root / "out"), "partitionKeys": ["day"]},
        format="parquet",
    )
    if child is not None:
        glue.write_dynamic_frame.from_options(
            frame=child, connection_type="s3", connection_options={"path": str(root / "xs")}, format="parquet"
        )
    ctx.finish()
    wall = time.monotonic() - started
    thread.join(timeout=5)
    unkilled = (root / "victim.pid.unkilled").exists()
    rows, file_count, staged = committed(root / "out")
    if child is not None:
        # Every element of every input array, as (record id, index, value), through the join keys.
        elements = Counter((i, n, n) for i, *_ in expected.elements() for n in range(i % per_file % 4))
        children = child_rows(root / "out", root / "xs")
        rows, expected = rows + children, expected + elements
        staged += sum(1 for path in (root / "staging").rglob("*") if path.is_file())
    lost = sum((expected - rows).values())
    duplicated = sum((rows - expected).values())
    shutil.rmtree(root, ignore_errors=True)
    return {
        "round": index,
        "shape": shape,
        "killed": bool(killed) and not unkilled,
        "lost": lost,
        "duplicated": duplicated,
        "staged_left": staged,
        "files": file_count,
        "child_rows": sum(children.values()),
        "wall_s": round(wall, 2),
        "ok": bool(killed) and not unkilled and lost == 0 and duplicated == 0 and staged == 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="rounds, one worker kill each (default 50)")
    parser.add_argument("--files", type=int, default=6, help="input files per round (default 6)")
    parser.add_argument("--per-file", type=int, default=500, help="records per input file (default 500)")
    parser.add_argument("--seed", type=int, default=5, help="seed of the victim choice")
    args = parser.parse_args(argv)

    import ray

    if not ray.is_initialized():
        from glueworks.runtime.executors.local_ray import start_local_ray

        start_local_ray(2)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="glueworks-soak-"))
    results = []
    try:
        for index in range(args.kills):
            shape = ("fused", "shuffle", "join", "relationalize")[index % 4]
            result = one_round(work, index, shape, args.files, args.per_file, rng)
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        ray.shutdown()
    failed = [r for r in results if not r["ok"]]
    walls = [r["wall_s"] for r in results]
    print(
        f"\nsummary: {len(results)} rounds, {sum(r['killed'] for r in results)} workers killed, "
        f"{sum(r['lost'] for r in results)} rows lost, {sum(r['duplicated'] for r in results)} duplicated, "
        f"{sum(r['staged_left'] for r in results)} staged files left, {len(failed)} failed rounds; "
        f"wall per round median {statistics.median(walls):.2f} s, max {max(walls):.2f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
