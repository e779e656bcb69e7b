"""Where a Ray run of the lake pipeline spends its workers' time: inside tasks, between them, at round ends.

    .venv/bin/python bench/ray_rounds.py [--events 1000000] [--workers 1,2] [--reps 3] [--runs 1] [--pair]
                                         [--json PATH]

Each repetition runs the lake pipeline (``bench/lake/glue_job.py``) in a fresh process on a fresh local Ray
with ``--workers`` CPUs and one primed task worker per CPU, as the harness's ``glueworks-ray`` engines do, and
then reads Ray's timeline. A *round* is a set of tasks the driver runs to the end before it submits the next
(read and stage, each write, ...): a new round starts when a task of another name starts after every
earlier task ended. Each worker's idle time is split by where it falls:

* ``start``: before its first task (the script's start, listing, planning);
* ``hand-offs``: between two tasks of one round (a task reports back, the next is sent);
* ``round ends``: from its last task of a round to its first of the next (waiting for the other workers'
  last tasks, then for the driver);
* ``finish``: after its last task (the commit).

It also reports the CPU seconds of the task workers (and how much of it the kernel spent for them: on this box
mostly page faults, zeroing fresh memory), the machine's transparent huge-page faults during the run, and the
CPU seconds of every other process of the run (the driver, Ray's daemons), which on a full box run on the
workers' cores.

``--runs N`` runs the pipeline N times in each process, one after another on the same Ray: the first run is on
fresh workers, as the harness measures, the later ones on warm workers that have run it before. Both get a
table and a speed-up; the gap between them is what a worker's first run costs.

``--pair`` adds the box's own answer for this work: the same pipeline on the local executor with one thread,
in two processes each given half of the files, timed alone and then both at once. Its pair / alone is what
two independent processes lose to each other; a 2-worker Ray run loses that plus its idle time and the
other processes' CPU.

Nothing here is asserted; the figures are for reading, next to ``bench/lake/run.py``'s speed-up.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# generate.py, measure.py and the glueworks engine (bench/lake is not a package)
sys.path[:0] = [str(HERE / "lake"), str(HERE / "lake" / "engines")]
IDLE_KINDS = ("start", "hand-offs", "round ends", "finish")


@dataclass(frozen=True)
class Task:
    """One task in the timeline: seconds from the work's start, the worker process that ran it, its name."""

    start: float
    end: float
    worker: str
    name: str = ""


@dataclass
class Breakdown:
    """How the workers spent one run's work time (seconds)."""

    work_s: float
    busy_s: float
    rounds: int
    idle_s: dict[str, float] = field(default_factory=dict)  # per kind, summed over workers
    # Per round: its task name, tasks, span from first start to last end, the workers' idle seconds within
    # the span (summed; at a round's end this is the wait for the slowest last task) and the gap after it.
    per_round: list[dict[str, Any]] = field(default_factory=list)
    worker_cpu_s: float = 0.0
    worker_system_s: float = 0.0  # of worker_cpu_s: in the kernel (most of it page faults)
    huge_page_faults: int = 0  # the whole machine's, during the run
    other_cpu_s: float = 0.0


def round_of_each(tasks: Sequence[Task]) -> list[int]:
    """The round of each task (in `tasks` order).

    A round begins with a task that starts after every earlier task ended and is named otherwise than the
    task before it: a driver submits a round's tasks under one name, and with one worker every task starts
    after the previous one ended. (So two rounds of one name in a row count as one.)
    """
    order = sorted(range(len(tasks)), key=lambda i: tasks[i].start)
    rounds = [0] * len(tasks)
    current, latest_end, previous = -1, float("-inf"), None
    for i in order:
        if tasks[i].start >= latest_end and tasks[i].name != previous:
            current += 1
        previous = tasks[i].name
        rounds[i] = current
        latest_end = max(latest_end, tasks[i].end)
    return rounds


def breakdown(tasks: Sequence[Task], work_s: float, workers: Sequence[str]) -> Breakdown:
    """Busy and idle seconds of `workers` over ``[0, work_s]`` (a worker that ran no task idles throughout)."""
    rounds = round_of_each(tasks)
    idle = dict.fromkeys(IDLE_KINDS, 0.0)
    for worker in workers:
        mine = sorted((t.start, t.end, r) for t, r in zip(tasks, rounds, strict=True) if t.worker == worker)
        if not mine:
            idle["start"] += work_s
            continue
        idle["start"] += mine[0][0]
        for (_, end, round_a), (start, _, round_b) in itertools.pairwise(mine):
            idle["hand-offs" if round_a == round_b else "round ends"] += max(0.0, start - end)
        idle["finish"] += max(0.0, work_s - mine[-1][1])
    busy = sum(t.end - t.start for t in tasks)
    count = max(rounds, default=-1) + 1
    per_round = []
    for r in range(count):
        members = [t for t, of in zip(tasks, rounds, strict=True) if of == r]
        start, end = min(t.start for t in members), max(t.end for t in members)
        following = [t.start for t, of in zip(tasks, rounds, strict=True) if of == r + 1]
        per_round.append(
            {
                "name": members[0].name.removeprefix("task::"),
                "tasks": len(members),
                "span_s": end - start,
                "idle_in_span_s": len(workers) * (end - start) - sum(t.end - t.start for t in members),
                "gap_after_s": (min(following) if following else work_s) - end,
            }
        )
    return Breakdown(work_s=work_s, busy_s=busy, rounds=count, idle_s=idle, per_round=per_round)


# --- one run (a child process) -----------------------------------------------------------------


def _work_seconds(dataset: Path, output: Path, executor: str, workers: int) -> float:
    """Run the lake script once, as the harness's glueworks engines do; its work seconds (script and commit)."""
    from glueworks_engine import run_pipeline  # type: ignore[import-not-found]

    import glueworks.runtime  # noqa: F401  # imported before the clock starts, as the harness's engines do

    started = time.perf_counter()
    run_pipeline(dataset, output, executor, workers)
    return time.perf_counter() - started


def worker_times(pids: Sequence[int]) -> tuple[float, float]:
    """(user, system) CPU seconds so far of the live processes `pids`."""
    from measure import CLOCK_TICKS, own_times  # type: ignore[import-not-found]

    times = [t for t in map(own_times, pids) if t is not None]
    return sum(user for user, _ in times) / CLOCK_TICKS, sum(system for _, system in times) / CLOCK_TICKS


def huge_page_faults() -> int:
    """Transparent huge pages the kernel has allocated on faults since boot (each one zeroes 2 MiB)."""
    with open("/proc/vmstat") as handle:
        for line in handle:
            if line.startswith("thp_fault_alloc "):
                return int(line.split()[1])
    return 0


def child(dataset: Path, output: Path, executor: str, workers: int, runs: int = 1) -> list[dict[str, Any]]:
    """`runs` runs one after another in this (fresh) process: on Ray, each with the timeline breakdown (the
    first on fresh workers, the others on the same, warm ones); locally, the work time alone."""
    if executor == "local":
        return [{"work_s": _work_seconds(dataset, output / f"run-{run}", "local", workers)} for run in range(runs)]
    import ray
    from glueworks_engine import start_ray  # type: ignore[import-not-found]
    from measure import CLOCK_TICKS, descendants, process_table  # type: ignore[import-not-found]

    worker_pids = start_ray(workers)
    measured = []
    for run in range(runs):
        before, times_before, huge_before = process_table(), worker_times(worker_pids), huge_page_faults()
        wall_start = time.time()
        work_s = _work_seconds(dataset, output / f"run-{run}", "ray", workers)
        after, times_after, huge_after = process_table(), worker_times(worker_pids), huge_page_faults()
        # This process (the driver) and every process it started: Ray's daemons and workers.
        tree = [os.getpid(), *descendants(os.getpid(), after)]
        used = {pid: (after[pid][1] - (before[pid][1] if pid in before else 0)) / CLOCK_TICKS for pid in tree}
        worker_s = (sum(times_after) - sum(times_before), times_after[1] - times_before[1])
        measured.append((wall_start, work_s, used, worker_s, huge_after - huge_before))
    time.sleep(1.5)  # task events reach the GCS about once a second
    events = [e for e in ray.timeline() if e.get("ph") == "X" and str(e.get("cat", "")).startswith("task::")]
    ray.shutdown()
    results = []
    for wall_start, work_s, used, (worker_s, system_s), huge_faults in measured:
        tasks = [
            Task(e["ts"] / 1e6 - wall_start, (e["ts"] + e["dur"]) / 1e6 - wall_start, str(e["tid"]), str(e["cat"]))
            for e in events
            if wall_start <= e["ts"] / 1e6 <= wall_start + work_s
        ]
        names = sorted({t.worker for t in tasks})
        result = breakdown(tasks, work_s, names + [f"unused-{i}" for i in range(workers - len(names))])
        result.worker_cpu_s = worker_s
        result.worker_system_s = system_s
        result.huge_page_faults = huge_faults
        result.other_cpu_s = sum(cpu for pid, cpu in used.items() if pid not in worker_pids)
        results.append(asdict(result))
    return results


def _spawn(dataset: Path, executor: str, workers: int, scratch: Path, runs: int = 1) -> subprocess.Popen[str]:
    output = scratch / f"out-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", executor, "--workers", str(workers)]
    argv += ["--input", str(dataset), "--output", str(output), "--runs", str(runs)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _results(proc: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """The child's runs, in order."""
    out, _ = proc.communicate(timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"a run failed (exit {proc.returncode})")
    return list(json.loads(out.strip().splitlines()[-1]))


def _result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    return _results(proc)[0]


# --- the parent ----------------------------------------------------------------------------------


def halves(files: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """`files` in two sets of about equal bytes (largest first, each to the smaller set)."""
    a: list[Path] = []
    b: list[Path] = []
    size_a = size_b = 0
    for path in sorted(files, key=lambda p: (-p.stat().st_size, p.name)):
        if size_a <= size_b:
            a.append(path)
            size_a += path.stat().st_size
        else:
            b.append(path)
            size_b += path.stat().st_size
    return a, b


def pair_test(dataset: Path, scratch: Path, reps: int) -> dict[str, float]:
    """The pipeline in two halves on the local executor (one thread each): alone, then both at once."""
    parts = []
    for name, files in zip("ab", halves(sorted(p for p in dataset.iterdir() if p.is_file())), strict=True):
        folder = scratch / f"half-{name}"
        folder.mkdir()
        for path in files:
            (folder / path.name).symlink_to(path)
        parts.append(folder)
    alone: list[float] = []
    pair: list[float] = []
    for rep in range(reps):
        for part in parts:
            alone.append(_result(_spawn(part, "local", 1, scratch))["work_s"])
        procs = [_spawn(part, "local", 1, scratch) for part in parts]
        pair += [_result(proc)["work_s"] for proc in procs]
        print(f"  halves, round {rep + 1}/{reps}: alone {alone[-2]:.2f} and {alone[-1]:.2f} s, together", end=" ")
        print(f"{pair[-2]:.2f} and {pair[-1]:.2f} s")
    return {
        "alone_s": statistics.median(alone),
        "pair_s": statistics.median(pair),
        "pair_over_alone": statistics.median(p / a for p, a in zip(pair, alone, strict=True)),
    }


def _median(rows: Sequence[dict[str, Any]], key: str) -> float:
    return float(statistics.median(row[key] for row in rows))


def table(runs: dict[int, list[dict[str, Any]]]) -> str:
    """Medians per worker count as a Markdown table."""
    lines = [
        "| workers | work s | busy s (all workers) | rounds | idle s per worker: "
        + " / ".join(IDLE_KINDS)
        + " | worker CPU s | of it in the kernel | huge-page faults | other processes' CPU s |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for workers, results in sorted(runs.items()):
        if not results:
            continue
        idle = " / ".join(f"{statistics.median(r['idle_s'][k] for r in results) / workers:.3f}" for k in IDLE_KINDS)
        lines.append(
            f"| {workers} | {_median(results, 'work_s'):.2f} | {_median(results, 'busy_s'):.2f} "
            f"| {_median(results, 'rounds'):.0f} | {idle} "
            f"| {_median(results, 'worker_cpu_s'):.2f} | {_median(results, 'worker_system_s'):.2f} "
            f"| {_median(results, 'huge_page_faults'):.0f} | {_median(results, 'other_cpu_s'):.2f} |"
        )
    return "\n".join(lines)


def rounds_table(runs: dict[int, list[dict[str, Any]]]) -> str:
    """Per worker count and round (medians over the runs that have it) as a Markdown table."""
    lines = [
        "| workers | round | tasks | span s | idle in span s (all workers) | gap after s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for workers, results in sorted(runs.items()):
        for index in range(max((len(r["per_round"]) for r in results), default=0)):
            rows = [r["per_round"][index] for r in results if len(r["per_round"]) > index]
            lines.append(
                f"| {workers} | {rows[0]['name']} | {_median(rows, 'tasks'):.0f} | {_median(rows, 'span_s'):.3f} "
                f"| {_median(rows, 'idle_in_span_s'):.3f} | {_median(rows, 'gap_after_s'):.3f} |"
            )
    return "\n".join(lines)


def speed_up(runs: dict[int, list[dict[str, Any]]]) -> float | None:
    """Work of 1 worker over work of 2, the median over the runs taken in the same order (None without both)."""
    if not runs.get(1) or not runs.get(2):
        return None
    return float(statistics.median(a["work_s"] / b["work_s"] for a, b in zip(runs[1], runs[2], strict=True)))


def print_speed_up(runs: dict[int, list[dict[str, Any]]], label: str) -> None:
    ratio = speed_up(runs)
    if ratio is not None:
        print(f"speed-up, work 1 worker / 2 workers, {label} (median of pairs): {ratio:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="lake dataset size (generated once, cached)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--reps", type=int, default=3, help="repetitions, worker counts interleaved")
    parser.add_argument("--pair", action="store_true", help="also run the two-halves test on the local executor")
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per fresh Ray, one after another: the 2nd on are on warm workers"
    )
    parser.add_argument("--json", type=Path, default=None, help="where to write the results (default bench/results/)")
    parser.add_argument("--child", choices=("ray", "local"), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.input, args.output, args.child, int(args.workers), args.runs)))
        return 0
    counts = [int(w) for w in args.workers.split(",")]
    if args.reps < 1 or args.runs < 1 or not counts or min(counts) < 1:
        parser.error("--reps, --runs and every --workers count must be >= 1")
    from generate import generate  # type: ignore[import-not-found]  # bench/lake is not a package

    dataset = generate(args.events) / "input"
    runs: dict[int, list[dict[str, Any]]] = {w: [] for w in counts}  # the first run of each process
    warm: dict[int, list[dict[str, Any]]] = {w: [] for w in counts}  # the later ones
    with tempfile.TemporaryDirectory(prefix="ray-rounds-") as scratch:
        for rep in range(args.reps):
            for workers in counts if rep % 2 == 0 else counts[::-1]:
                first, *later = _results(_spawn(dataset, "ray", workers, Path(scratch), args.runs))
                runs[workers].append(first)
                warm[workers] += later
                shown = ", then ".join(f"{r['work_s']:.2f}" for r in [first, *later])
                print(f"  rep {rep + 1}/{args.reps}, {workers} worker(s): work {shown} s")
        pair = pair_test(dataset, Path(scratch), args.reps) if args.pair else None
    print("Fresh workers (each process's first run, as the harness measures):")
    print(table(runs))
    print(rounds_table(runs))
    print_speed_up(runs, "fresh workers")
    if args.runs > 1:
        print(f"Warm workers (runs 2 to {args.runs} of each process):")
        print(table(warm))
        print_speed_up(warm, "warm workers")
    if pair is not None:
        print(
            f"two halves on the local executor: alone {pair['alone_s']:.2f} s, both at once {pair['pair_s']:.2f} s, "
            f"pair / alone {pair['pair_over_alone']:.2f}"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = args.json or HERE / "results" / f"ray_rounds-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"when": stamp, "events": args.events, "runs": runs, "warm": warm, "pair": pair}
    target.write_text(json.dumps(payload, indent=2))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
