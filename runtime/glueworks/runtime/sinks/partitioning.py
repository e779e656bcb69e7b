"""Hive-style partitioning: rows grouped by key values into ``key=value/`` folders."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.casting import cast_column

#: Folder value for a null key, as Hive and Spark write it.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_ESCAPED = frozenset("\"#%'*/:=?\\{[]^\x7f") | frozenset(chr(c) for c in range(0x20))


def escape_value(value: str) -> str:
    """Escape a partition value for a folder name the way Hive does (``/`` → ``%2F``)."""
    return "".join(f"%{ord(ch):02X}" if ch in _ESCAPED else ch for ch in value)


def split_partitions(table: pa.Table, keys: Sequence[str]) -> list[tuple[str, pa.Table]]:
    """Group rows by partition keys.

    Returns:
        (relative folder such as ``dt=2026-11-01/country=FR``, rows without the key columns)
        for each distinct key combination, sorted by folder. Without keys, one group ``""``.
    """
    if not keys:
        return [("", table)]
    escaped = []
    for key in keys:
        field = table.schema.field(key)
        text = cast_column(table.column(key), field, pa.string()).combine_chunks()
        encoded = text.dictionary_encode()
        names = [f"{key}={NULL_PARTITION if v is None else escape_value(v)}" for v in encoded.dictionary.to_pylist()]
        column = pa.array(names, pa.string()).take(encoded.indices)
        escaped.append(pc.fill_null(column, f"{key}={NULL_PARTITION}"))
    folders = escaped[0] if len(escaped) == 1 else pc.binary_join_element_wise(*escaped, "/")
    order = pc.sort_indices(folders)
    folders = folders.take(order)
    data = table.drop_columns(list(keys)).take(order)
    counts = pc.value_counts(folders)
    groups = sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True))
    out = []
    offset = 0
    for folder, count in groups:
        out.append((str(folder), data.slice(offset, count)))
        offset += count
    return out
