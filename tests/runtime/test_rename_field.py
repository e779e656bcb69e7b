"""rename_field on both executors: top-level, nested, back-ticked, moves, unknown paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import RenameField
from tests.runtime.conftest import as_rows, read_json, rows, write_json_lines

RECORDS = [
    {"id": 1, "addr": {"city": "Oslo", "zip": "0150"}, "this.old.name": "x"},
    {"id": 2, "addr": {"city": "Rome", "zip": "00100"}, "this.old.name": "y"},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:1]), write_json_lines(tmp_path / "2.json", RECORDS[1:])
    )


def test_renames_a_top_level_field_in_place(frame: DynamicFrame) -> None:
    renamed = frame.rename_field("id", "key")
    assert renamed.schema().names == ["key", "addr", "this.old.name"]
    assert sorted(r["key"] for r in renamed.toDF().to_pylist()) == [1, 2]


def test_renames_a_back_ticked_name_as_in_the_glue_docs(frame: DynamicFrame) -> None:
    renamed = frame.rename_field("`this.old.name`", "thisNewName")
    assert renamed.schema().names == ["id", "addr", "thisNewName"]
    assert sorted(r["thisNewName"] for r in renamed.toDF().to_pylist()) == ["x", "y"]


def test_renames_a_nested_field_inside_its_struct(frame: DynamicFrame) -> None:
    renamed = frame.rename_field("addr.zip", "addr.postcode")
    assert rows(renamed) == as_rows(
        [
            {"id": 1, "addr": {"city": "Oslo", "postcode": "0150"}, "this.old.name": "x"},
            {"id": 2, "addr": {"city": "Rome", "postcode": "00100"}, "this.old.name": "y"},
        ]
    )


def test_a_new_path_elsewhere_moves_the_field_and_creates_parents(frame: DynamicFrame) -> None:
    moved = frame.rename_field("addr.city", "place.town")
    assert rows(moved) == as_rows(
        [
            {"id": 1, "addr": {"zip": "0150"}, "this.old.name": "x", "place": {"town": "Oslo"}},
            {"id": 2, "addr": {"zip": "00100"}, "this.old.name": "y", "place": {"town": "Rome"}},
        ]
    )
    pulled_up = frame.rename_field("addr.city", "city")
    assert sorted(r["city"] for r in pulled_up.toDF().to_pylist()) == ["Oslo", "Rome"]


def test_an_existing_field_at_the_new_path_is_replaced(frame: DynamicFrame) -> None:
    renamed = frame.rename_field("`this.old.name`", "id")
    assert renamed.schema().names == ["id", "addr"]
    assert sorted(r["id"] for r in renamed.toDF().to_pylist()) == ["x", "y"]


def test_an_unknown_old_path_changes_nothing_as_in_glue(frame: DynamicFrame) -> None:
    assert rows(frame.rename_field("nope", "other")) == rows(frame)
    assert rows(frame.rename_field("addr.nope", "addr.other")) == rows(frame)


def test_the_class_form_matches_the_method(frame: DynamicFrame) -> None:
    by_class = RenameField.apply(frame=frame, old_name="id", new_name="key")
    assert rows(by_class) == rows(frame.rename_field("id", "key"))


def test_bad_names_name_the_option(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    with pytest.raises(InvalidOptionError, match=r"^oldName: a field path must be a non-empty string"):
        frame.rename_field("", "x")
    with pytest.raises(InvalidOptionError, match=r"^newName: empty name"):
        frame.rename_field("id", "a.")
    with pytest.raises(InvalidOptionError, match=r"^newName: 'addr.city.x' lies inside"):
        frame.rename_field("addr.city", "addr.city.x")
