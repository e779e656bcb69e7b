"""RunMetrics: thread-safe counters, visible while a run works."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor, RunMetrics
from tests.runtime.conftest import read_json, write_json_lines


def test_snapshot_holds_every_counter() -> None:
    metrics = RunMetrics()
    metrics.add(records_read=3, bytes_read=10)
    metrics.add(records_written=2, bytes_written=5, files_written=1, error_records=1)
    metrics.add_output_location("s3://b/out")
    metrics.add_output_location("s3://b/out")
    assert metrics.snapshot() == {
        "records_read": 3,
        "records_written": 2,
        "error_records": 1,
        "bytes_read": 10,
        "bytes_written": 5,
        "files_written": 1,
        "output_locations": ["s3://b/out"],
    }
    assert metrics.records_read == 3 and metrics.output_locations == ["s3://b/out"]
    with pytest.raises(ValueError, match="records_read: counters only grow"):
        metrics.add(records_read=-1)


def test_concurrent_updates_are_not_lost() -> None:
    metrics = RunMetrics()

    def work() -> None:
        for _ in range(2000):
            metrics.add(records_read=1, bytes_read=2)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = metrics.snapshot()
    assert snapshot["records_read"] == 16000 and snapshot["bytes_read"] == 32000


def test_metrics_grow_while_the_run_is_still_working(tmp_path: Path) -> None:
    """A poller sees the first files counted while a later file is still being processed."""
    for index in range(3):
        write_json_lines(tmp_path / f"part-{index}.json", [{"file": index, "i": i} for i in range(10)])
    ctx = JobRunContext.standalone()
    glue = GlueContext(executor=LocalExecutor(max_parallelism=1), run_context=ctx)
    partial_seen = threading.Event()
    observed: list[int] = []

    def poll() -> None:
        while not partial_seen.is_set():
            count = ctx.metrics.records_read
            if count >= 20:
                observed.append(count)
                partial_seen.set()
            time.sleep(0.001)  # poll politely; nothing asserts on time

    def predicate(record: dict[str, int]) -> bool:
        if record["file"] == 2:
            # Hold the last file until the poller has seen the first two counted.
            assert partial_seen.wait(timeout=30)
        return True

    poller = threading.Thread(target=poll)
    poller.start()
    frame = read_json(glue, tmp_path).filter(predicate)
    assert frame.count() == 30
    poller.join()
    assert observed == [20]
    assert ctx.metrics.records_read == 30


def test_read_bytes_are_the_input_sizes(glue_ctx: GlueContext, tmp_path: Path) -> None:
    a = write_json_lines(tmp_path / "in" / "a.json", [{"x": 1}])
    b = write_json_lines(tmp_path / "in" / "b.json", [{"x": 2}, {"x": 3}])
    read_json(glue_ctx, tmp_path / "in").count()
    snapshot = glue_ctx.run_context.metrics.snapshot()
    assert snapshot["bytes_read"] == a.stat().st_size + b.stat().st_size
    assert snapshot["records_read"] == 3
