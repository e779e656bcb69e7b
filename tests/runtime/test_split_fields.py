"""split_fields on both executors: two frames that together hold every field of every record."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueworks.runtime import DynamicFrame, DynamicFrameCollection, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import SplitFields
from tests.runtime.conftest import as_rows, read_json, rows, write_json_lines

RECORDS = [
    {"id": 1, "name": "a", "addr": {"city": "Oslo", "zip": "0150"}},
    {"id": 2, "name": "b", "addr": {"city": "Rome", "zip": "00100"}},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:1]), write_json_lines(tmp_path / "2.json", RECORDS[1:])
    )


def test_the_named_fields_go_to_name1_and_the_rest_to_name2(frame: DynamicFrame) -> None:
    parts = frame.split_fields(["id", "addr.city"], "keys", "rest")
    assert isinstance(parts, DynamicFrameCollection)
    assert list(parts.keys()) == ["keys", "rest"]
    assert parts["keys"].name == "keys"
    assert rows(parts["keys"]) == as_rows([{"id": 1, "addr": {"city": "Oslo"}}, {"id": 2, "addr": {"city": "Rome"}}])
    assert rows(parts["rest"]) == as_rows(
        [{"name": "a", "addr": {"zip": "0150"}}, {"name": "b", "addr": {"zip": "00100"}}]
    )
    assert parts["keys"].count() == parts["rest"].count() == frame.count()


def test_the_class_form_names_frames_like_glue(frame: DynamicFrame) -> None:
    frame.name = "people"
    parts = SplitFields.apply(frame=frame, paths=["id"])
    assert list(parts.keys()) == ["people_1", "people_2"]
    named = SplitFields.apply(frame=frame, paths=["id"], name1="a", name2="b")
    assert rows(named["a"]) == rows(parts["people_1"])


def test_bad_names_and_paths_name_the_option(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=r"^name2: must differ from name1"):
        frame.split_fields(["id"], "x", "x")
    with pytest.raises(InvalidOptionError, match=r"^name1: must be a non-empty string"):
        frame.split_fields(["id"], "", "x")
    with pytest.raises(InvalidOptionError, match=r"^paths: must be a non-empty list"):
        frame.split_fields([], "x", "y")
