"""Unbox: parse a string field that holds JSON into structured values (a struct, an array …).

Types are inferred from the parsed values the way the JSON reader infers them; values of
different types on one path make a Choice. A value that is not valid JSON makes its record an
error record (stage ``unbox``, with the reason) and the record leaves the frame; a null stays
null. Only ``format="json"`` is supported.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.errors import InvalidOptionError, SchemaError
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.inference import build_array, infer_field
from glueworks.runtime.paths import get_path, replace_path
from glueworks.runtime.plan import Unbox
from glueworks.runtime.record import records_from_table

FORMATS = ("json",)


def check_format(format: str) -> str:
    """Validate the unbox format name.

    Raises:
        InvalidOptionError: The format is not ``json``.
    """
    if not isinstance(format, str) or format.strip().lower() not in FORMATS:
        raise InvalidOptionError("format", f"unbox supports {', '.join(FORMATS)}, got {format!r}")
    return format.strip().lower()


def unbox_block(block: pa.Table, node: Unbox, source: str) -> tuple[pa.Table, list[ErrorRecord]]:
    """Parse the field at `node.path` in one block; a block lacking it is unchanged.

    Raises:
        SchemaError: The field holds something other than strings.
    """
    found = get_path(block, node.path)
    if found is None:
        return block, []
    field, column = found
    dotted = ".".join(node.path)
    if is_choice(field) or not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
        if pa.types.is_null(field.type):
            return block, []
        raise SchemaError(f"unbox: field {dotted!r} holds {field.type}, not JSON strings")
    values: list[Any] = []
    bad: list[int] = []
    reasons: list[str] = []
    for index, text in enumerate(column.to_pylist()):
        if text is None:
            values.append(None)
            continue
        try:
            values.append(json.loads(text))
        except ValueError as exc:
            values.append(None)
            bad.append(index)
            reasons.append(f"unbox: field {dotted!r} is not valid JSON: {exc}")
    parsed = infer_field(field.name, values)
    array = build_array(values, parsed)
    result = replace_path(block, node.path, lambda f, c: [(parsed, pa.chunked_array([array], type=parsed.type))])
    if not bad:
        return result, []
    errors = []
    for reason, record in zip(reasons, records_from_table(block.take(bad)), strict=True):
        raw = json.dumps(record, default=str, ensure_ascii=False)
        errors.append(ErrorRecord.create(source, None, reason, raw, stage="unbox"))
    rejected = set(bad)
    keep = pa.array([i not in rejected for i in range(block.num_rows)], pa.bool_())
    return result.filter(keep), errors
