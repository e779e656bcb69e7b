"""Casts with Glue's (non-ANSI Spark) semantics: a value that cannot be cast becomes null.

`cast_column` tries Arrow's vectorised, safe cast first. When Arrow refuses (a string that is
not a number, a float with a fraction going to an integer, an out-of-range value), the chunk is
converted value by value in Python, and each value that does not convert becomes null. So a
clean column stays columnar and a dirty one costs one Python pass (strings to integers: only the
values that are not plain integer texts).

Semantics worth knowing: floats and decimals truncate toward zero into integers; strings are
trimmed and may carry a fraction (``" 12.7 "`` → 12 as an integer); out-of-range values become
null; a string timestamp without an offset is taken as UTC; numbers cast to ``timestamp`` are
seconds since the epoch; a Choice casts each member and keeps the one that is set.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.gluetypes import choice_members, is_choice, type_family

_INT_TEXT = re.compile(r"^[+-]?\d+(\.\d*)?$")
#: Integer texts Arrow parses exactly as `_to_int` does (ASCII digits, 18 of them fit any int64).
_PLAIN_INT = r"^-?[0-9]{1,18}$"
_INT64 = (-(2**63), 2**63 - 1)
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_NESTED = frozenset({"struct", "array", "map"})
_TEMPORAL = frozenset({"date", "timestamp"})
_NUMERIC = frozenset({"integral", "floating", "decimal", "boolean"})


def cast_column(column: pa.ChunkedArray, field: pa.Field, target: pa.DataType | None) -> pa.ChunkedArray:
    """Cast every chunk of a column of `field` to `target` (None keeps the column as it is)."""
    if target is None:
        return column
    return pa.chunked_array([cast_array(chunk, field, target) for chunk in column.chunks], type=target)


def cast_array(array: pa.Array, field: pa.Field, target: pa.DataType) -> pa.Array:
    """Cast one array; values that cannot be cast become null.

    Raises:
        SchemaError: The cast makes no sense for any value (a struct to a number, say).
    """
    if is_choice(field):
        members = choice_members(field)
        if not members:
            return pa.nulls(len(array), target)
        cast = [cast_array(child, member, target) for child, member in zip(array.flatten(), members, strict=True)]
        return cast[0] if len(cast) == 1 else pc.coalesce(*cast)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    source = array.type
    if source == target:
        return array
    if pa.types.is_null(source):
        return pa.nulls(len(array), target)
    src_family, dst_family = type_family(source), type_family(target)
    if dst_family in _NESTED:
        if src_family != dst_family:
            raise SchemaError(f"cannot cast {field.name!r} of type {source} to {target}")
        return array.cast(target)
    if src_family in _NESTED and dst_family != "string":
        raise SchemaError(f"cannot cast {field.name!r} of type {source} to {target}")
    if _vector_ok(src_family, dst_family):
        try:
            return array.cast(target, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    if dst_family == "integral" and src_family == "string" and (target.bit_width < 64 or target == pa.int64()):
        return _strings_to_integers(array, target)
    convert = _converter(target)
    return pa.array([convert(value) for value in array.to_pylist()], type=target)


def _strings_to_integers(array: pa.Array, target: pa.DataType) -> pa.Array:
    """`_to_int` over strings, with plain integer texts (``-?[0-9]{1,18}``) parsed by Arrow.

    Only the other texts (``" 7"``, ``"+7"``, ``"7.5"``, ``"n/a"``; usually few) go through Python.
    """
    plain = pc.fill_null(pc.match_substring_regex(array, _PLAIN_INT), False)
    numbers = pc.cast(pc.if_else(plain, array, pa.scalar(None, array.type)), pa.int64())
    others = pc.and_(pc.invert(plain), pc.is_valid(array))
    if pc.any(others).as_py():
        converted = [_in_range(_to_int(text), *_INT64) for text in array.filter(others).to_pylist()]
        numbers = pc.replace_with_mask(numbers, others, pa.array(converted, pa.int64()))
    low, high = _integer_range(target)
    fits = pc.and_(pc.greater_equal(numbers, low), pc.less_equal(numbers, high))
    return pc.if_else(fits, numbers, pa.scalar(None, pa.int64())).cast(target)


def _vector_ok(src: str, dst: str) -> bool:
    """Whether Arrow's own cast has Glue's meaning for this pair of families."""
    if (src in _TEMPORAL and dst in _NUMERIC) or (src in _NUMERIC and dst in _TEMPORAL):
        # Arrow counts micro-seconds or days here; Spark counts seconds or refuses.
        return False
    if (src == "timestamp" and dst == "string") or src in _NESTED:
        return False
    if dst == "decimal" and src not in ("integral", "decimal"):
        # Keep one rounding rule (half up, from the decimal text) for floats and strings.
        return False
    # Arrow writes 1.0 as "1" where Spark writes "1.0".
    return not (src == "floating" and dst == "string")


def _converter(target: pa.DataType) -> Callable[[Any], Any]:
    family = type_family(target)
    if family == "integral":
        low, high = _integer_range(target)
        return lambda value: _in_range(_to_int(value), low, high)
    if family == "floating":
        return _to_float
    if family == "decimal":
        return lambda value: _to_decimal(value, target.precision, target.scale)
    if family == "boolean":
        return _to_bool
    if family == "string":
        return _to_string
    if family == "binary":
        return _to_binary
    if family == "date":
        return _to_date
    if family == "timestamp":
        return _to_timestamp
    raise SchemaError(f"casting to {target} is not supported")


def _integer_range(target: pa.DataType) -> tuple[int, int]:
    bits = target.bit_width
    if pa.types.is_signed_integer(target):
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def _in_range(value: int | None, low: int, high: int) -> int | None:
    return value if value is not None and low <= value <= high else None


def _to_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return int(value) if value.is_finite() else None
    if isinstance(value, str):
        text = value.strip()
        if _INT_TEXT.match(text):
            return int(text.split(".", 1)[0])
        return None
    if isinstance(value, dt.datetime):
        return int(_as_utc(value).timestamp())
    return None


def _to_float(value: Any) -> float | None:
    if value is None or isinstance(value, dt.date):
        return None
    if isinstance(value, bool | int | float | decimal.Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _to_decimal(value: Any, precision: int, scale: int) -> decimal.Decimal | None:
    if value is None or isinstance(value, dt.date):
        return None
    try:
        number = decimal.Decimal(value.strip() if isinstance(value, str) else str(value))
    except decimal.InvalidOperation:
        return None
    if not number.is_finite():
        return None
    quantum = decimal.Decimal(1).scaleb(-scale)
    rounded = number.quantize(quantum, rounding=decimal.ROUND_HALF_UP)
    digits = len(rounded.as_tuple().digits)
    return rounded if digits <= precision else None


def _to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _to_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _as_utc(value).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date | int | float | decimal.Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, default=str, ensure_ascii=False)


def _to_binary(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(_to_string(value)).encode("utf-8")


def _to_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _as_utc(value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        stamp = _parse_timestamp(value)
        if stamp is not None:
            return stamp.date()
    return None


def _to_timestamp(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _as_utc(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | decimal.Decimal):
        try:
            return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        return _parse_timestamp(value)
    return None


def _parse_timestamp(text: str) -> dt.datetime | None:
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return _as_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def _as_utc(value: dt.datetime) -> dt.datetime:
    # Naive timestamps are taken as UTC, as Spark does with the default session zone.
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
