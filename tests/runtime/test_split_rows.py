"""split_rows on both executors: Glue's comparison dict, nulls, Choices, conservation of rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, LocalExecutor
from glueworks.runtime.glue_transforms import SplitRows
from glueworks.runtime.plan import FromTables
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [
    {"id": 1, "age": 5, "info": {"city": "Oslo"}},
    {"id": 2, "age": 15, "info": {"city": "Rome"}},
    {"id": 3, "age": 19, "info": {"city": "Oslo"}},
    {"id": 4, "age": 20},
    {"id": 5, "age": None},
    {"id": 6},
]


def ids(frame: DynamicFrame) -> list[int]:
    return sorted(r["id"] for r in frame.toDF().to_pylist())


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:3]), write_json_lines(tmp_path / "2.json", RECORDS[3:])
    )


def test_every_comparison_must_hold_and_the_rest_goes_to_name2(frame: DynamicFrame) -> None:
    parts = frame.split_rows({"age": {">": 10, "<": 20}}, "teens", "others")
    assert list(parts.keys()) == ["teens", "others"]
    assert ids(parts["teens"]) == [2, 3]
    # Null and missing values do not match: they land in the second frame.
    assert ids(parts["others"]) == [1, 4, 5, 6]


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [("=", 15, [2]), ("==", 15, [2]), ("!=", 15, [1, 3, 4]), ("<=", 15, [1, 2]), (">=", 19, [3, 4])],
)
def test_each_operator(frame: DynamicFrame, op: str, value: int, expected: list[int]) -> None:
    assert ids(frame.split_rows({"age": {op: value}}, "a", "b")["a"]) == expected


def test_nested_paths_and_strings_compare(frame: DynamicFrame) -> None:
    parts = frame.split_rows({"info.city": {"=": "Oslo"}, "id": {">": 1}}, "a", "b")
    assert ids(parts["a"]) == [3]
    assert ids(parts["b"]) == [1, 2, 4, 5, 6]


def test_a_value_of_another_kind_never_matches(frame: DynamicFrame) -> None:
    parts = frame.split_rows({"age": {"=": "15"}}, "a", "b")
    assert ids(parts["a"]) == []
    assert ids(parts["b"]) == [1, 2, 3, 4, 5, 6]


def test_a_choice_matches_by_its_member_of_the_constants_kind(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "c.json", [{"id": 1, "n": 5}, {"id": 2, "n": "x"}, {"id": 3, "n": 50}])
    frame = read_json(glue_ctx, path)
    assert ids(frame.split_rows({"n": {">": 10}}, "a", "b")["a"]) == [3]
    assert ids(frame.split_rows({"n": {"=": "x"}}, "a", "b")["a"]) == [2]


def test_the_class_form_has_glues_default_names(frame: DynamicFrame) -> None:
    parts = SplitRows.apply(frame=frame, comparison_dict={"age": {"<": 10}})
    assert list(parts.keys()) == ["frame1", "frame2"]
    assert ids(parts["frame1"]) == [1]


@pytest.mark.parametrize(
    ("comparisons", "message"),
    [
        ({}, r"^comparison_dict: must be a non-empty dict"),
        ({"age": 10}, r"^comparison_dict\['age'\]: must be a non-empty dict of operator"),
        ({"age": {"~": 1}}, r"^comparison_dict\['age'\]: unknown operator '~'"),
        ({"age": {"<": None}}, r"^comparison_dict\['age'\]: the value for '<' must be a scalar"),
        ({"a..b": {"<": 1}}, r"^comparison_dict\['a..b'\]: empty name"),
    ],
)
def test_bad_comparisons_name_the_entry(local_ctx: GlueContext, tmp_path: Path, comparisons: Any, message: str) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=message):
        frame.split_rows(comparisons, "a", "b")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blocks=st.lists(st.lists(st.one_of(st.none(), st.integers(-50, 50)), max_size=20), min_size=1, max_size=3),
    op=st.sampled_from(["<", ">", "=", "!=", "<=", ">="]),
    value=st.integers(-50, 50),
)
def test_every_record_lands_in_exactly_one_frame(blocks: list[list[int | None]], op: str, value: int) -> None:
    import pyarrow as pa

    ctx = GlueContext(executor=LocalExecutor(2))
    tables = tuple(pa.table({"v": pa.array(block, pa.int64())}) for block in blocks)
    frame = DynamicFrame(FromTables("t", tables), ctx, "t")
    parts = frame.split_rows({"v": {op: value}}, "a", "b")
    matched = parts["a"].toDF().column("v").to_pylist()
    rest = parts["b"].toDF().column("v").to_pylist()
    everything = [v for block in blocks for v in block]
    assert sorted(matched + rest, key=repr) == sorted(everything, key=repr)
    checks = {"<": int.__lt__, ">": int.__gt__, "=": int.__eq__, "!=": int.__ne__, "<=": int.__le__, ">=": int.__ge__}
    assert all(v is not None and checks[op](v, value) for v in matched)
    assert all(v is None or not checks[op](v, value) for v in rest)
