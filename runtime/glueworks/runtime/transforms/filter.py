"""Filter: keep the records a Python predicate accepts.

Glue's semantics: a predicate raising `KeyError`, `ValueError` or `TypeError` (a missing field,
a comparison with None) rejects the record; any other exception sets the record aside as an
error record (stage ``filter``) instead of failing the job.

Simple predicates (see `glueworks.runtime.transforms.predicate` for the subset) are evaluated as one
Arrow compute mask per block, proven to keep exactly the rows the record path keeps; everything
else, and any block the compiled form cannot handle (e.g. a Choice column), takes the record path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.plan import Filter
from glueworks.runtime.record import records_from_table
from glueworks.runtime.transforms.predicate import compile_predicate


def filter_block(block: pa.Table, node: Filter, source: str) -> tuple[pa.Table, list[ErrorRecord]]:
    """Filter one block; the kept rows stay columnar (only the mask is built, in Arrow when possible)."""
    compiled = compile_predicate(node.predicate)
    if compiled is not None:
        mask = compiled.mask(block)
        if mask is not None:
            return block.filter(mask), []
    keep, errors = record_mask(block, node.predicate, source)
    return block.filter(pa.array(keep, pa.bool_())), errors


def record_mask(block: pa.Table, predicate: Callable[[Any], Any], source: str) -> tuple[list[bool], list[ErrorRecord]]:
    """The record path: call `predicate` on each record (the reference the compiled path must equal)."""
    keep: list[bool] = []
    errors: list[ErrorRecord] = []
    for record in records_from_table(block):
        try:
            keep.append(bool(predicate(record)))
        except (KeyError, ValueError, TypeError):
            keep.append(False)
        except Exception as exc:
            keep.append(False)
            reason = f"filter raised {type(exc).__name__}: {exc}"
            raw = json.dumps(record, default=str, ensure_ascii=False)
            errors.append(ErrorRecord.create(source, None, reason, raw, stage="filter"))
    return keep, errors
