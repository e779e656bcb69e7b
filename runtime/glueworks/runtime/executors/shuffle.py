"""Hash shuffles: cut each part into buckets by a hash of key values (the map side of a join).

The hash must be the same in every process (Python's `hash` of a string is salted per process),
so it is computed from the key values with Arrow compute: integers, dates and timestamps by
value, floats by their bit pattern (``-0.0`` as ``0.0``), strings, binaries and decimals by the
CRC-32 of their bytes (one Python call per value: the slow part of a string-keyed shuffle).
Keys are first cast to the type both sides agreed on, so equal keys land in the same bucket
whichever side they are on.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.paths import get_path
from glueworks.runtime.schema import conform_table
from glueworks.runtime.sinks.partitioning import group_rows_by_code

_MULTIPLIER = pa.scalar(0x9E3779B97F4A7C15, pa.uint64())


def key_arrays(table: pa.Table, paths: Sequence[tuple[str, ...]], types: Sequence[pa.DataType]) -> list[pa.Array]:
    """The key values of every row, one array per key path, cast to the agreed key types.

    A path the block lacks gives nulls (such records match nothing in a join).
    """
    arrays: list[pa.Array] = []
    for path, dtype in zip(paths, types, strict=True):
        found = get_path(table, path)
        if found is None or pa.types.is_null(dtype):
            arrays.append(pa.nulls(table.num_rows, dtype))
            continue
        array = found[1].combine_chunks()
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if array.type != dtype:
            array = array.cast(dtype)
        arrays.append(array)
    return arrays


def valid_keys(keys: Sequence[pa.Array], num_rows: int) -> pa.Array:
    """True where no key of the row is null."""
    mask = pa.repeat(pa.scalar(True), num_rows)
    for array in keys:
        mask = pc.and_(mask, pc.is_valid(array))
    return mask


def bucket_ids(keys: Sequence[pa.Array], num_buckets: int, num_rows: int) -> pa.Array:
    """The bucket (``0 … num_buckets-1``) of every row; a null key hashes as a fixed value."""
    combined = pa.repeat(_u64(0), num_rows)
    if num_buckets == 1:
        return combined
    for array in keys:
        combined = _mix(pc.add(pc.multiply(combined, _MULTIPLIER), _hash_array(array)))
    return pc.modulo(combined, _u64(num_buckets))


def partition_task(
    blocks: list[pa.Table],
    schema: pa.Schema,
    paths: tuple[tuple[str, ...], ...],
    types: tuple[pa.DataType, ...],
    num_buckets: int,
    drop_null_keys: bool,
) -> tuple[Any, ...]:
    """Map task of a hash shuffle: conform a part's blocks to its frame schema and cut them.

    Returns:
        The row count per bucket, then one table per bucket (rows keep their order).
    """
    pieces: list[list[pa.Table]] = [[] for _ in range(num_buckets)]
    for block in blocks:
        table = conform_table(block, schema)
        keys = key_arrays(table, paths, types)
        if drop_null_keys:
            mask = valid_keys(keys, table.num_rows)
            table = table.filter(mask)
            keys = [array.filter(mask) for array in keys]
        if table.num_rows == 0:
            continue
        if num_buckets == 1:
            pieces[0].append(table)
            continue
        # One stable sort by bucket, then a slice per bucket (rows keep their order): a filter per
        # bucket would read the part once per bucket.
        order, counts = group_rows_by_code(np.asarray(bucket_ids(keys, num_buckets, table.num_rows)), num_buckets)
        ordered = table.take(order)
        start = 0
        for bucket, count in enumerate(counts.tolist()):
            if count:
                pieces[bucket].append(ordered.slice(start, count))
            start += count
    tables = [pa.concat_tables(p) if p else schema.empty_table() for p in pieces]
    return ([t.num_rows for t in tables], *tables)


def _u64(value: int) -> pa.Scalar:
    return pa.scalar(value, pa.uint64())


def _mix(values: pa.Array) -> pa.Array:
    """splitmix64's finalizer: spreads the bits so that ``% num_buckets`` is balanced."""
    values = pc.bit_wise_xor(values, pc.shift_right(values, _u64(30)))
    values = pc.multiply(values, _u64(0xBF58476D1CE4E5B9))
    values = pc.bit_wise_xor(values, pc.shift_right(values, _u64(27)))
    values = pc.multiply(values, _u64(0x94D049BB133111EB))
    return pc.bit_wise_xor(values, pc.shift_right(values, _u64(31)))


def _hash_array(array: pa.Array) -> pa.Array:
    dtype = array.type
    if pa.types.is_null(dtype):
        return pa.repeat(_u64(0), len(array))
    if pa.types.is_boolean(dtype):
        return array.cast(pa.uint64()).fill_null(0)
    if pa.types.is_integer(dtype) or pa.types.is_temporal(dtype):
        return _to_int64(array).fill_null(0).view(pa.uint64())
    if pa.types.is_floating(dtype):
        floats = pc.add(array.cast(pa.float64()).fill_null(0.0), 0.0)  # -0.0 + 0.0 is 0.0
        return floats.view(pa.uint64())
    # Strings, binaries, decimals: CRC-32 of the bytes (one Python call per value).
    if not (pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype)):
        array = array.cast(pa.large_string()).cast(pa.large_binary())
    crcs = [zlib.crc32(value) if value is not None else 0 for value in array.to_pylist()]
    return pa.array(crcs, pa.uint64())


def _to_int64(array: pa.Array) -> pa.Array:
    try:
        return array.cast(pa.int64())
    except pa.ArrowNotImplementedError:
        # date32 and time32 only cast to int32.
        return array.cast(pa.int32()).cast(pa.int64())
