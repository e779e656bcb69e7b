"""Casting with Glue's null-on-failure semantics."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Sequence

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_INTEGER_TEXTS = st.one_of(
    st.none(),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", " 7", "7 ", "+7", "-0", "007", "7.9", "-7.", "1e3", "n/a", "\u0663", "9" * 19]),
    st.text(alphabet="0123456789-+. x", max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_INTEGER_TEXTS, max_size=12), target=st.sampled_from([pa.int8(), pa.int32(), pa.int64()]))
def test_property_a_string_column_casts_to_integers_as_each_value_does(
    values: list[str | None], target: pa.DataType
) -> None:
    # The mixed column takes the Arrow-plus-Python path; one value at a time is all Python or Arrow alone.
    one_by_one = [cast([value], pa.string(), target)[0] for value in values]
    assert cast(values, pa.string(), target) == one_by_one
    low, high = (-(2 ** (target.bit_width - 1)), 2 ** (target.bit_width - 1) - 1)
    for value, got in zip(values, one_by_one, strict=True):
        text = (value or "").strip()
        expected = int(text.split(".")[0]) if re.fullmatch(r"[+-]?\d+(\.\d*)?", text) else None
        assert got == (expected if expected is not None and low <= expected <= high else None)


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
