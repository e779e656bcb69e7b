"""Schema merge of maps and time zones: the result does not depend on the order blocks come in,
and blocks conform to it on both executors."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext
from glueworks.runtime.schema import conform_table, merge_fields, merge_schemas


def _field(dtype: pa.DataType) -> pa.Field:
    return pa.field("m", dtype)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (pa.map_(pa.int32(), pa.string()), pa.map_(pa.int64(), pa.string()), pa.map_(pa.int64(), pa.string())),
        (pa.map_(pa.int8(), pa.int32()), pa.map_(pa.int16(), pa.int64()), pa.map_(pa.int16(), pa.int64())),
        # Keys of two families become strings, Glue's only map key type.
        (pa.map_(pa.int32(), pa.int64()), pa.map_(pa.string(), pa.int64()), pa.map_(pa.string(), pa.int64())),
        (pa.timestamp("ms", tz="Europe/Paris"), pa.timestamp("us", tz="Asia/Tokyo"), pa.timestamp("us", tz="UTC")),
        (pa.timestamp("us"), pa.timestamp("ms", tz="Asia/Tokyo"), pa.timestamp("us", tz="Asia/Tokyo")),
        (pa.timestamp("s", tz="Asia/Tokyo"), pa.timestamp("ms", tz="Asia/Tokyo"), pa.timestamp("us", tz="Asia/Tokyo")),
    ],
)
def test_merge_widens_the_same_way_in_either_order(
    left: pa.DataType, right: pa.DataType, expected: pa.DataType
) -> None:
    assert merge_fields(_field(left), _field(right)).type == expected
    assert merge_fields(_field(right), _field(left)).type == expected


def test_map_values_of_two_families_make_a_choice_inside_the_map() -> None:
    left, right = _field(pa.map_(pa.int32(), pa.int64())), _field(pa.map_(pa.int64(), pa.string()))
    merged = merge_fields(left, right)
    assert merged.type.key_type == pa.int64()
    assert merged.type.item_type == pa.struct([("long", pa.int64()), ("string", pa.string())])
    assert merged.equals(merge_fields(right, left))


def test_three_zones_merge_to_utc_in_any_grouping() -> None:
    zones = [_field(pa.timestamp("us", tz=tz)) for tz in ("Asia/Tokyo", "Asia/Tokyo", "Europe/Paris")]
    a, b, c = zones
    assert merge_fields(merge_fields(a, b), c).type == pa.timestamp("us", tz="UTC")
    assert merge_fields(a, merge_fields(b, c)).type == pa.timestamp("us", tz="UTC")
    assert merge_fields(a, b).type == pa.timestamp("us", tz="Asia/Tokyo")


def test_blocks_conform_to_the_merged_map_and_zone() -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    instant = dt.datetime(2026, 11, 1, 9, 0, tzinfo=tokyo)
    first = pa.table(
        {
            "m": pa.array([[(1, "a")], None], pa.map_(pa.int32(), pa.string())),
            "t": pa.array([instant, None], pa.timestamp("ms", tz="Asia/Tokyo")),
        }
    )
    second = pa.table(
        {
            "m": pa.array([[("k", "b"), ("j", "c")]], pa.map_(pa.string(), pa.string())),
            "t": pa.array([instant], pa.timestamp("us", tz="Europe/Paris")),
        }
    )
    schema = merge_schemas([first.schema, second.schema])
    assert schema == merge_schemas([second.schema, first.schema])
    combined = pa.concat_tables([conform_table(first, schema), conform_table(second, schema)])
    assert combined.column("m").to_pylist() == [[("1", "a")], None, [("k", "b"), ("j", "c")]]
    # The zone changes, the instant does not.
    utc = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
    assert combined.column("t").to_pylist() == [utc, None, utc]


def test_a_union_of_maps_keyed_by_int_and_long_reads_the_same_on_each_executor(glue_ctx: GlueContext) -> None:
    ints = pa.table({"m": pa.array([[(1, 10)]], pa.map_(pa.int32(), pa.int64()))})
    longs = pa.table({"m": pa.array([[(2**40, 20)], []], pa.map_(pa.int64(), pa.int64()))})
    left = DynamicFrame.fromDF(ints, glue_ctx, "ints")
    right = DynamicFrame.fromDF(longs, glue_ctx, "longs")
    for frame in (left.union(right), right.union(left)):
        table = frame.toDF()
        assert table.schema.field("m").type == pa.map_(pa.int64(), pa.int64())
        assert sorted(map(str, table.column("m").to_pylist())) == ["[(1, 10)]", "[(1099511627776, 20)]", "[]"]


def test_null_and_a_choice_merge_to_that_choice_on_either_side() -> None:
    choice = merge_fields(pa.field("a", pa.bool_()), pa.field("a", pa.int8()))
    null = pa.field("a", pa.null())
    assert merge_fields(null, choice).equals(choice)
    assert merge_fields(choice, null).equals(choice)


def test_map_keys_of_several_families_merge_alike_in_any_grouping() -> None:
    a, b, c = (_field(pa.map_(key, pa.int64())) for key in (pa.int8(), pa.string(), pa.large_string()))
    expected = pa.map_(pa.large_string(), pa.int64())
    assert merge_fields(merge_fields(a, b), c).type == expected
    assert merge_fields(a, merge_fields(b, c)).type == expected
