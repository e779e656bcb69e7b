"""How well this box runs two busy processes at once: the ceiling of any 2-vs-1-worker speed-up.

    .venv/bin/python bench/box_scaling.py [--reps 3] [--idle 3] [--mb 200] [--json PATH]

A 2-worker run can only be as much faster than a 1-worker run as the box lets two processes do their
work side by side. Each *kind* of work below is timed in one process alone, then in two processes
started together (a pipe releases both at once); "pair / alone" is the time each of the pair took over
the time alone (1.00: the box scales; 2.00: the two ran one after the other). Kinds:

* ``cpu``: SHA-256 over a 1 MiB buffer (in cache: the core alone);
* ``memcpy``: copies of a buffer larger than the caches (memory bandwidth);
* ``anon``: new anonymous memory, every page touched (page faults and zeroing);
* ``file``: a new file written in the temp folder (or ``--dir``) and removed (page-cache pages).

``anon`` and ``file`` run twice: right after the same work freed pages (*recycled*: the kernel hands
back pages it just freed), and after ``--idle`` seconds of sleep (*fresh*). On a physical machine the
two are alike. In a guest whose freed memory goes back to the host after a while (virtio-balloon free
page reporting), fresh pages fault on the host too, and when both vCPUs fault at once they queue
behind each other there: the ``fresh`` pair / alone column shows it.

The per-page figure is the wall time divided by the 4 KiB pages touched. Nothing here is asserted;
compare the ratio columns, not the seconds, between boxes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mmap
import multiprocessing as mp
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

PAGE = 4096
MIB = 1 << 20


def _cpu(mb: int, folder: str) -> int:
    block = os.urandom(MIB)
    digest = hashlib.sha256()
    for _ in range(mb * 4):
        digest.update(block)
    return 0


def _memcpy(mb: int, folder: str) -> int:
    source = bytearray(os.urandom(MIB)) * 64  # 64 MiB: larger than any core's caches
    target = bytearray(len(source))
    for _ in range(max(1, mb // 16)):
        target[:] = source
    return 0


def _anon(mb: int, _: str) -> int:
    region = mmap.mmap(-1, mb * MIB)  # a new mapping: every page faults on first touch
    for offset in range(0, mb * MIB, PAGE):
        region[offset] = 1
    region.close()
    return mb * MIB // PAGE


def _file(mb: int, folder: str) -> int:
    path = Path(folder) / f"box-{os.getpid()}.bin"
    block = os.urandom(MIB)
    with path.open("wb") as handle:
        for _ in range(mb):
            handle.write(block)
    path.unlink()
    return mb * MIB // PAGE


KINDS: dict[str, Callable[[int, str], int]] = {"cpu": _cpu, "memcpy": _memcpy, "anon": _anon, "file": _file}
#: Kinds whose cost depends on whether the pages were just freed.
PAGED = ("anon", "file")


def _child(kind: str, mb: int, folder: str, warm: bool, start: Connection, out: Connection) -> None:
    work = KINDS[kind]
    if warm:
        work(mb, folder)  # frees the pages the timed pass takes back
    start.recv()
    before, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    pages = work(mb, folder)
    wall, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    out.send((wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, pages))


def timed(kind: str, mb: int, folder: str, processes: int, warm: bool) -> list[tuple[float, float, float, int]]:
    """Run `kind` in `processes` processes released together; each one's (wall, user, sys, pages)."""
    ctx = mp.get_context("fork")
    starts, outs, procs = [], [], []
    for _ in range(processes):
        start_r, start_w = ctx.Pipe(duplex=False)
        out_r, out_w = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(kind, mb, folder, warm, start_r, out_w))
        proc.start()
        starts.append(start_w)
        outs.append(out_r)
        procs.append(proc)
    time.sleep(0.5 if warm else 0.2)  # every child has forked (and done its warm pass)
    for start in starts:
        start.send(True)
    results = [out.recv() for out in outs]
    for proc in procs:
        proc.join()
    return results


def measure(reps: int, idle: float, mb: int, folder: str) -> list[dict[str, Any]]:
    """Alone and paired times of every kind (and page state), interleaved over `reps` rounds."""
    cases = [(k, "-") for k in KINDS if k not in PAGED] + [(k, s) for k in PAGED for s in ("recycled", "fresh")]
    walls: dict[tuple[str, str, int], list[float]] = {}
    sys_share: dict[tuple[str, str, int], list[float]] = {}
    pages: dict[str, int] = {}
    for rep in range(reps):
        for kind, state in cases:
            for processes in (1, 2):
                if state == "fresh":
                    time.sleep(idle)  # freed pages go back to the host, where a guest does that
                results = timed(kind, mb, folder, processes, warm=state == "recycled")
                key = (kind, state, processes)
                walls.setdefault(key, []).extend(r[0] for r in results)
                sys_share.setdefault(key, []).extend(r[2] / max(r[1] + r[2], 1e-9) for r in results)
                pages[kind] = results[0][3]
        print(f"  round {rep + 1}/{reps} done", flush=True)
    rows = []
    for kind, state in cases:
        alone = statistics.median(walls[(kind, state, 1)])
        pair = statistics.median(walls[(kind, state, 2)])
        row = {
            "kind": kind,
            "pages": state,
            "alone_s": round(alone, 4),
            "pair_s": round(pair, 4),
            "pair_over_alone": round(pair / alone, 3),
            "sys_share_pair": round(statistics.median(sys_share[(kind, state, 2)]), 3),
        }
        if pages[kind]:
            row["alone_us_per_page"] = round(alone / pages[kind] * 1e6, 2)
            row["pair_us_per_page"] = round(pair / pages[kind] * 1e6, 2)
        rows.append(row)
    return rows


def pair_over_alone(kind: str, reps: int = 3, mb: int = 200) -> float:
    """The median time of each of two processes doing `kind` at once over the median time of one alone, from
    `reps` interleaved rounds: a quick reading of the box's state for `kind`s without page states."""
    if kind in PAGED:
        raise ValueError(f"kind: {kind!r} depends on page state; use measure()")
    alone: list[float] = []
    pair: list[float] = []
    with tempfile.TemporaryDirectory(prefix="box-scaling-") as folder:
        for _ in range(reps):
            alone += [r[0] for r in timed(kind, mb, folder, 1, warm=False)]
            pair += [r[0] for r in timed(kind, mb, folder, 2, warm=False)]
    return statistics.median(pair) / statistics.median(alone)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| work | pages | alone s | each of a pair s | pair / alone | µs per page alone / pair | sys share (pair) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per_page = f"{r['alone_us_per_page']:.2f} / {r['pair_us_per_page']:.2f}" if "alone_us_per_page" in r else "-"
        lines.append(
            f"| {r['kind']} | {r['pages']} | {r['alone_s']:.3f} | {r['pair_s']:.3f} | {r['pair_over_alone']:.2f} "
            f"| {per_page} | {r['sys_share_pair']:.0%} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="interleaved rounds (medians are reported)")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of sleep before a 'fresh' case")
    parser.add_argument("--mb", type=int, default=200, help="MiB each process works through")
    parser.add_argument("--dir", type=Path, default=None, help="where the file kind writes (default: the temp folder)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the rows (default bench/results/)")
    args = parser.parse_args()
    if args.reps < 1 or args.mb < 1 or args.idle < 0:
        parser.error("--reps and --mb must be >= 1 and --idle >= 0")
    print(f"box scaling: {os.cpu_count()} CPUs, {args.mb} MiB per process, {args.reps} round(s), idle {args.idle} s")
    with tempfile.TemporaryDirectory(prefix="box-scaling-", dir=args.dir) as folder:
        rows = measure(args.reps, args.idle, args.mb, folder)
    print(table(rows))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = args.json or Path(__file__).resolve().parent / "results" / f"box_scaling-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"when": stamp, "cpus": os.cpu_count(), "mb": args.mb, "rows": rows}, indent=2))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
