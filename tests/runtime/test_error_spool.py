"""Error records wait in a run's spool file, not in the driver's memory; the run's error file stays exact."""

from __future__ import annotations

import gc
import json
import pickle
import threading
from pathlib import Path

import pytest

from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor, RayExecutor
from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.error_spool import ErrorBatch, ErrorChain, ErrorSpool, collect, distinct_records
from glueworks.runtime.executors.base import Executor
from glueworks.runtime.executors.pipeline import SplitMeta
from glueworks.runtime.run_context import activate
from tests.runtime.conftest import read_json, write_json_lines


def _record(line: int, file: str = "s3://b/in/a.json", stage: str = "read") -> ErrorRecord:
    return ErrorRecord.create(file, line, "invalid JSON", f"{{bad {line}", stage)


def _job_context(tmp_path: Path, name: str = "errors.jsonl") -> JobRunContext:
    return JobRunContext(
        run_id="jr_spool",
        job_name="spool",
        attempt=0,
        executor="ray",
        max_parallelism=2,
        error_records_location=str(tmp_path / name),
    )


def test_a_batch_is_sorted_counts_without_reading_and_compares_by_its_records() -> None:
    records = [_record(3), _record(1), _record(2, stage="filter"), _record(2)]
    batch = ErrorBatch.of(records)
    assert len(batch) == 4
    assert [(e.line, e.stage) for e in batch] == [(1, "read"), (2, "filter"), (2, "read"), (3, "read")]
    assert batch == sorted(records, key=lambda e: (e.line, e.stage))
    assert batch[0] == _record(1)
    assert ErrorBatch.of(reversed(records)).digest == batch.digest
    assert ErrorBatch.of(records[:3]).digest != batch.digest


def test_outside_a_run_a_batch_unpickles_in_memory() -> None:
    batch = pickle.loads(pickle.dumps(ErrorBatch.of([_record(1), _record(2)])))
    assert not batch.spooled
    assert [e.line for e in batch] == [1, 2]


def test_in_a_run_a_batch_unpickles_into_the_runs_spool_file(tmp_path: Path) -> None:
    ctx = _job_context(tmp_path)
    blob = pickle.dumps(SplitMeta(0, "s", (), 0, ErrorBatch.of([_record(i) for i in range(50)]), 0, 0))
    with activate(ctx):
        meta = pickle.loads(blob)
    assert isinstance(meta.errors, ErrorBatch) and meta.errors.spooled
    assert len(meta.errors) == 50 and [e.line for e in meta.errors] == list(range(50))
    ctx.finish()
    with pytest.raises(FileNotFoundError):  # finish removes the spool with the run
        list(meta.errors)


def test_a_merge_of_batches_gives_each_record_once_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("glueworks.runtime.error_spool.CHUNK_ROWS", 7)  # several chunks per batch
    spool = ErrorSpool()
    first = spool.keep(ErrorBatch.of([_record(i) for i in range(0, 40, 2)]))
    second = spool.keep(ErrorBatch.of([_record(i) for i in range(0, 40, 3)]))
    assert first.spooled and second.spooled
    lines = [e.line for e in distinct_records([first, second])]
    assert lines == sorted(set(range(0, 40, 2)) | set(range(0, 40, 3)))
    spool.close()
    with pytest.raises(FileNotFoundError):
        list(first)
    again = spool.keep(ErrorBatch.of([_record(1)]))  # a spool closed early (a late report) starts a new file
    assert [e.line for e in again] == [1]
    spool.close()


def test_a_chain_adds_lengths_and_flattens_chains() -> None:
    chain = ErrorChain([ErrorBatch.of([_record(1)]), (), ErrorChain([(_record(2), _record(3))])])
    assert len(chain) == 3 and len(chain.parts) == 2
    assert [e.line for e in chain] == [1, 2, 3]
    assert chain == [_record(1), _record(2), _record(3)]


def test_a_runs_error_file_and_count_are_exact_when_actions_meet_a_record_twice(tmp_path: Path) -> None:
    ctx = _job_context(tmp_path)
    ctx.record_split("a.json", 10, 100, ErrorBatch.of([_record(1), _record(2)]))
    ctx.record_split("a.json", 10, 100, ErrorBatch.of([_record(1), _record(2)]))  # the same split read again
    # Another action: the same read errors, and a map's.
    ctx.record_split("a.json", 10, 100, ErrorBatch.of([_record(1), _record(2), _record(5, stage="map")]))
    assert ctx.metrics.error_records == 3
    # A map error met again after a filter (another stage's company): counted twice until the end.
    ctx.record_split("a.json", 10, 100, ErrorBatch.of([_record(5, stage="map"), _record(7, stage="filter")]))
    ctx.record_split("a.json", 10, 100, ErrorBatch.of([_record(5, stage="map"), _record(9, stage="map")]))
    assert ctx.metrics.error_records == 6
    snapshot = ctx.finish()
    assert snapshot["error_records"] == 5 == ctx.metrics.error_records
    lines = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert [(r["line"], r["stage"]) for r in lines] == [(1, "read"), (2, "read"), (5, "map"), (7, "filter"), (9, "map")]


def _run_keeps_its_error_records_out_of_the_drivers_memory(executor: Executor, tmp_path: Path) -> None:
    bad = [f"{{broken {i}".encode() for i in range(3000)]
    write_json_lines(tmp_path / "in" / "a.json", [*bad, {"id": 1}])
    write_json_lines(tmp_path / "in" / "b.json", [{"id": i} for i in range(2, 50)])
    ctx = _job_context(tmp_path)
    with activate(ctx):
        glue = GlueContext(executor=executor, run_context=ctx)
        frame = read_json(glue, tmp_path / "in")
        executed = frame._execute(check_thresholds=False)
        gc.collect()
        alive = sum(isinstance(o, ErrorRecord) for o in gc.get_objects())
        assert alive < 100, f"{alive} error records held in the driver"
        assert all(meta.errors.spooled for meta in executed.metas if len(meta.errors))
        assert frame.errorsCount() == 3000
        assert frame.errorsAsDynamicFrame().count() == 3000
        assert frame.count() == 49
    snapshot = ctx.finish()
    assert snapshot["error_records"] == 3000
    lines = (tmp_path / "errors.jsonl").read_text().splitlines()
    assert [json.loads(line)["line"] for line in lines] == list(range(1, 3001))


@pytest.mark.ray
def test_a_ray_run_keeps_its_error_records_out_of_the_drivers_memory(ray_cluster: None, tmp_path: Path) -> None:
    _run_keeps_its_error_records_out_of_the_drivers_memory(RayExecutor(2), tmp_path)


def test_a_local_run_spools_its_tasks_error_records_as_they_are_made(tmp_path: Path) -> None:
    # The local executor's reports are never pickled: its tasks spool their batches themselves.
    with LocalExecutor(2) as executor:
        _run_keeps_its_error_records_out_of_the_drivers_memory(executor, tmp_path)


def test_outside_a_run_a_tasks_error_records_stay_in_memory() -> None:
    batch = collect([_record(2), _record(1)])
    assert not batch.spooled and [e.line for e in batch] == [1, 2]


def test_a_local_runs_records_go_to_its_own_spool_while_another_run_is_active(tmp_path: Path) -> None:
    # Two runs active in one process (threads of a host process): the pool threads of one run's executor
    # must spool into that run, not into the run activated last, whose end would take the records with it.
    write_json_lines(tmp_path / "in" / "a.json", [*(f"{{broken {i}".encode() for i in range(40)), {"id": 1}])
    write_json_lines(tmp_path / "in" / "b.json", [f"{{broken {i}".encode() for i in range(40, 60)])
    mine, other = _job_context(tmp_path, "mine.jsonl"), _job_context(tmp_path, "other.jsonl")
    other_active, mine_done = threading.Event(), threading.Event()

    def hold_other() -> None:
        with activate(other):
            other_active.set()
            mine_done.wait(30)
        other.finish()

    holder = threading.Thread(target=hold_other)
    with activate(mine):
        holder.start()
        assert other_active.wait(30)
        with LocalExecutor(2) as executor:
            frame = read_json(GlueContext(executor=executor, run_context=mine), tmp_path / "in")
            assert frame.count() == 1
    mine_done.set()
    holder.join(30)
    assert mine.finish()["error_records"] == 60
    assert len((tmp_path / "mine.jsonl").read_text().splitlines()) == 60
    assert not (tmp_path / "other.jsonl").exists()


def test_a_run_keeps_its_records_when_they_were_spooled_by_another_active_run(tmp_path: Path) -> None:
    # The frame's run is not the one active in this thread: the active run spools the task's batch, and the
    # frame's run must take a copy, since the active run's end removes its spool.
    write_json_lines(tmp_path / "in" / "a.json", [*(f"{{broken {i}".encode() for i in range(30)), {"id": 1}])
    mine, active = _job_context(tmp_path, "mine.jsonl"), _job_context(tmp_path, "active.jsonl")
    with activate(active), LocalExecutor(2) as executor:
        frame = read_json(GlueContext(executor=executor, run_context=mine), tmp_path / "in")
        assert frame.count() == 1
    active.finish()
    assert mine.finish()["error_records"] == 30
    assert len((tmp_path / "mine.jsonl").read_text().splitlines()) == 30
