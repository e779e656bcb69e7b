"""filter on both executors: the predicate sees records; Glue's exception rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueworks.runtime import GlueContext, InvalidOptionError
from tests.runtime.conftest import read_json, write_json_lines


def test_filter_keeps_matching_records_and_sees_choice_values(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", [{"id": 1, "n": 5}, {"id": 2, "n": "50"}, {"id": 3, "n": 500}])
    frame = read_json(glue_ctx, path)
    kept = frame.filter(lambda r: int(r["n"]) > 10)
    assert sorted(kept.toDF().column("id").to_pylist()) == [2, 3]
    assert kept.errorsCount() == 0


def test_key_value_and_type_errors_reject_the_record(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", [{"id": 1, "n": 5}, {"id": 2}, {"id": 3, "n": None}])
    kept = read_json(glue_ctx, path).filter(lambda r: r["n"] > 1)
    assert kept.toDF().column("id").to_pylist() == [1]
    assert kept.errorsCount() == 0


def test_other_exceptions_make_error_records(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", [{"id": 1, "n": 2}, {"id": 2, "n": 0}, {"id": 3, "n": 4}])
    frame = read_json(glue_ctx, path)
    kept = frame.filter(lambda r: 8 / r["n"] > 1)
    assert sorted(kept.toDF().column("id").to_pylist()) == [1, 3]
    errors = kept.errorsAsDynamicFrame().toDF().to_pylist()
    assert len(errors) == 1
    assert errors[0]["stage"] == "filter"
    assert errors[0]["file"] == str(path)
    assert errors[0]["reason"] == "filter raised ZeroDivisionError: division by zero"
    assert '"id": 2' in errors[0]["raw"]
    assert frame.errorsCount() == 0  # the parent frame has no such error


def test_records_allow_attribute_access(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", [{"kind": "a"}, {"kind": "b"}])
    kept = read_json(glue_ctx, path).filter(lambda r: r.kind == "b")
    assert kept.toDF().column("kind").to_pylist() == ["b"]


def test_filter_needs_a_callable(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"a": 1}]))
    with pytest.raises(InvalidOptionError, match=r"^f: must be callable"):
        frame.filter("a > 1")  # type: ignore[arg-type]
