"""The hand-written pyarrow parts shared by the pyarrow and Ray Data engines.

``parse_json_lines`` is what one would write by hand with pyarrow for this data:

* ``pyarrow.json`` cannot hold numbers and strings in one column, so a byte-level regex first quotes
  every numeric ``amount`` (a trick that needs to know the data; the column is then cast to long with
  non-digit strings as null);
* ``pyarrow.json`` accepts invalid UTF-8 and fails a whole block on one bad line, so a block that is
  not valid UTF-8 or fails to parse is checked line by line with ``json.loads`` (the row path, only
  for such blocks); bad lines are counted and kept out.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from _common import DROP_EVENT_TYPE, MIN_AMOUNT, good_lines

AMOUNT_NUMBER = re.compile(rb'"amount":(-?[0-9]+)')
SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("event_type", pa.string()),
        ("ts", pa.string()),
        ("date", pa.string()),
        (
            "user",
            pa.struct(
                [
                    ("id", pa.int64()),
                    ("country", pa.string()),
                    ("age", pa.int32()),
                    ("address", pa.struct([("city", pa.string())])),
                ]
            ),
        ),
        ("device", pa.struct([("os", pa.string())])),
        ("items", pa.list_(pa.struct([("sku", pa.string()), ("qty", pa.int64()), ("price", pa.float64())]))),
        ("amount", pa.string()),
        ("session_ms", pa.int64()),
        ("campaign", pa.struct([("name", pa.string())])),
    ]
)
PARSE = pj.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="ignore")


def _read(data: bytes, threads: bool) -> pa.Table:
    return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=threads), parse_options=PARSE)


def parse_json_lines(data: bytes, threads: bool = False) -> tuple[pa.Table, int]:
    """Parse a block of JSON lines into a table of ``SCHEMA``; returns (table, malformed lines)."""
    data = AMOUNT_NUMBER.sub(rb'"amount":"\1"', data)
    try:
        data.decode("utf-8")
        return _read(data, threads), 0
    except (UnicodeDecodeError, pa.ArrowInvalid):
        pass
    good, bad = good_lines(data)
    if not good:
        return SCHEMA.empty_table(), bad
    return _read(good, threads), bad


def long_amount(table: pa.Table) -> pa.ChunkedArray:
    """``amount`` (text) cast to long; anything but digits becomes null (Glue's cast semantics)."""
    amount_text = table.column("amount")
    digits = pc.fill_null(pc.match_substring_regex(amount_text, r"^-?[0-9]+$"), False)
    return pc.cast(pc.if_else(digits, amount_text, pa.scalar(None, pa.string())), pa.int64())


def keep_mask(table: pa.Table) -> pa.ChunkedArray:
    """The filter: not a logout and an amount above the minimum (null amounts are dropped)."""
    return pc.and_(
        pc.fill_null(pc.not_equal(table.column("event_type"), DROP_EVENT_TYPE), False),
        pc.fill_null(pc.greater(long_amount(table), MIN_AMOUNT), False),
    )


def transform(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Cast, map, filter and pivot ``items``: returns (root, items) tables, both with ``date``."""
    amount = long_amount(table)
    user = table.column("user")
    keep = keep_mask(table)
    root = pa.table(
        {
            "id": table.column("event_id"),
            "event_type": table.column("event_type"),
            "ts": pc.cast(pc.strptime(table.column("ts"), "%Y-%m-%dT%H:%M:%SZ", "us"), pa.timestamp("us", "UTC")),
            "date": table.column("date"),
            "user_id": pc.struct_field(user, "id"),
            "country": pc.struct_field(user, "country"),
            "age": pc.struct_field(user, "age"),
            "city": pc.struct_field(user, [3, 0]),
            "os": pc.struct_field(table.column("device"), "os"),
            "amount": amount,
            "session_ms": table.column("session_ms"),
            "campaign": pc.struct_field(table.column("campaign"), "name"),
        }
    ).filter(keep)
    items_col = table.column("items").filter(keep)
    items = pa.chunked_array(items_col.chunks or [pa.array([], SCHEMA.field("items").type)]).combine_chunks()
    parents = pc.list_parent_indices(items)
    flat = pc.list_flatten(items)
    offsets = np.asarray(items.offsets)[:-1]
    starts = np.repeat(offsets, np.asarray(pc.fill_null(pc.list_value_length(items), 0)))
    index = np.arange(len(flat), dtype=np.int32) - starts.astype(np.int32)
    child = pa.table(
        {
            "id": pc.take(root.column("id"), parents),
            "date": pc.take(root.column("date"), parents),
            "index": pa.array(index, pa.int32()),
            "sku": pc.struct_field(flat, "sku"),
            "qty": pc.struct_field(flat, "qty"),
            "price": pc.struct_field(flat, "price"),
        }
    )
    return root, child
