"""The built-in CSV classifier, and the CSV parsing a custom CSV classifier shares.

Delimiters tried, in Glue's order: ``,`` ``|`` tab ``;`` and ``\\u0001``. A delimiter fits when every sampled
row splits into the same number of columns, at least two, over at least two rows.

Values are typed one by one: a whole number (no leading zero) is an integer (``bigint`` in the catalog, as
Glue types CSV), a decimal number or exponent form a ``double``, ``true``/``false`` (any case) a
``boolean``, an empty field null, anything else a ``string``.

**Header rule** (Glue's): the first row is a header when every one of its fields is a non-empty string
(not a number or boolean), its names are distinct, and at least one column holds, over the remaining
rows, only non-string values (at least one). If every column is strings throughout, the first row is not
different enough from the data to be a header, and columns are named ``col0``, ``col1``...
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from typing import Any

from glueworks.platform.crawlers.classified import Classified, estimate
from glueworks.platform.crawlers.sample import TextSample
from glueworks.platform.crawlers.serde import OPEN_CSV_SERDE

DELIMITERS = (",", "|", "\t", ";", "\x01")
_INT_RE = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"[+-]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_BOOLS = {"true": True, "false": False}


def typed(value: str) -> Any:
    """A CSV field as a typed value (see the module doc)."""
    if value == "":
        return None
    if value.isdigit() and value.isascii():
        # The common case without a regex: plain digits (a leading zero keeps codes as strings).
        return int(value) if value[0] != "0" or len(value) == 1 else value
    first = value[0]
    if first.isdigit() or first in "+-.":
        if _INT_RE.fullmatch(value):
            return int(value)
        if _FLOAT_RE.fullmatch(value) and any(c.isdigit() for c in value):
            return float(value)
        return value
    if len(value) in (4, 5):
        flag = _BOOLS.get(value.lower())
        if flag is not None:
            return flag
    return value


def split_rows(data: bytes, delimiter: str, quote: str | None, max_rows: int) -> tuple[list[list[str]], int, bool]:
    """Split text into rows: the rows (blank lines skipped), bytes consumed, and whether a field was quoted.

    Raises:
        UnicodeDecodeError: The text is not UTF-8.
        csv.Error: The CSV grammar rejects the text.
    """
    text = data.decode("utf-8").removeprefix("\ufeff")
    lines = text.splitlines()
    if len(lines) > max_rows:
        lines = lines[:max_rows]
    consumed = sum(len(line) + 1 for line in lines)
    quoted = quote is not None and quote in text[:consumed]
    # Blank lines are skipped (a line of only delimiters is a row of nulls).
    lines = [line for line in lines if line.strip()]
    if quote is None:
        reader = csv.reader(lines, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(lines, delimiter=delimiter, quotechar=quote)
    return list(reader), consumed, quoted


def typed_rows(rows: Sequence[Sequence[str]], trim: bool = True) -> list[list[Any]]:
    """Rows with every field typed (trimmed first unless `trim` is off)."""
    if trim:
        return [[typed(cell.strip()) for cell in row] for row in rows]
    return [[typed(cell) for cell in row] for row in rows]


def detect_header(rows: Sequence[Sequence[Any]]) -> bool:
    """Glue's header rule (see the module doc), over typed rows."""
    if len(rows) < 2:
        return False
    first = rows[0]
    if any(not isinstance(name, str) or not name.strip() for name in first):
        return False
    if len({name.strip().lower() for name in first}) != len(first):
        return False
    for column in range(len(first)):
        values = [row[column] for row in rows[1:] if column < len(row) and row[column] is not None]
        if values and not any(isinstance(v, str) for v in values):
            return True
    return False


def to_records(rows: Sequence[Sequence[Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    """Typed rows as dict records (missing trailing fields are null)."""
    width = len(names)
    return [dict(zip(names, row, strict=True)) if len(row) == width else _padded(row, names) for row in rows]


def _padded(row: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: row[i] if i < len(row) else None for i, name in enumerate(names)}


def csv_result(
    text: TextSample,
    rows: list[list[Any]],
    consumed: int,
    delimiter: str,
    header: list[str] | None,
    quoted: bool,
    quote: str = '"',
) -> Classified:
    """The classification of a CSV sample, given its typed rows and header decision."""
    data_rows = rows[1:] if header is not None else rows
    width = max(len(r) for r in rows)
    names = [str(n).strip().lower() for n in header] if header is not None else [f"col{i}" for i in range(width)]
    records = to_records(data_rows, names)
    params = {"delimiter": delimiter, "areColumnsQuoted": "true" if quoted else "false", "columnsOrdered": "true"}
    if header is not None:
        params["skip.header.line.count"] = "1"
    if quoted:
        library: str | None = OPEN_CSV_SERDE
        serde_params = {"separatorChar": delimiter, "quoteChar": quote}
    else:
        library, serde_params = None, {"field.delim": delimiter}
    fraction = text.stored_fraction * (min(1.0, consumed / len(text.data)) if text.data else 1.0)
    return Classified(
        "csv",
        "csv",
        text.compression,
        records,
        record_estimate=estimate(len(records), fraction),
        parameters=params,
        serde_library=library,
        serde_parameters=serde_params,
        integral="bigint",
    )


def classify_csv(text: TextSample, max_records: int) -> Classified | None:
    """Classify a text sample as CSV with one of the built-in delimiters (None when none fits)."""
    head = text.data[:4096]
    newline = head.find(b"\n")
    first = head[: newline if newline >= 0 else len(head)]
    for delimiter in DELIMITERS:
        if delimiter.encode() not in first:
            continue
        try:
            rows, consumed, quoted = split_rows(text.data, delimiter, '"', max_records + 1)
        except (UnicodeDecodeError, csv.Error):
            return None
        if len(rows) < 2 or len(rows[0]) < 2 or any(len(r) != len(rows[0]) for r in rows):
            continue
        values = typed_rows(rows)
        header = rows[0] if detect_header(values) else None
        return csv_result(text, values, consumed, delimiter, header, quoted)
    return None
