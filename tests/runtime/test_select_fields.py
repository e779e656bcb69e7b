"""select_fields on both executors: nested and back-ticked paths, unknown paths, the class form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import SelectFields
from glueworks.runtime.gluetypes import format_schema
from tests.runtime.conftest import as_rows, read_json, rows, write_json_lines

RECORDS = [
    {"id": 1, "name": "a", "addr": {"city": "Oslo", "zip": "0150"}, "a.b": 10},
    {"id": 2, "name": "b", "addr": {"city": "Rome", "zip": "00100"}, "a.b": 20},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    # Two files: two splits, so both executors run more than one task.
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:1]), write_json_lines(tmp_path / "2.json", RECORDS[1:])
    )


def test_keeps_only_the_listed_top_level_fields(frame: DynamicFrame) -> None:
    selected = frame.select_fields(["name", "id"])
    assert rows(selected) == as_rows([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    assert selected.schema().names == ["name", "id"]


def test_a_nested_path_keeps_only_that_child(frame: DynamicFrame) -> None:
    selected = frame.select_fields(["addr.city", "`a.b`"])
    assert rows(selected) == as_rows([{"addr": {"city": "Oslo"}, "a.b": 10}, {"addr": {"city": "Rome"}, "a.b": 20}])
    assert format_schema(selected.schema()) == "root\n|-- addr: struct\n|    |-- city: string\n|-- a.b: int"


def test_a_parent_and_its_child_select_the_whole_parent(frame: DynamicFrame) -> None:
    selected = frame.select_fields(["addr", "addr.zip"])
    assert rows(selected) == as_rows([{"addr": r["addr"]} for r in RECORDS])


def test_an_unknown_path_selects_nothing_as_in_glue(frame: DynamicFrame) -> None:
    # Glue has no schema up front, so a path no record has is not an error: it selects nothing.
    selected = frame.select_fields(["id", "nope", "addr.nope"])
    assert rows(selected) == as_rows([{"id": 1}, {"id": 2}])
    only_unknown = frame.select_fields(["nope"])
    assert only_unknown.count() == 2  # the records remain, with no fields
    assert only_unknown.schema().names == []


def test_the_class_form_matches_the_method(frame: DynamicFrame) -> None:
    assert rows(SelectFields.apply(frame=frame, paths=["id"])) == rows(frame.select_fields(["id"]))


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        ([], r"^paths: must be a non-empty list"),
        ("id", r"^paths: must be a non-empty list"),
        (["a..b"], r"^paths\[0\]"),
    ],
)
def test_bad_paths_name_the_option(local_ctx: GlueContext, tmp_path: Path, paths: Any, message: str) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=message):
        frame.select_fields(paths)
