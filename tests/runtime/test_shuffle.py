"""The map side of a hash shuffle: one output per map task, every row in exactly one bucket, by key."""

from __future__ import annotations

import pyarrow as pa

from glueworks.runtime.executors.shuffle import partition_task


def test_a_map_task_returns_its_buckets_as_one_output_each_row_once_and_equal_keys_together() -> None:
    schema = pa.schema([("k", pa.int64()), ("v", pa.string())])
    blocks = [
        pa.table({"k": [1, 2, 3, None, 2], "v": ["a", "b", "c", "d", "e"]}, schema=schema),
        pa.table({"k": [3, 1, 7], "v": ["f", "g", "h"]}, schema=schema),
    ]
    counts, buckets = partition_task(blocks, schema, (("k",),), (pa.int64(),), 4, True)
    assert isinstance(buckets, tuple) and len(buckets) == 4  # one object holding every bucket, not four
    assert counts == [b.num_rows for b in buckets] and sum(counts) == 7  # the null key is dropped
    rows = [row for b in buckets for row in b.to_pylist()]
    assert sorted(r["v"] for r in rows) == ["a", "b", "c", "e", "f", "g", "h"]
    where = {r["k"]: i for i, b in enumerate(buckets) for r in b.to_pylist()}
    assert all(where[r["k"]] == i for i, b in enumerate(buckets) for r in b.to_pylist())
    assert [r["v"] for r in buckets[where[2]].to_pylist() if r["k"] == 2] == ["b", "e"]  # order kept
