"""What a job's error records cost its driver: memory, and time in the actions and at the end of the run.

    .venv/bin/python bench/error_records_memory.py [--files 8] [--lines 50000] [--bad 0.9] [--executor ray|local]

Writes ``--files`` JSON-lines files of ``--lines`` lines each, a ``--bad`` share of them malformed (~300
bytes each), to a temporary folder. Then, in this process, on a fresh local Ray (2 CPUs, primed workers, as
the platform starts it) or on the local executor (``--executor local``, 2 threads), runs two actions over
them inside a job's run context (``count()`` and ``errorsCount()``) and finishes the run, which writes the
error file. Prints the driver's RSS growth over the two actions (after a garbage collection), the
`ErrorRecord` objects still alive in the driver, the actions' and the finish's seconds, and checks the error
file's line count against the bad lines written.

Nothing is asserted beyond that check; compare commits by running it in a worktree (``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def write_input(folder: Path, files: int, lines: int, bad: float) -> int:
    """The input files; the number of malformed lines."""
    folder.mkdir(parents=True)
    every = max(1, round(1 / max(1e-9, 1 - bad)))  # one good line in `every`
    malformed = 0
    for index in range(files):
        with open(folder / f"part-{index:03d}.json", "w", encoding="utf-8") as out:
            for line in range(lines):
                key = index * lines + line
                if line % every == 0:
                    out.write(json.dumps({"id": key, "v": "x" * 50}) + "\n")
                else:
                    out.write(f'{{"id": {key}, "v": "{"y" * 280}\n')  # an unterminated string
                    malformed += 1
    return malformed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--bad", type=float, default=0.9)
    parser.add_argument("--executor", choices=("ray", "local"), default="ray")
    args = parser.parse_args()

    import psutil
    import ray

    from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor, RayExecutor
    from glueworks.runtime.error_records import ErrorRecord
    from glueworks.runtime.executors.local_ray import start_local_ray
    from glueworks.runtime.executors.ray import prime_task_workers
    from glueworks.runtime.run_context import activate

    root = Path(tempfile.mkdtemp(prefix="glueworks-bench-errors-"))
    try:
        malformed = write_input(root / "in", args.files, args.lines, args.bad)
        if args.executor == "ray":
            start_local_ray(2)
            ray.get(prime_task_workers(2))
        ctx = JobRunContext(
            run_id="jr_errors_bench",
            job_name="errors",
            attempt=0,
            executor=args.executor,
            max_parallelism=2,
            error_records_location=str(root / "errors.jsonl"),
        )
        driver = psutil.Process()
        gc.collect()
        before = driver.memory_info().rss
        with activate(ctx):
            executor = RayExecutor(2) if args.executor == "ray" else LocalExecutor(2)
            glue = GlueContext(executor=executor, run_context=ctx)
            frame = glue.create_dynamic_frame.from_options(
                connection_type="s3", connection_options={"paths": [str(root / "in")]}, format="json"
            )
            started = time.perf_counter()
            rows, errors = frame.count(), frame.errorsCount()
            actions = time.perf_counter() - started
            gc.collect()
            grown = driver.memory_info().rss - before
            # The high-water mark, in-process task work included on the local executor (Linux: KiB).
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
            alive = sum(isinstance(o, ErrorRecord) for o in gc.get_objects())
        started = time.perf_counter()
        snapshot = ctx.finish()
        finish = time.perf_counter() - started
        with open(root / "errors.jsonl", encoding="utf-8") as written:
            lines = sum(1 for _ in written)
        print(
            f"{malformed:,} malformed lines; rows {rows:,}, errorsCount {errors:,}, error_records "
            f"{snapshot['error_records']:,}, error file lines {lines:,}\n"
            f"driver RSS +{grown / 2**20:,.0f} MiB over the two actions (peak +{peak / 2**20:,.0f} MiB); "
            f"ErrorRecord objects alive: {alive:,}\n"
            f"actions {actions:.2f} s; finish (error file) {finish:.2f} s"
        )
        ok = errors == malformed == lines == snapshot["error_records"]
        print("check: ok" if ok else "check: WRONG (counts differ)")
        return 0 if ok else 1
    finally:
        ray.shutdown()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
