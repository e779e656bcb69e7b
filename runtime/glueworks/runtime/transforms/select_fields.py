"""SelectFields: keep only the listed paths; a nested path keeps just that part of its struct.

A path through an array (``items[].sku``) keeps, in each element of the array, just that part
(``items: array<struct<sku>>``); the array keeps its length and nulls.

Glue's behaviour for a path no record has: nothing is selected for it (no error), since a
DynamicFrame has no schema up front and a field may be absent from some blocks only. A block
lacking every listed path keeps its records, with no fields.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.paths import parse_path
from glueworks.runtime.plan import ApplyMapping, Mapping, SelectFields
from glueworks.runtime.transforms.apply_mapping import apply_mapping_block


def parse_paths(paths: Sequence[str], option: str = "paths", *, arrays: bool = False) -> tuple[tuple[str, ...], ...]:
    """Parse a non-empty list of field paths, dropping duplicates (first occurrence wins).

    `arrays` allows ``[]`` steps (``items[].sku``), for the callers that handle them.

    Raises:
        InvalidOptionError: `paths` is not a non-empty list of strings, or a path is malformed.
    """
    if isinstance(paths, str | bytes) or not isinstance(paths, Sequence) or not paths:
        raise InvalidOptionError(option, "must be a non-empty list of field paths")
    parsed: dict[tuple[str, ...], None] = {}
    for index, path in enumerate(paths):
        parsed.setdefault(parse_path(path, f"{option}[{index}]", arrays=arrays), None)
    return tuple(parsed)


def outermost(paths: Sequence[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Drop every path that lies inside another listed path (``a.b`` when ``a`` is listed)."""
    return tuple(p for p in paths if not any(len(q) < len(p) and p[: len(q)] == q for q in paths))


def select_fields_block(block: pa.Table, node: SelectFields) -> pa.Table:
    """Keep the fields at `node.paths` in one block (columnar; nested structs are rebuilt)."""
    mappings = tuple(Mapping(path, "", path, None) for path in outermost(node.paths))
    return apply_mapping_block(block, ApplyMapping(node.child, mappings, case_sensitive=True))
