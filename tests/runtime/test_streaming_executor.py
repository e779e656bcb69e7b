"""The streaming write path: fused read → transform → write tasks, few files, bounded concurrency."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor, RayExecutor
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.executors import Executor
from glueworks.runtime.executors.writing import contiguous_groups, write_plan
from glueworks.runtime.sinks.parquet import ParquetSink
from tests.runtime.conftest import read_json, write_json_lines

DAYS = ("d0", "d1", "d2")


def make_events(root: Path, files: int, per_file: int, drift: bool = False) -> list[dict[str, Any]]:
    """Event files; with `drift`, `n` is a string in the later files (a Choice unless resolved)."""
    everything = []
    for f in range(files):
        records = []
        for i in range(per_file):
            n: int | str = i
            if drift and f >= files // 2:
                n = str(i)
            records.append({"id": f * per_file + i, "day": DAYS[(f + i) % 3], "n": n, "pad": "e" * 40})
        write_json_lines(root / f"part-{f:02d}.json", records)
        everything += records
    return everything


def parquet_rows(out: Path) -> tuple[list[Path], list[dict[str, Any]]]:
    files = sorted(p for p in out.rglob("*.parquet") if "_glueworks" not in str(p))
    rows = []
    for path in files:
        day = path.parent.name.split("=", 1)[1]
        rows += [{**row, "day": day} for row in pq.read_table(path).to_pylist()]
    return files, rows


def write(glue: GlueContext, frame: Any, out: Path) -> None:
    glue.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": str(out), "partitionKeys": ["day"]},
        format="parquet",
    )


def test_partitioned_write_makes_at_most_one_file_per_partition_per_writer(executor: Executor, tmp_path: Path) -> None:
    expected = make_events(tmp_path / "in", files=12, per_file=50)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone())
    frame = read_json(glue, tmp_path / "in").filter(lambda r: r["id"] % 7 != 0)
    write(glue, frame, tmp_path / "out")
    files, rows = parquet_rows(tmp_path / "out")
    writers = executor.max_parallelism
    assert len(files) <= writers * len(DAYS)  # not splits x partitions (12 files x 3 days)
    kept = [r for r in expected if r["id"] % 7 != 0]
    assert Counter(json.dumps(r, sort_keys=True) for r in rows) == Counter(json.dumps(r, sort_keys=True) for r in kept)
    for path in files:  # snappy Parquet by default
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_writers_roll_to_new_files_past_the_target_size(tmp_path: Path) -> None:
    expected = make_events(tmp_path / "in", files=8, per_file=200)
    glue = GlueContext(executor=LocalExecutor(2, target_file_bytes=20_000), run_context=JobRunContext.standalone())
    write(glue, read_json(glue, tmp_path / "in"), tmp_path / "out")
    files, rows = parquet_rows(tmp_path / "out")
    assert len(files) > 2 * len(DAYS)  # rolled
    assert sorted(r["id"] for r in rows) == [r["id"] for r in expected]  # none lost, none twice


def test_drifting_schema_is_written_with_the_frame_schema_everywhere(executor: Executor, tmp_path: Path) -> None:
    make_events(tmp_path / "in", files=6, per_file=30, drift=True)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone())
    frame = read_json(glue, tmp_path / "in")
    write(glue, frame, tmp_path / "out")
    files, rows = parquet_rows(tmp_path / "out")
    schemas = {pq.read_schema(p).remove_metadata().to_string() for p in files}
    assert len(schemas) == 1  # every file holds the frame schema, the Choice as a struct
    (schema,) = {pq.read_schema(p).remove_metadata() for p in files}
    assert pa.types.is_struct(schema.field("n").type)
    assert sorted(r["id"] for r in rows) == list(range(180))
    # The same frame read back through toDF gives the same rows (a second run of the plan).
    table = frame.toDF()
    assert sorted(table.column("id").to_pylist()) == list(range(180))


def test_fused_write_keeps_no_blocks(executor: Executor, tmp_path: Path) -> None:
    make_events(tmp_path / "in", files=4, per_file=20)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone())
    frame = read_json(glue, tmp_path / "in")
    sink = ParquetSink(frame_location(tmp_path / "out"), ("day",), "jr_fused-1")
    sink.start()
    outcome = write_plan(executor, frame.plan, None, sink, lambda meta, reads: None, lambda schema: None)
    assert outcome.executed.parts == []  # only metadata came back to the driver
    assert outcome.executed.num_rows == 80
    assert sum(f.records for r in outcome.results for f in r.files) == 80
    assert len({r.part_index for r in outcome.results}) == len(outcome.results)
    sink.abort()


def as_multiset(rows: list[dict[str, Any]]) -> Counter[str]:
    return Counter(json.dumps(row, sort_keys=True) for row in rows)


def frame_location(path: Path) -> Any:
    from glueworks.runtime.locations import parse_location

    return parse_location(str(path), "path")


def test_contiguous_groups_balance_by_weight() -> None:
    equal = contiguous_groups([1] * 7, 3)
    assert sorted(len(g) for g in equal) == [2, 2, 3]
    heavy = contiguous_groups([100, 1, 1, 1, 100, 1], 2)
    assert len(heavy) == 2 and 0 in heavy[0] and 4 in heavy[1]  # the two heavy splits go to different writers
    assert contiguous_groups([5, 5], 4) == [range(0, 1), range(1, 2)]
    assert contiguous_groups([], 2) == []
    groups = contiguous_groups([3, 1, 4, 1, 5, 9, 2, 6], 3)
    assert len(groups) == 3 and [i for g in groups for i in g] == list(range(8))


@pytest.mark.ray
@pytest.mark.parametrize("parallelism", [1, 2])
def test_ray_runs_never_exceed_their_capacity(ray_cluster: None, tmp_path: Path, parallelism: int) -> None:
    for f in range(6):
        write_json_lines(tmp_path / "in" / f"f{f}.json", [{"id": f}])
    counter = tmp_path / "counter.json"
    counter.write_text("[0, 0]")
    path = str(counter)

    def step(delta: int) -> None:
        with open(path, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            active, peak = json.loads(handle.read())
            active += delta
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps([active, max(peak, active)]))

    def in_flight(record: dict[str, Any]) -> bool:
        step(1)
        time.sleep(0.2)  # overlap with whatever other task runs now
        step(-1)
        return True

    glue = GlueContext(executor=RayExecutor(parallelism), run_context=JobRunContext.standalone())
    frame = read_json(glue, tmp_path / "in").filter(in_flight)
    assert frame.count() == 6  # six split tasks on a 2-CPU cluster
    write(glue, frame.map(lambda r: {**r, "day": "d0"}), tmp_path / "out")
    _, peak = json.loads(counter.read_text())
    assert 1 <= peak <= parallelism
    assert os.path.isdir(tmp_path / "out" / "day=d0")


def test_a_split_of_only_bad_lines_writes_nothing_and_keeps_its_errors(executor: Executor, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "in" / "a-bad.json", [b"{nope", b"[1, 2"])
    write_json_lines(tmp_path / "in" / "b-good.json", [{"id": i, "day": DAYS[i % 3]} for i in range(9)])
    ctx = JobRunContext.standalone()
    glue = GlueContext(executor=executor, run_context=ctx)
    frame = read_json(glue, tmp_path / "in")
    write(glue, frame, tmp_path / "out")
    files, rows = parquet_rows(tmp_path / "out")
    assert sorted(r["id"] for r in rows) == list(range(9))
    assert len(files) == len(DAYS)
    assert [(e.file.rsplit("/", 1)[-1], e.line) for e in ctx.error_records] == [("a-bad.json", 1), ("a-bad.json", 2)]


def test_a_missing_partition_key_fails_the_write_naming_it(executor: Executor, tmp_path: Path) -> None:
    make_events(tmp_path / "in", files=2, per_file=5)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone())
    with pytest.raises(InvalidOptionError, match=r"partitionKeys.*'country' is not a column"):
        glue.write_dynamic_frame.from_options(
            frame=read_json(glue, tmp_path / "in"),
            connection_type="s3",
            connection_options={"path": str(tmp_path / "out"), "partitionKeys": ["country"]},
            format="parquet",
        )
    assert not list((tmp_path / "out").rglob("*.parquet"))



@pytest.mark.parametrize("strategy", ["shuffle", "broadcast"])
def test_a_written_join_is_joined_in_its_writer_tasks(executor: Executor, strategy: str, tmp_path: Path) -> None:
    from glueworks.runtime import DynamicFrame
    from glueworks.runtime.plan import FromTables

    if strategy == "shuffle":
        executor.broadcast_join_bytes = -1
    events = make_events(tmp_path / "in", files=4, per_file=30)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone())
    days = pa.table({"key": list(DAYS), "label": ["zero", "one", "two"]})
    labels = DynamicFrame(FromTables("labels", (days,)), glue)
    # `tag` is a number for one day and a string for the others: shuffle buckets holding different days
    # make blocks of different schemas, so writers that saw only some days rewrite with the frame schema.
    # A broadcast's buckets are runs of input files, each holding every day.
    joined = read_json(glue, tmp_path / "in").join("day", "key", labels).drop_fields(["key"])
    tagged = joined.map(lambda r: {**r, "tag": 0 if r["day"] == "d0" else "other"})
    sink = ParquetSink(frame_location(tmp_path / "out"), ("day",), "jr_join-1")
    sink.start()
    outcome = write_plan(executor, tagged.plan, None, sink, lambda meta, reads: None, lambda schema: None)
    sink.commit(outcome.results)
    assert outcome.executed.parts == []  # joined rows went to files, not back as parts
    files, rows = parquet_rows(tmp_path / "out")
    assert len(files) <= executor.max_parallelism * len(DAYS)
    assert len({pq.read_schema(p).remove_metadata().to_string() for p in files}) == 1
    label = dict(zip(DAYS, ["zero", "one", "two"], strict=True))
    expected = [{**e, "label": label[e["day"]]} for e in events]
    got = [{k: v for k, v in r.items() if k != "tag"} for r in rows]
    assert as_multiset(got) == as_multiset(expected)
    tags = {(r["day"], json.dumps(r["tag"], sort_keys=True)) for r in rows}
    other = '{"int": null, "string": "other"}'
    assert tags == {("d0", '{"int": 0, "string": null}'), ("d1", other), ("d2", other)}
