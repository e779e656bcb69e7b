"""Hive-style partitioning: rows grouped by key values into ``key=value/`` folders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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
    # Rows are grouped by small integer codes; only the distinct combinations become folder names.
    columns: list[np.ndarray] = []
    names_per_key: list[list[str]] = []
    for key in keys:
        field = table.schema.field(key)
        encoded = cast_column(table.column(key), field, pa.string()).combine_chunks().dictionary_encode()
        values = encoded.dictionary.to_pylist()
        # Nulls get the last code, which names the default partition.
        names_per_key.append([f"{key}={escape_value(v)}" for v in values] + [f"{key}={NULL_PARTITION}"])
        columns.append(pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False))
    codes = columns[0].astype(np.int64)
    for names, column in zip(names_per_key[1:], columns[1:], strict=True):
        # Re-densified after each key, so the combined code stays below rows x distinct values.
        codes = np.unique(codes * len(names) + column, return_inverse=True)[1].reshape(-1)
    # Codes are dense (0 .. distinct combinations): group rows by a stable counting-style sort
    # instead of sorting the rows by folder name.
    by_code, counts = group_rows_by_code(codes)
    present = np.flatnonzero(counts)
    ends = np.cumsum(counts)
    starts = ends - counts
    first_row = by_code[starts[present]]
    folders = [
        "/".join(names[column[row]] for names, column in zip(names_per_key, columns, strict=True)) for row in first_row
    ]
    out = []
    pieces = []
    offset = 0
    for position in sorted(range(len(folders)), key=folders.__getitem__):
        code = present[position]
        pieces.append(by_code[starts[code] : ends[code]])
        out.append((folders[position], offset, int(counts[code])))
        offset += int(counts[code])
    if not pieces:
        return []
    data = table.drop_columns(list(keys)).take(pa.array(np.concatenate(pieces)))
    return [(folder, data.slice(start, count)) for folder, start, count in out]


def group_rows_by_code(codes: np.ndarray, count: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by a small non-negative code (a partition, a shuffle bucket), in one stable sort.

    Returns:
        (row positions ordered by code, rows keeping their order within a code; the row count of
        each code ``0 .. max(count, max code + 1) - 1``).
    """
    top = int(codes.max()) if codes.size else 0
    narrow = codes
    for dtype in (np.uint8, np.uint16):  # numpy sorts 8- and 16-bit integers by radix, in linear time
        if top <= np.iinfo(dtype).max:
            narrow = codes.astype(dtype)
            break
    return np.argsort(narrow, kind="stable"), np.bincount(codes, minlength=count)
