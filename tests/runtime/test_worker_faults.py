"""Faults: a Ray worker killed mid-run loses and duplicates nothing; a vanished input fails the run.

The kill tests SIGKILL the worker process that runs a task of the run (it writes its pid to a
marker file and waits), so Ray reruns the task; the committed output must equal the expected
rows exactly. `bench/soak_worker_kills.py` repeats the same kill many times.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fsspec
import pyarrow.parquet as pq
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, JobRunContext, LocalExecutor, RayExecutor
from glueworks.runtime.executors import Executor
from tests.runtime.conftest import read_json, write_json_lines

FILES = 6
PER_FILE = 300


def make_input(root: Path) -> list[dict[str, Any]]:
    records = []
    for f in range(FILES):
        batch = [
            {"id": f * PER_FILE + i, "day": f"d{i % 3}", "v": i * 0.5, "xs": list(range(i % 4))}
            for i in range(PER_FILE)
        ]
        write_json_lines(root / f"part-{f}.json", batch)
        records += batch
    return records


def pause_once(marker: str, victim_id: int) -> Callable[[dict[str, Any]], bool]:
    """A filter predicate that, the first time it sees `victim_id`, publishes its pid and waits."""

    def predicate(record: dict[str, Any]) -> bool:
        if record["id"] == victim_id and not os.path.exists(marker):
            with open(marker + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.rename(marker + ".tmp", marker)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # killed here; the retry finds the marker and goes on
                time.sleep(0.05)
            with open(marker + ".unkilled", "w") as handle:  # nobody killed it: the test proves nothing
                handle.write(str(os.getpid()))
        return True

    return predicate


class Killer(threading.Thread):
    """Waits for the marker, then SIGKILLs the process named in it."""

    def __init__(self, marker: Path) -> None:
        super().__init__(daemon=True)
        self.marker = marker
        self.killed: int | None = None

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.marker.exists():
                pid = int(self.marker.read_text())
                assert pid != os.getpid()  # a Ray worker, never this test process
                os.kill(pid, signal.SIGKILL)
                self.killed = pid
                return
            time.sleep(0.02)


def committed_rows(out: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(out.rglob("*.parquet")):
        assert "_glueworks_staging" not in str(path)
        day = path.parent.name.split("=", 1)[1]
        rows += [{**row, "day": day} for row in pq.read_table(path).to_pylist()]
    return rows


def committed_elements(out: Path, child: Path) -> Counter[tuple[Any, ...]]:
    """Relationalize's child rows as (parent id, index, value), joined to their parents through the keys."""
    parents = {row["xs"]: row["id"] for row in committed_rows(out)}
    rows = [row for path in sorted(child.rglob("*.parquet")) for row in pq.read_table(path).to_pylist()]
    return Counter((parents.get(row["id"]), row["index"], row["xs.val"]) for row in rows)


Rows = list[dict[str, Any]]


def run_with_kill(root: Path, shape: str, victim_id: int) -> tuple[int | None, Rows, Rows]:
    """One run of read → [join] → filter (the victim pauses) → [repartition | relationalize] → partitioned
    write, with a kill.

    With a join, the filter runs in the writer tasks that join the buckets: the victim is one of them.
    Relationalize runs its split tasks when called, so the killer starts before the plan is built.
    """
    expected = make_input(root / "in")
    marker = root / "victim.pid"
    killer = Killer(marker)
    killer.start()
    ctx = JobRunContext("jr_kill", "job", 0, "ray", 2, None, defer_commit=True)
    glue = GlueContext(executor=RayExecutor(2), run_context=ctx)
    frame: DynamicFrame = read_json(glue, root / "in")
    if shape == "join":
        write_json_lines(root / "labels" / "days.json", [{"key": f"d{d}", "label": f"day {d}"} for d in range(3)])
        frame = frame.join("day", "key", read_json(glue, root / "labels")).drop_fields(["key"])
    frame = frame.filter(pause_once(str(marker), victim_id))
    if shape == "shuffle":
        frame = frame.repartition(3)
    if shape == "relationalize":
        tables = frame.relationalize("root", str(root / "staging"))
        frame = tables.select("root")
        glue.write_dynamic_frame.from_options(
            frame=tables.select("root_xs"),
            connection_type="s3",
            connection_options={"path": str(root / "xs")},
            format="parquet",
        )
    glue.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": str(root / "out"), "partitionKeys": ["day"]},
        format="parquet",
    )
    ctx.finish()
    killer.join(timeout=5)
    assert not (root / "victim.pid.unkilled").exists(), "the victim outlived its pause: nobody killed it"
    return killer.killed, expected, committed_rows(root / "out")


def as_counter(rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter((r["id"], r["day"], r["v"]) for r in rows)


@pytest.mark.ray
@pytest.mark.parametrize("shape", ["fused", "shuffle", "join", "relationalize"])
def test_a_killed_worker_loses_and_duplicates_nothing(ray_cluster: None, tmp_path: Path, shape: str) -> None:
    killed, expected, rows = run_with_kill(tmp_path, shape, victim_id=FILES * PER_FILE - 7)
    assert killed is not None, "the victim task never started"
    assert len(rows) == len(expected)
    assert as_counter(rows) == as_counter(expected)  # none lost, none duplicated
    if shape == "relationalize":
        elements = Counter((r["id"], n, n) for r in expected for n in r["xs"])
        assert committed_elements(tmp_path / "out", tmp_path / "xs") == elements


def vanishing_run(glue: GlueContext, source: str, out: str, delete: Callable[[], None]) -> None:
    first_id = 0

    def predicate(record: dict[str, Any]) -> bool:
        if record["id"] == first_id:
            delete()  # the second file disappears while the first one is being processed
        return True

    frame = read_json(glue, source).filter(predicate)
    glue.write_dynamic_frame.from_options(
        frame=frame, connection_type="s3", connection_options={"path": out, "partitionKeys": ["day"]}, format="parquet"
    )


@pytest.mark.parametrize("kind", ["local", pytest.param("ray", marks=pytest.mark.ray)])
def test_a_local_file_deleted_mid_run_fails_with_its_path(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> None:
    executor: Executor = LocalExecutor(1)
    if kind == "ray":
        request.getfixturevalue("ray_cluster")
        executor = RayExecutor(1)
    # Two files, one split each (a group would read both before the filter runs); one writer reads them in turn.
    for f in range(2):
        write_json_lines(tmp_path / "in" / f"part-{f}.json", [{"id": f * 10 + i, "day": "d0"} for i in range(10)])
    victim = tmp_path / "in" / "part-1.json"
    ctx = JobRunContext.standalone()
    glue = GlueContext(executor=executor, run_context=ctx)
    with pytest.raises(FileNotFoundError) as caught:
        vanishing_run(glue, str(tmp_path / "in"), str(tmp_path / "out"), lambda: victim.unlink(missing_ok=True))
    assert str(victim) in str(caught.value)
    assert not list((tmp_path / "out").rglob("*.parquet"))  # nothing of the failed write is left


def test_an_s3_key_deleted_mid_run_fails_with_its_path(s3_bucket: str, s3fs_options: dict[str, Any]) -> None:
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3fs_options)
    for f in range(3):
        lines = "".join(f'{{"id": {f * 10 + i}, "day": "d{i % 2}"}}\n' for i in range(10))
        fs.pipe(f"{s3_bucket}/in/part-{f}.json", lines.encode())
    ctx = JobRunContext("jr_gone", "job", 0, "local", 1, None, storage_options={"s3": s3fs_options})
    glue = GlueContext(executor=LocalExecutor(1), run_context=ctx)
    victim = f"{s3_bucket}/in/part-1.json"

    def delete() -> None:
        other = fsspec.filesystem("s3", skip_instance_cache=True, **s3fs_options)
        if other.exists(victim):
            other.rm(victim)

    with pytest.raises(FileNotFoundError) as caught:
        vanishing_run(glue, f"s3://{s3_bucket}/in/", f"s3://{s3_bucket}/out", delete)
    assert victim in str(caught.value)
    fs.invalidate_cache()
    assert not [key for key in fs.find(f"{s3_bucket}/out") if key.endswith(".parquet")]
