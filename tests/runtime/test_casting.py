"""Casting with Glue's null-on-failure semantics."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence

import pyarrow as pa
import pytest

from glueworks.runtime.casting import cast_array
from glueworks.runtime.errors import SchemaError
from glueworks.runtime.inference import table_from_records


def cast(values: Sequence[object], source: pa.DataType, target: pa.DataType) -> list[object]:
    array = pa.array(values, source)
    result: list[object] = cast_array(array, pa.field("c", source), target).to_pylist()
    return result


def test_strings_to_integers() -> None:
    values = ["12", " 13 ", "+4", "-5", "6.9", "x", "", None, "99999999999"]
    assert cast(values, pa.string(), pa.int32()) == [12, 13, 4, -5, 6, None, None, None, None]
    assert cast(["99999999999"], pa.string(), pa.int64()) == [99999999999]


def test_clean_columns_take_the_vectorised_path_with_the_same_result() -> None:
    assert cast(["1", "2"], pa.string(), pa.int64()) == [1, 2]
    assert cast([1, 2], pa.int32(), pa.float64()) == [1.0, 2.0]


def test_floats_truncate_and_out_of_range_becomes_null() -> None:
    assert cast([1.9, -1.9, float("nan"), 1e30], pa.float64(), pa.int64()) == [1, -1, None, None]
    assert cast([300, 100], pa.int64(), pa.int8()) == [None, 100]


def test_numbers_and_strings_to_decimal_round_half_up() -> None:
    assert cast([2.675, 1.0], pa.float64(), pa.decimal128(5, 2)) == [decimal.Decimal("2.68"), decimal.Decimal("1.00")]
    assert cast(["1.005", "12345.6", "x"], pa.string(), pa.decimal128(5, 2)) == [decimal.Decimal("1.01"), None, None]


def test_strings_to_timestamps_and_dates() -> None:
    utc = dt.UTC
    values = ["2026-11-01T10:00:00Z", "2026-11-01 10:00:00", "2026-11-01T12:00:00+02:00", "nope"]
    expected = [dt.datetime(2026, 11, 1, 10, tzinfo=utc)] * 3 + [None]
    assert cast(values, pa.string(), pa.timestamp("us", tz="UTC")) == expected
    assert cast(["2026-11-01", "2026-11-01T23:00:00", "x"], pa.string(), pa.date32()) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 1),
        None,
    ]


def test_numbers_to_timestamps_are_epoch_seconds_and_back() -> None:
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    seconds = int(stamp.timestamp())
    assert cast([seconds], pa.int64(), pa.timestamp("us", tz="UTC")) == [stamp]
    assert cast([stamp], pa.timestamp("us", tz="UTC"), pa.int64()) == [seconds]


def test_to_string_and_boolean() -> None:
    assert cast([1.0, 2.5], pa.float64(), pa.string()) == ["1.0", "2.5"]
    assert cast([True, None], pa.bool_(), pa.string()) == ["true", None]
    assert cast(["yes", "FALSE", "maybe", "1"], pa.string(), pa.bool_()) == [True, False, None, True]


def test_a_choice_casts_each_member() -> None:
    table = table_from_records([{"n": 1}, {"n": "2"}, {"n": "x"}, {"n": None}])
    field = table.schema.field("n")
    assert cast_array(table.column("n").chunk(0), field, pa.int64()).to_pylist() == [1, 2, None, None]


def test_nested_values_cast_to_string_as_json_and_refuse_numbers() -> None:
    table = table_from_records([{"s": {"a": 1}}])
    field = table.schema.field("s")
    assert cast_array(table.column("s").chunk(0), field, pa.string()).to_pylist() == ['{"a": 1}']
    with pytest.raises(SchemaError, match="cannot cast 's'"):
        cast_array(table.column("s").chunk(0), field, pa.int64())
