"""resolveChoice on both executors: cast, project, make_struct, make_cols, choice=."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.gluetypes import is_choice
from tests.runtime.conftest import read_json, write_json_lines


@pytest.fixture
def drifting(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    # File a: n is int, then a string; file b: n is only a string. s.k drifts in a nested struct.
    write_json_lines(tmp_path / "in" / "a.json", [{"id": 1, "n": 5, "s": {"k": 1}}, {"id": 2, "n": "7"}])
    write_json_lines(tmp_path / "in" / "b.json", [{"id": 3, "n": "x", "s": {"k": "v"}}, {"id": 4}])
    return read_json(glue_ctx, tmp_path / "in")


def column(frame: DynamicFrame, name: str) -> list[object]:
    values: list[object] = frame.toDF().sort_by("id").column(name).to_pylist()
    return values


def test_cast_long_resolves_across_blocks(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(specs=[("n", "cast:long")])
    assert resolved.schema().field("n").type == pa.int64()
    assert column(resolved, "n") == [5, 7, None, None]


def test_cast_string(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(specs=[("n", "cast:string")])
    assert column(resolved, "n") == ["5", "7", "x", None]


def test_project_keeps_only_values_of_that_type(drifting: DynamicFrame) -> None:
    assert column(drifting.resolveChoice(specs=[("n", "project:int")]), "n") == [5, None, None, None]
    assert column(drifting.resolveChoice(specs=[("n", "project:string")]), "n") == [None, "7", "x", None]


def test_make_struct_gives_one_child_per_type(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(specs=[("n", "make_struct")])
    field = resolved.schema().field("n")
    assert not is_choice(field)
    assert field.type == pa.struct([("int", pa.int32()), ("string", pa.string())])
    assert column(resolved, "n") == [
        {"int": 5, "string": None},
        {"int": None, "string": "7"},
        {"int": None, "string": "x"},
        None,
    ]


def test_make_cols_splits_into_typed_columns(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(specs=[("n", "make_cols")])
    schema = resolved.schema()
    assert "n" not in schema.names
    assert schema.field("n_int").type == pa.int32() and schema.field("n_string").type == pa.string()
    assert column(resolved, "n_int") == [5, None, None, None]
    assert column(resolved, "n_string") == [None, "7", "x", None]


def test_nested_path(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(specs=[("s.k", "cast:string")])
    assert resolved.schema().field("s").type == pa.struct([("k", pa.string())])
    assert column(resolved, "s") == [{"k": "1"}, None, {"k": "v"}, None]


def test_choice_resolves_every_choice_in_the_frame(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(choice="cast:string")
    schema = resolved.schema()
    assert schema.field("n").type == pa.string()
    assert schema.field("s").type == pa.struct([("k", pa.string())])
    assert schema.field("id").type == pa.int32()  # not a choice: untouched


def test_a_missing_path_leaves_the_frame_unchanged(drifting: DynamicFrame) -> None:
    resolved = drifting.resolveChoice(specs=[("absent", "cast:long")])
    assert resolved.schema() == drifting.schema()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "^specs: pass specs"),
        ({"specs": [("n", "cast:long")], "choice": "make_cols"}, "^specs: pass either"),
        ({"specs": [("n", "cast")]}, r"^specs\[0\]: cast needs a type"),
        ({"specs": [("n", "explode")]}, r"^specs\[0\]: unknown action"),
        ({"specs": [("n", "cast:widget")]}, r"^specs\[0\]: unknown type"),
        ({"specs": [("n", "match_catalog")]}, r"^specs\[0\]: match_catalog needs the Data Catalog"),
        ({"specs": [("a[].b", "make_cols")]}, r"^specs\[0\]: make_cols cannot split a field inside an array"),
        ({"specs": ["n"]}, r"^specs\[0\]: must be a \(path, action\) tuple"),
        ({"specs": [("n", "make_struct:int")]}, r"^specs\[0\]: make_struct takes no type"),
    ],
)
def test_bad_specs_are_refused_naming_the_option(
    local_ctx: GlueContext, tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"n": 1}]))
    with pytest.raises(InvalidOptionError, match=message):
        frame.resolveChoice(**kwargs)  # type: ignore[arg-type]
