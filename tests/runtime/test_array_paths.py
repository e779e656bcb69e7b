"""Array paths (``items[].sku``) and back-ticked names in apply_mapping and select_fields, on both
executors: values inside arrays are mapped, renamed and cast, keeping each record's array shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import ApplyMapping
from tests.runtime.conftest import read_json, write_json_lines

ORDERS: list[dict[str, Any]] = [
    {"id": 1, "items": [{"sku": "a", "qty": "2"}, {"sku": "b", "qty": 3}], "tags": ["x", "y"], "a.b": 7},
    {"id": 2, "items": [], "tags": None, "grid": [[1, 2], [3]], "a.b": 8},
    {"id": 3, "items": None, "tags": [], "grid": [[], None, [4]]},
    {"id": 4, "items": [{"sku": "c"}, None], "tags": ["z"]},
]


@pytest.fixture
def orders(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    # Two files, so blocks differ (grid and `a.b` are missing from some).
    write_json_lines(tmp_path / "in" / "1.json", ORDERS[:2])
    write_json_lines(tmp_path / "in" / "2.json", ORDERS[2:])
    return read_json(glue_ctx, tmp_path / "in")


def by_id(frame: DynamicFrame) -> dict[Any, dict[str, Any]]:
    return {row["id"]: row for row in frame.toDF().to_pylist()}


def test_a_field_of_each_element_maps_to_an_array_of_values(orders: DynamicFrame) -> None:
    mapped = orders.apply_mapping([("id", "long", "id", "long"), ("items[].sku", "string", "skus[]", "string")])
    assert mapped.schema().field("skus").type == pa.list_(pa.string())
    rows = by_id(mapped)
    assert {key: row["skus"] for key, row in rows.items()} == {1: ["a", "b"], 2: [], 3: None, 4: ["c", None]}


def test_fields_inside_array_elements_are_renamed_cast_and_regrouped(orders: DynamicFrame) -> None:
    mapped = ApplyMapping.apply(
        frame=orders,
        mappings=[
            ("id", "long", "id", "long"),
            ("items[].sku", "string", "lines[].code", "string"),
            ("items[].qty", "long", "lines[].quantity", "int"),
        ],
    )
    element = pa.struct([("code", pa.string()), ("quantity", pa.int32())])
    assert mapped.schema().field("lines").type == pa.list_(element)
    rows = by_id(mapped)
    # "2" casts to 2 (Glue's non-ANSI cast); a missing qty and a null element give null fields.
    assert rows[1]["lines"] == [{"code": "a", "quantity": 2}, {"code": "b", "quantity": 3}]
    assert rows[2]["lines"] == []
    assert rows[3]["lines"] is None
    assert rows[4]["lines"] == [{"code": "c", "quantity": None}, {"code": None, "quantity": None}]
    assert set(mapped.toDF().column_names) == {"id", "lines"}  # only mapped fields survive


def test_elements_of_a_plain_array_cast_and_nested_arrays_keep_their_shape(orders: DynamicFrame) -> None:
    mapped = orders.apply_mapping(
        [
            ("id", "long", "id", "long"),
            ("tags[]", "string", "labels[]", "string"),
            ("grid[][]", "long", "cells[][]", "string"),
        ]
    )
    assert mapped.schema().field("cells").type == pa.list_(pa.list_(pa.string()))
    rows = by_id(mapped)
    assert {key: row["labels"] for key, row in rows.items()} == {1: ["x", "y"], 2: None, 3: [], 4: ["z"]}
    assert rows[2]["cells"] == [["1", "2"], ["3"]]
    assert rows[3]["cells"] == [[], None, ["4"]]
    assert rows[1]["cells"] is None  # its block has no grid: null once conformed


def test_back_ticked_names_with_dots_and_brackets(glue_ctx: GlueContext, tmp_path: Path) -> None:
    records = [{"a.b": 1, "x[]": "p", "s": {"c.d": [{"e": 5}]}}]
    frame = read_json(glue_ctx, write_json_lines(tmp_path / "q.json", records))
    mapped = frame.apply_mapping(
        [
            ("`a.b`", "long", "ab", "string"),
            ("`x[]`", "string", "x", "string"),
            ("s.`c.d`[].e", "long", "`e.list`[]", "long"),
        ]
    )
    assert mapped.toDF().to_pylist() == [{"ab": "1", "x": "p", "e.list": [5]}]


def test_select_fields_keeps_just_the_selected_part_of_each_element(orders: DynamicFrame) -> None:
    selected = orders.select_fields(["id", "items[].sku"])
    assert selected.schema().field("items").type == pa.list_(pa.struct([("sku", pa.string())]))
    rows = by_id(selected)
    assert rows[1]["items"] == [{"sku": "a"}, {"sku": "b"}]
    assert rows[3]["items"] is None


def test_a_path_into_something_that_is_not_an_array_maps_nothing(orders: DynamicFrame) -> None:
    mapped = orders.apply_mapping([("id", "long", "id", "long"), ("id[]", "long", "ids[]", "long")])
    assert mapped.schema().names == ["id"]


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        ([("items[].sku", "string", "sku", "string")], r"^mappings\[0\]: target 'sku' has 0 \[\] but source"),
        ([("tags", "string", "t[]", "string")], r"^mappings\[0\]: target 't\[\]' has 1 \[\] but source 'tags' has 0"),
        (
            [("items[].sku", "string", "x[].a", "string"), ("tags[]", "string", "x[].b", "string")],
            r"^mappings\[1\]: target array 'x\[\]' takes its elements from 'tags\[\]', but mappings\[0\] fills",
        ),
        (
            [("items[].sku", "string", "x[].a", "string"), ("id", "long", "x.b", "long")],
            r"^mappings\[1\]: target 'x.b' clashes with mappings\[0\]: one field cannot be both an array and",
        ),
        ([("items[0].sku", "string", "s", "string")], r"^mappings\[0\] source: malformed brackets"),
        ([("items.[]", "string", "s[]", "string")], r"^mappings\[0\] source: \[\] must follow a field name"),
        ([("items[]sku", "string", "s[]", "string")], r"^mappings\[0\] source: expected '\.' in path"),
        ([("`[]`", "string", "s", "string")], r"^mappings\[0\] source: a field named '\[\]' cannot be addressed"),
    ],
)
def test_bad_array_mappings_name_the_mapping(local_ctx: GlueContext, mappings: Any, message: str) -> None:
    frame = DynamicFrame.fromDF(pa.table({"id": [1]}), local_ctx, "t")
    with pytest.raises(InvalidOptionError, match=message):
        frame.apply_mapping(mappings)


def test_drop_fields_removes_a_field_from_every_element(orders: DynamicFrame) -> None:
    dropped = orders.drop_fields(["items[].qty", "tags"])
    element = dropped.schema().field("items").type.value_type
    assert [element.field(i).name for i in range(element.num_fields)] == ["sku"]
    rows = by_id(dropped)
    assert rows[1]["items"] == [{"sku": "a"}, {"sku": "b"}]
    assert rows[3]["items"] is None
    assert rows[4]["items"] == [{"sku": "c"}, None]  # a null element stays null
    assert "tags" not in dropped.schema().names


def test_dropping_the_last_field_of_the_elements_drops_the_array(orders: DynamicFrame) -> None:
    dropped = orders.drop_fields(["items[].qty", "items[].sku"])
    assert "items" not in dropped.schema().names
    assert dropped.count() == 4


def test_rename_field_renames_inside_every_element(orders: DynamicFrame) -> None:
    renamed = orders.rename_field("items[].sku", "items[].code")
    rows = by_id(renamed)
    # qty is "2" in one element and 3 in the other: a choice, untouched by the rename.
    assert rows[1]["items"] == [
        {"code": "a", "qty": {"int": None, "string": "2"}},
        {"code": "b", "qty": {"int": 3, "string": None}},
    ]
    assert rows[4]["items"][1] is None
    assert rows[2]["items"] == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.rename_field("items[].sku", "sku"), r"^newName: 'items\[\]\.sku' → 'sku': with \[\] only"),
        (lambda f: f.rename_field("tags[]", "labels[]"), r"^newName: 'tags\[\]' → 'labels\[\]': with \[\] only"),
        (
            lambda f: f.drop_fields(["items[]"]),
            r"^paths: cannot drop the elements of an array \('items\[\]'\); drop 'items'",
        ),
        (lambda f: f.split_rows({"items[].qty": {">": 1}}, "a", "b"), r"array paths like 'items\[\]\.qty' are not"),
    ],
)
def test_array_paths_where_they_cannot_apply_are_refused(local_ctx: GlueContext, call: Any, message: str) -> None:
    frame = DynamicFrame.fromDF(pa.table({"id": [1]}), local_ctx, "t")
    with pytest.raises(InvalidOptionError, match=message):
        call(frame)
