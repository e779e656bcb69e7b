"""Map: replace each record by what a Python function returns (record-level: the slow path).

Glue's semantics: `f` gets a copy of each record (a `DynamicRecord`, a dict) and returns the new
record. A function that raises, returns None or returns something other than a dict does not
fail the job: that record becomes an error record (stage ``map``) with the reason, and the
other records go on. The output block's types are inferred from the returned values the way
the JSON reader infers them (mixed types on one path make a Choice).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.errors import SchemaError
from glueworks.runtime.inference import table_from_records
from glueworks.runtime.plan import Map
from glueworks.runtime.record import DynamicRecord, records_from_table


def map_block(block: pa.Table, node: Map, source: str) -> tuple[pa.Table, list[ErrorRecord]]:
    """Run `node.f` on every record of one block; failures become error records."""
    out: list[dict[str, Any]] = []
    errors: list[ErrorRecord] = []
    for record in records_from_table(block):
        raw = json.dumps(record, default=str, ensure_ascii=False)
        try:
            result = node.f(DynamicRecord(record))
        except Exception as exc:
            errors.append(_error(source, f"map raised {type(exc).__name__}: {exc}", raw))
            continue
        if result is None:
            errors.append(_error(source, "map returned None", raw))
        elif not isinstance(result, Mapping):
            errors.append(_error(source, f"map returned {type(result).__name__}, not a record (dict)", raw))
        else:
            out.append(dict(result))
    return _to_table(out), errors


def _error(source: str, reason: str, raw: str) -> ErrorRecord:
    return ErrorRecord.create(source, None, reason, raw, stage="map")


def _to_table(records: list[dict[str, Any]]) -> pa.Table:
    try:
        return table_from_records(records)
    except TypeError:
        pass
    # Values JSON has no type for (datetime, Decimal, bytes): let Arrow infer them.
    try:
        return pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SchemaError(f"map returned values that cannot form one Arrow block: {exc}") from exc
