"""drop_fields on both executors: nested and back-ticked paths, unknown paths, the class form."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import DropFields
from tests.runtime.conftest import as_rows, read_json, rows, write_json_lines

RECORDS = [
    {"id": 1, "name": "a", "addr": {"city": "Oslo", "zip": "0150"}, "a.b": 10},
    {"id": 2, "name": "b", "addr": {"city": "Rome", "zip": "00100"}, "a.b": 20},
    {"id": 3},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:2]), write_json_lines(tmp_path / "2.json", RECORDS[2:])
    )


def test_drops_top_level_and_back_ticked_fields(frame: DynamicFrame) -> None:
    dropped = frame.drop_fields(["name", "`a.b`"])
    assert dropped.schema().names == ["id", "addr"]
    assert rows(dropped) == as_rows(
        [
            {"id": 1, "addr": {"city": "Oslo", "zip": "0150"}},
            {"id": 2, "addr": {"city": "Rome", "zip": "00100"}},
            {"id": 3, "addr": None},
        ]
    )


def test_a_nested_path_drops_only_that_child(frame: DynamicFrame) -> None:
    dropped = frame.drop_fields(["addr.zip"])
    addr = dropped.schema().field("addr").type
    assert [addr.field(i).name for i in range(addr.num_fields)] == ["city"]
    assert sorted(r["addr"]["city"] for r in dropped.toDF().to_pylist() if r["addr"]) == ["Oslo", "Rome"]


def test_dropping_every_child_drops_the_struct(frame: DynamicFrame) -> None:
    dropped = frame.drop_fields(["addr.zip", "addr.city"])
    assert dropped.schema().names == ["id", "name", "a.b"]
    assert dropped.count() == 3


def test_an_unknown_path_is_ignored_as_in_glue(frame: DynamicFrame) -> None:
    dropped = frame.drop_fields(["nope", "addr.nope", "id.nope"])
    assert rows(dropped) == rows(frame)


def test_the_class_form_matches_the_method(frame: DynamicFrame) -> None:
    assert rows(DropFields.apply(frame=frame, paths=["addr"])) == rows(frame.drop_fields(["addr"]))


def test_bad_paths_name_the_option(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=r"^paths: must be a non-empty list"):
        frame.drop_fields([])
    with pytest.raises(InvalidOptionError, match=r"^paths\[1\]: unclosed back-tick"):
        frame.drop_fields(["id", "`a.b"])
