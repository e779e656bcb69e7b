"""resolveChoice on ``[]`` paths (Glue's ``("myList[].price", "make_struct")``) on both executors:
every element is resolved in place, and the arrays keep their lengths and nulls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.gluetypes import is_choice
from tests.runtime.conftest import read_json, write_json_lines

RECORDS: list[dict[str, Any]] = [
    {"id": 1, "myList": [{"price": 5, "n": "a"}, {"price": "6.5"}], "vals": [1, "2"]},
    {"id": 2, "myList": [], "vals": None},
    {"id": 3, "myList": None, "vals": [], "grid": [[1, "x"], None, []]},
    {"id": 4, "myList": [None, {"price": "x"}], "vals": ["y", None]},
    {"id": 5, "myList": [{"price": 7}], "grid": [[2]]},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    # Two files, so each block holds a different mix of types (and the Choice forms per block).
    write_json_lines(tmp_path / "in" / "1.json", RECORDS[:2])
    write_json_lines(tmp_path / "in" / "2.json", RECORDS[2:])
    return read_json(glue_ctx, tmp_path / "in")


def by_id(frame: DynamicFrame) -> dict[Any, dict[str, Any]]:
    return {row["id"]: row for row in frame.toDF().to_pylist()}


def element_field(frame: DynamicFrame, name: str, child: str) -> pa.Field:
    list_type = frame.schema().field(name).type
    field: pa.Field = list_type.value_type.field(child)
    return field


def test_input_has_a_choice_inside_the_elements(frame: DynamicFrame) -> None:
    assert is_choice(element_field(frame, "myList", "price"))


def test_make_struct_inside_every_element_as_glue_documents(frame: DynamicFrame) -> None:
    resolved = frame.resolveChoice(specs=[("myList[].price", "make_struct")])
    price = element_field(resolved, "myList", "price")
    assert not is_choice(price)
    assert price.type == pa.struct([("int", pa.int32()), ("string", pa.string())])
    rows = by_id(resolved)
    assert rows[1]["myList"] == [
        {"price": {"int": 5, "string": None}, "n": "a"},
        {"price": {"int": None, "string": "6.5"}, "n": None},
    ]
    assert rows[2]["myList"] == []
    assert rows[3]["myList"] is None
    assert rows[4]["myList"] == [None, {"price": {"int": None, "string": "x"}, "n": None}]
    assert rows[5]["myList"] == [{"price": {"int": 7, "string": None}, "n": None}]


def test_cast_inside_an_array_of_structs(frame: DynamicFrame) -> None:
    resolved = frame.resolveChoice(specs=[("myList[].price", "cast:double")])
    assert element_field(resolved, "myList", "price").type == pa.float64()
    rows = by_id(resolved)
    prices = {i: [e and e["price"] for e in (rows[i]["myList"] or [])] for i in rows}
    # "x" cannot be a double: null, as for a top-level cast; the element itself is kept.
    assert prices == {1: [5.0, 6.5], 2: [], 3: [], 4: [None, None], 5: [7.0]}
    assert rows[1]["myList"][0]["n"] == "a"  # siblings untouched


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("project:int", {1: [5, None], 4: [None, None], 5: [7]}),
        ("project:string", {1: [None, "6.5"], 4: [None, "x"], 5: [None]}),
    ],
)
def test_project_inside_an_array_of_structs(frame: DynamicFrame, action: str, expected: dict[int, list[Any]]) -> None:
    rows = by_id(frame.resolveChoice(specs=[("myList[].price", action)]))
    got = {i: [e and e["price"] for e in rows[i]["myList"]] for i in expected}
    assert got == expected


def test_elements_of_a_plain_array_and_of_nested_arrays(frame: DynamicFrame) -> None:
    resolved = frame.resolveChoice(specs=[("vals[]", "cast:string"), ("grid[][]", "cast:long")])
    schema = resolved.schema()
    assert schema.field("vals").type.value_type == pa.string()
    assert schema.field("grid").type.value_type.value_type == pa.int64()
    rows = by_id(resolved)
    assert [rows[i]["vals"] for i in sorted(rows)] == [["1", "2"], None, [], ["y", None], None]
    assert rows[3]["grid"] == [[1, None], None, []]
    assert rows[5]["grid"] == [[2]]


def test_choice_inside_the_elements_alongside_a_top_level_spec(frame: DynamicFrame) -> None:
    resolved = frame.resolveChoice(specs=[("id", "cast:string"), ("myList[].price", "cast:string")])
    rows = by_id(resolved)
    assert sorted(rows) == ["1", "2", "3", "4", "5"]
    assert rows["1"]["myList"] == [{"price": "5", "n": "a"}, {"price": "6.5", "n": None}]


def test_an_array_path_that_does_not_fit_leaves_the_frame_unchanged(frame: DynamicFrame) -> None:
    for path in ("id[].x", "myList[].absent", "myList[].price[]"):
        assert frame.resolveChoice(specs=[(path, "cast:long")]).schema() == frame.schema()


@pytest.mark.parametrize(
    ("path", "action", "message"),
    [
        ("myList[].price", "make_cols", r"^specs\[0\]: make_cols cannot split a field inside an array"),
        ("vals[]", "make_cols", r"^specs\[0\]: make_cols cannot split"),
        ("myList[0].price", "cast:long", r"^specs\[0\]: malformed brackets"),
        ("[].price", "cast:long", r"^specs\[0\]: \[\] must follow a field name"),
    ],
)
def test_bad_array_specs_name_the_spec(frame: DynamicFrame, path: str, action: str, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        frame.resolveChoice(specs=[(path, action)])
