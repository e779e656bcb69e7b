"""Filter: keep the records a Python predicate accepts (record-level, the slow path).

Glue's semantics: a predicate raising `KeyError`, `ValueError` or `TypeError` (a missing field,
a comparison with None) rejects the record; any other exception sets the record aside as an
error record (stage ``filter``) instead of failing the job.
"""

from __future__ import annotations

import json

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.plan import Filter
from glueworks.runtime.record import records_from_table


def filter_block(block: pa.Table, node: Filter, source: str) -> tuple[pa.Table, list[ErrorRecord]]:
    """Filter one block; the kept rows stay columnar (only the mask is built in Python)."""
    keep: list[bool] = []
    errors: list[ErrorRecord] = []
    for record in records_from_table(block):
        try:
            keep.append(bool(node.predicate(record)))
        except (KeyError, ValueError, TypeError):
            keep.append(False)
        except Exception as exc:
            keep.append(False)
            reason = f"filter raised {type(exc).__name__}: {exc}"
            raw = json.dumps(record, default=str, ensure_ascii=False)
            errors.append(ErrorRecord.create(source, None, reason, raw, stage="filter"))
    return block.filter(pa.array(keep, pa.bool_())), errors
