"""map on both executors: records in, records out; raising or returning None makes error records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glueworks.runtime import DynamicFrame, DynamicRecord, GlueContext, InvalidOptionError, LocalExecutor
from glueworks.runtime.glue_transforms import Map
from glueworks.runtime.gluetypes import format_schema
from glueworks.runtime.plan import FromTables
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [{"id": 1, "n": 2, "tags": ["a"]}, {"id": 2, "n": 0}, {"id": 3, "n": 4, "tags": []}]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:2]), write_json_lines(tmp_path / "2.json", RECORDS[2:])
    )


def add_fields(record: DynamicRecord) -> dict[str, Any]:
    record["double"] = record["n"] * 2
    record["nested"] = {"id": record.id}
    del record["tags"]
    return record


def test_each_record_is_replaced_by_the_result(frame: DynamicFrame) -> None:
    mapped = frame.map(add_fields)
    assert sorted(mapped.toDF().to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "n": 2, "double": 4, "nested": {"id": 1}},
        {"id": 2, "n": 0, "double": 0, "nested": {"id": 2}},
        {"id": 3, "n": 4, "double": 8, "nested": {"id": 3}},
    ]
    assert format_schema(mapped.schema()) == (
        "root\n|-- id: int\n|-- n: int\n|-- double: int\n|-- nested: struct\n|    |-- id: int"
    )
    assert mapped.errorsCount() == 0


def test_a_function_that_raises_makes_an_error_record(frame: DynamicFrame, tmp_path: Path) -> None:
    mapped = frame.map(lambda r: {"id": r["id"], "ratio": 8 // r["n"]})
    assert sorted(mapped.toDF().to_pylist(), key=lambda r: r["id"]) == [{"id": 1, "ratio": 4}, {"id": 3, "ratio": 2}]
    errors = mapped.errorsAsDynamicFrame().toDF().to_pylist()
    assert len(errors) == 1
    assert errors[0]["stage"] == "map"
    assert errors[0]["file"] == str(tmp_path / "1.json")
    assert errors[0]["reason"] == "map raised ZeroDivisionError: integer division or modulo by zero"
    assert json.loads(errors[0]["raw"]) == {"id": 2, "n": 0, "tags": None}


def test_returning_none_or_a_non_record_makes_an_error_record(frame: DynamicFrame) -> None:
    mapped = frame.map(lambda r: None if r["id"] == 1 else (r["id"] if r["id"] == 2 else r))
    assert [r["id"] for r in mapped.toDF().to_pylist()] == [3]
    reasons = sorted(e["reason"] for e in mapped.errorsAsDynamicFrame().toDF().to_pylist())
    assert reasons == ["map returned None", "map returned int, not a record (dict)"]
    assert mapped.errorsCount() == 2
    assert frame.errorsCount() == 0


def test_mixed_result_types_make_a_choice(frame: DynamicFrame) -> None:
    mapped = frame.map(lambda r: {"v": r["id"] if r["id"] != 2 else "two"})
    assert format_schema(mapped.schema()) == "root\n|-- v: choice\n|    |-- int\n|    |-- string"
    assert sorted(map(str, (r["v"] for r in mapped.toDF().to_pylist()))) == [
        "{'int': 1, 'string': None}",
        "{'int': 3, 'string': None}",
        "{'int': None, 'string': 'two'}",
    ]


def test_the_class_form_matches_the_method(frame: DynamicFrame) -> None:
    by_class = Map.apply(frame=frame, f=lambda r: {"id": r["id"]})
    assert sorted(r["id"] for r in by_class.toDF().to_pylist()) == [1, 2, 3]


def test_map_needs_a_callable(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=r"^f: must be callable, got str"):
        frame.map("r")  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks=st.lists(st.lists(st.integers(-20, 20), max_size=15), min_size=1, max_size=3))
def test_rows_in_equal_rows_out_plus_error_records(blocks: list[list[int]]) -> None:
    ctx = GlueContext(executor=LocalExecutor(2))
    tables = tuple(pa.table({"v": pa.array(block, pa.int64())}) for block in blocks)
    frame = DynamicFrame(FromTables("t", tables), ctx, "t")

    def f(record: DynamicRecord) -> Any:
        if record["v"] % 3 == 0:
            raise ValueError("multiple of three")
        return None if record["v"] % 3 == 1 else {"v": record["v"]}

    mapped = frame.map(f)
    total = sum(len(block) for block in blocks)
    assert mapped.count() + mapped.errorsCount() == total
    assert sorted(mapped.toDF().column("v").to_pylist() if mapped.count() else []) == sorted(
        v for block in blocks for v in block if v % 3 == 2
    )
