"""Crawler throughput on the generated 10k-file lake: cold and warm files/s, and the incremental recrawl.

The lake is the one the crawler tests use (``tests/platform/crawlers/treegen.py``: two Hive-partitioned
tables of small JSON and CSV files with schema drift and one corrupt file), written to a temp folder.

* **cold**: the first crawl after the OS page cache is dropped for the lake's files (``posix_fadvise``
  DONTNEED on every file, which needs no privileges; the directory entries may stay cached);
* **warm**: the same crawl again, every file in the page cache (median of ``--reps`` runs);
* **cpu**: the CPU time of the cold crawl in this process (all threads; with ``--executor ray`` only the
  driver's share), for a box shared with other work, where wall time mostly measures waiting for a CPU;
* **incremental**: two new partitions added, crawled with ``known_folders`` from the first crawl
  (``CRAWL_NEW_FOLDERS_ONLY``), median of ``--reps`` runs.

    .venv/bin/python bench/crawler.py                 # 10,080 files, local thread executor
    .venv/bin/python bench/crawler.py --files-per-partition 420 --threads 2 --reps 5
    .venv/bin/python bench/crawler.py --executor ray     # batches as Ray tasks (one process per core)

Goals (issue 6): >= 5,000 files/s cold on a 2-core box, incremental recrawl <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glueworks.platform.crawlers import CrawlConfig, CrawlTarget, crawl
from tests.platform.crawlers.treegen import add_order_days, generate, known_folders


def _drop_cache(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files-per-partition", type=int, default=210, help="files per partition (48 partitions)")
    parser.add_argument("--threads", type=int, default=2, help="crawl max_parallelism")
    parser.add_argument("--executor", choices=("local", "ray"), default="local")
    parser.add_argument("--reps", type=int, default=3, help="warm and incremental repetitions")
    parser.add_argument("--json", type=Path, default=None, help="where to write the result")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gw-crawl-bench-"))
    try:
        started = time.perf_counter()
        lake = generate(work / "lake", files_per_partition=args.files_per_partition)
        generated = time.perf_counter() - started
        config = CrawlConfig(max_parallelism=args.threads, executor=args.executor)
        target = [CrawlTarget(str(lake.root))]
        if args.executor == "ray":
            import ray

            # Start Ray and its workers before timing (a platform runs with a warm cluster); the page cache is
            # dropped after this untimed crawl.
            ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
            crawl(target, config)
        _drop_cache(lake.root)
        cpu = time.process_time()
        cold = crawl(target, config)
        cold_cpu = time.process_time() - cpu
        warm = [crawl(target, config) for _ in range(args.reps)]
        known = known_folders(lake, list(cold.tables))
        add_order_days(lake, [25, 26], files=args.files_per_partition)
        incremental_config = CrawlConfig(max_parallelism=args.threads, executor=args.executor, known_folders=known)
        incremental = [crawl(target, incremental_config) for _ in range(args.reps)]
        new = incremental[0]
        assert [t.name for t in new.tables] == ["orders"] and len(new.tables[0].partitions) == 2
        warm_seconds = statistics.median(r.seconds for r in warm)
        result = {
            "files": cold.files_scanned,
            "folders": cold.folders_scanned,
            "tables": len(cold.tables),
            "file_errors": len(cold.errors),
            "generate_seconds": round(generated, 3),
            "cold_seconds": round(cold.seconds, 3),
            "cold_files_per_s": round(cold.files_scanned / cold.seconds),
            "cold_cpu_seconds": round(cold_cpu, 3),
            "cold_files_per_cpu_s": round(cold.files_scanned / cold_cpu),
            "warm_seconds": round(warm_seconds, 3),
            "warm_files_per_s": round(cold.files_scanned / warm_seconds),
            "incremental_seconds": round(statistics.median(r.seconds for r in incremental), 3),
            "incremental_new_files": new.files_scanned,
            "threads": args.threads,
            "executor": args.executor,
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.executor == "ray":
            import ray

            ray.shutdown()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.json or Path(__file__).parent / "results" / f"crawler-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
