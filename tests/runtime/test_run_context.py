"""The job run context: activation, error records at finish, validation."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor, RayExecutor, activate, current_context
from tests.runtime.conftest import read_json, write_json_lines


def make(**overrides: object) -> JobRunContext:
    fields: dict[str, object] = {
        "run_id": "jr_1",
        "job_name": "job",
        "attempt": 1,
        "executor": "local",
        "max_parallelism": 2,
        "error_records_location": None,
    }
    fields.update(overrides)
    return JobRunContext(**fields)  # type: ignore[arg-type]


def test_glue_context_picks_up_the_active_run() -> None:
    ctx = make(executor="ray", max_parallelism=3)
    assert current_context() is None
    with activate(ctx) as active:
        assert active is ctx and current_context() is ctx
        glue = GlueContext()
        assert glue.run_context is ctx
        assert isinstance(glue.executor, RayExecutor) and glue.executor.max_parallelism == 3
        seen: list[JobRunContext | None] = []
        worker = threading.Thread(target=lambda: seen.append(current_context()))
        worker.start()
        worker.join()
        assert seen == [ctx]  # threads without their own context fall back to the process's
    assert current_context() is None
    standalone = GlueContext()
    assert isinstance(standalone.executor, LocalExecutor)
    assert standalone.run_context is not ctx and not standalone.run_context.defer_commit


def test_nested_activation_restores_the_outer_context() -> None:
    outer, inner = make(run_id="a"), make(run_id="b")
    with activate(outer):
        with activate(inner):
            assert current_context() is inner
        assert current_context() is outer


def test_finish_writes_error_records_as_json_lines(tmp_path: Path) -> None:
    location = tmp_path / "errors" / "jr_1.jsonl"
    ctx = make(error_records_location=str(location))
    glue = GlueContext(run_context=ctx)
    source = write_json_lines(tmp_path / "a.json", [{"a": 1}, b"{oops", {"a": 2}, b"\xff"])
    frame = read_json(glue, source)
    assert frame.count() == 2
    assert frame.count() == 2  # evaluated twice, still counted once
    snapshot = ctx.finish()
    assert snapshot["records_read"] == 2 and snapshot["error_records"] == 2
    assert snapshot["error_records_location"] == str(location)
    lines = [json.loads(line) for line in location.read_text().splitlines()]
    assert [(e["file"], e["line"]) for e in lines] == [(str(source), 2), (str(source), 4)]
    assert all(e["run_id"] == "jr_1" and e["reason"] and "raw" in e for e in lines)
    assert lines[0]["raw"] == "{oops"
    assert ctx.finish() == snapshot  # idempotent


def test_no_error_records_no_file(tmp_path: Path) -> None:
    location = tmp_path / "errors.jsonl"
    ctx = make(error_records_location=str(location))
    assert ctx.finish()["error_records_location"] is None
    assert not location.exists()


def test_a_folder_location_gets_one_file_per_attempt(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "error_records"
    for attempt in (0, 1):
        ctx = make(attempt=attempt, error_records_location=str(folder))
        frame = read_json(GlueContext(run_context=ctx), write_json_lines(tmp_path / "a.json", [b"nope", {"a": 1}]))
        assert frame.errorsCount() == 1
        assert ctx.finish()["error_records_location"] == str(folder / f"jr_1-{attempt}.jsonl")
    assert sorted(p.name for p in folder.iterdir()) == ["jr_1-0.jsonl", "jr_1-1.jsonl"]
    assert json.loads((folder / "jr_1-0.jsonl").read_text())["raw"] == "nope"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"run_id": ""}, "^run_id"),
        ({"executor": "spark"}, "^executor"),
        ({"attempt": -1}, "^attempt"),
        ({"max_parallelism": 0}, "^max_parallelism"),
        ({"error_records_location": "http://x/errors"}, "^error_records_location: scheme 'http'"),
    ],
)
def test_bad_fields_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(**overrides)


def test_glue_context_rejects_unknown_keyword_arguments() -> None:
    with pytest.raises(TypeError, match="unexpected keyword arguments: colour"):
        GlueContext(colour="blue")
    GlueContext(minPartitions=4, targetPartitions=8)


def test_an_error_record_as_a_dict_has_every_field() -> None:
    from dataclasses import asdict

    from glueworks.runtime.error_records import ErrorRecord

    record = ErrorRecord.create("s3://b/k.json", 7, "invalid JSON", "{x", stage="filter")
    assert record.to_dict() == asdict(record)


def test_error_lines_are_what_json_dumps_makes_of_each_record() -> None:
    from glueworks.runtime.error_records import ErrorRecord, json_lines

    records = [
        ErrorRecord.create("s3://b/k é.json", 7, 'invalid JSON: "x"', '{"a": "ü\\n\t\x01\\\\"', stage="filter"),
        ErrorRecord.create("/in/f.parquet", None, "schema", "☃ ∞ \u2028 \x7f"),
    ]
    expected = "".join(json.dumps({"run_id": 'jr_"1"', **e.to_dict()}, ensure_ascii=False) + "\n" for e in records)
    assert json_lines('jr_"1"', records) == expected
    assert json_lines("jr_1", []) == ""
