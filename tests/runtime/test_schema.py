"""Schema merging (Glue's rules), the Choice encoding, conforming blocks, type names."""

from __future__ import annotations

import pyarrow as pa
import pytest

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.gluetypes import (
    choice_members,
    format_schema,
    glue_type_name,
    is_choice,
    make_choice,
    parse_type_name,
)
from glueworks.runtime.inference import table_from_records
from glueworks.runtime.schema import (
    choice_paths,
    conform_table,
    conforms_leafwise,
    merge_fields,
    merge_schemas,
    strip_choices,
)


def names(field: pa.Field) -> list[str]:
    return [m.name for m in choice_members(field)]


def test_integers_widen_and_floats_widen() -> None:
    assert merge_fields(pa.field("a", pa.int32()), pa.field("a", pa.int64())).type == pa.int64()
    assert merge_fields(pa.field("a", pa.float32()), pa.field("a", pa.float64())).type == pa.float64()
    assert merge_fields(pa.field("a", pa.int8()), pa.field("a", pa.uint16())).type == pa.int32()


def test_null_merges_into_anything() -> None:
    merged = merge_fields(pa.field("a", pa.null()), pa.field("a", pa.string()))
    assert merged.type == pa.string() and not is_choice(merged)


def test_different_families_make_a_choice_named_by_glue_types() -> None:
    merged = merge_fields(pa.field("a", pa.int32()), pa.field("a", pa.string()))
    assert is_choice(merged)
    assert names(merged) == ["int", "string"]
    # int and double stay apart, as in Glue.
    assert names(merge_fields(pa.field("a", pa.int32()), pa.field("a", pa.float64()))) == ["double", "int"]


def test_a_choice_absorbs_types_widening_its_members() -> None:
    choice = merge_fields(pa.field("a", pa.int32()), pa.field("a", pa.string()))
    widened = merge_fields(choice, pa.field("a", pa.int64()))
    assert names(widened) == ["long", "string"]
    grown = merge_fields(widened, pa.field("a", pa.bool_()))
    assert names(grown) == ["boolean", "long", "string"]
    assert merge_fields(grown, pa.field("a", pa.null())) == grown


def test_structs_merge_field_by_field_and_lists_by_element() -> None:
    left = pa.field("s", pa.struct([("x", pa.int32()), ("y", pa.string())]))
    right = pa.field("s", pa.struct([("x", pa.string()), ("z", pa.bool_())]))
    merged = merge_fields(left, right)
    assert [f.name for f in merged.type] == ["x", "y", "z"]
    assert is_choice(merged.type.field("x"))
    lists = merge_fields(pa.field("l", pa.list_(pa.int32())), pa.field("l", pa.list_(pa.int64())))
    assert lists.type == pa.list_(pa.field("element", pa.int64()))


def test_merge_schemas_keeps_first_appearance_order_and_missing_fields() -> None:
    schema = merge_schemas(
        [pa.schema([("a", pa.int32()), ("b", pa.string())]), pa.schema([("c", pa.bool_()), ("a", pa.int64())])]
    )
    assert schema.names == ["a", "b", "c"]
    assert schema.field("a").type == pa.int64()
    assert all(f.nullable for f in schema)


def test_inference_makes_a_choice_within_one_block() -> None:
    table = table_from_records([{"n": 1, "s": {"k": 1}}, {"n": "two", "s": {"k": "x"}}, {"n": None}])
    assert is_choice(table.schema.field("n"))
    assert table.column("n").to_pylist() == [{"int": 1, "string": None}, {"int": None, "string": "two"}, None]
    inner = table.schema.field("s").type.field("k")
    assert is_choice(inner)


def test_inference_widens_large_integers_and_keeps_records_without_keys() -> None:
    table = table_from_records([{"n": 1}, {"n": 2**40}, {"n": 2**70}])
    assert table.schema.field("n").type == pa.decimal128(38, 0)
    assert table.column("n").to_pylist()[2] == 2**70
    assert table_from_records([{}, {}]).num_rows == 2


def test_inference_of_lists_holding_mixed_types() -> None:
    table = table_from_records([{"l": [1, "a"]}, {"l": []}, {"l": None}])
    element = table.schema.field("l").type.value_field
    assert is_choice(element)
    assert table.column("l").to_pylist() == [[{"int": 1, "string": None}, {"int": None, "string": "a"}], [], None]


def test_conform_places_plain_columns_into_the_choice_and_fills_missing() -> None:
    first = table_from_records([{"a": 1, "b": "x"}])
    second = table_from_records([{"a": "one"}])
    schema = merge_schemas([first.schema, second.schema])
    out = [conform_table(t, schema) for t in (first, second)]
    assert all(t.schema == schema for t in out)
    combined = pa.concat_tables(out)
    assert combined.column("a").to_pylist() == [{"int": 1, "string": None}, {"int": None, "string": "one"}]
    assert combined.column("b").to_pylist() == ["x", None]


def test_conform_nested_struct_with_null_parent() -> None:
    block = pa.table({"s": pa.array([{"x": 1}, None], pa.struct([("x", pa.int32())]))})
    target = pa.schema([pa.field("s", pa.struct([("x", pa.int64()), ("y", pa.string())]))])
    assert conform_table(block, target).column("s").to_pylist() == [{"x": 1, "y": None}, None]


def test_strip_choices_gives_the_make_struct_form() -> None:
    schema = pa.schema([make_choice("a", [pa.field("x", pa.int32()), pa.field("y", pa.string())])])
    plain = strip_choices(schema)
    assert not is_choice(plain.field("a"))
    assert plain.field("a").type == pa.struct([("int", pa.int32()), ("string", pa.string())])


def test_choice_paths_reach_into_structs() -> None:
    table = table_from_records([{"a": 1, "s": {"b": 1, "c": 1}}, {"a": "x", "s": {"b": "y", "c": 2}}])
    assert choice_paths(table.schema) == ["a", "s.b"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("long", pa.int64()),
        ("BIGINT", pa.int64()),
        ("int", pa.int32()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("decimal", pa.decimal128(10, 2)),
        ("decimal(12, 3)", pa.decimal128(12, 3)),
        ("struct", None),
    ],
)
def test_parse_type_name(name: str, expected: pa.DataType | None) -> None:
    assert parse_type_name(name, "t") == expected


@pytest.mark.parametrize("name", ["varchar(3)", "decimal(40,2)", "nope"])
def test_parse_type_name_rejects_unknown_names_naming_the_option(name: str) -> None:
    with pytest.raises(InvalidOptionError, match=r"^mappings\[0\] target type: "):
        parse_type_name(name, "mappings[0] target type")


def test_glue_type_names_and_print_format() -> None:
    assert [glue_type_name(t) for t in (pa.int32(), pa.int64(), pa.float64(), pa.list_(pa.int8()))] == [
        "int",
        "long",
        "double",
        "array",
    ]
    table = table_from_records([{"id": "a", "n": 1, "s": {"t": [1]}}, {"id": "b", "n": "x"}])
    assert format_schema(table.schema).splitlines() == [
        "root",
        "|-- id: string",
        "|-- n: choice",
        "|    |-- int",
        "|    |-- string",
        "|-- s: struct",
        "|    |-- t: array",
        "|    |    |-- element: int",
    ]


ITEM = pa.struct([("sku", pa.string()), ("qty", pa.int64())])
FRAME = pa.schema(
    [
        ("n", pa.int64()),
        ("s", pa.struct([("t", pa.int64()), ("u", pa.string())])),
        ("xs", pa.large_list(ITEM)),
        ("m", pa.map_(pa.string(), pa.int64())),
    ]
)


@pytest.mark.parametrize(
    "part",
    [
        FRAME,
        pa.schema([("n", pa.int32())]),  # narrower, and columns missing
        pa.schema([("s", pa.struct([("u", pa.string())]))]),  # a struct missing a field
        pa.schema([("xs", pa.list_(pa.struct([("qty", pa.int32())])))]),  # list kind and element drift
        pa.schema([("n", pa.null()), ("xs", pa.null()), ("m", pa.null())]),  # all-null columns
        pa.schema([("m", pa.map_(pa.string(), pa.int32()))]),
    ],
    ids=["same", "narrower", "struct-subset", "element-subset", "nulls", "map-values"],
)
def test_parts_that_keep_their_shape_conform_leafwise(part: pa.Schema) -> None:
    assert conforms_leafwise(part, FRAME)


@pytest.mark.parametrize(
    "part",
    [
        pa.schema([("other", pa.int64())]),  # a column the frame lacks
        pa.schema([("s", pa.null())]),  # a null column where the frame flattens a struct
        pa.schema([("n", pa.string())]),  # another family (the frame would hold a Choice)
        pa.schema([("xs", pa.int64())]),  # a scalar where the frame has an array
        pa.schema([("s", pa.struct([("t", pa.int64()), ("v", pa.int64())]))]),  # a field the frame lacks
        pa.schema([("n", pa.float64())]),  # a float does not narrow into the frame's integer
    ],
    ids=["extra-column", "null-struct", "other-family", "scalar-for-array", "extra-field", "float-for-int"],
)
def test_parts_whose_shape_changes_do_not_conform_leafwise(part: pa.Schema) -> None:
    assert not conforms_leafwise(part, FRAME)


def test_a_choice_conforms_leafwise_only_to_the_same_choice() -> None:
    frame = merge_schemas([pa.schema([("v", pa.int64())]), pa.schema([("v", pa.string())])])
    assert is_choice(frame.field("v"))
    assert conforms_leafwise(frame, frame)
    assert not conforms_leafwise(pa.schema([("v", pa.int64())]), frame)  # its pivot would not be a Choice
