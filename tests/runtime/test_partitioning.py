"""Hive partition splitting: every row lands in the folder its key values name, folders sorted."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime.sinks.partitioning import NULL_PARTITION, escape_value, split_partitions

_VALUES = st.sampled_from(["z", "a", None, "m", "c/d", "b", "a b", "é"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(_VALUES, st.sampled_from([1, 2, None])), max_size=40),
    keys=st.sampled_from([["d"], ["k"], ["d", "k"], ["k", "d"]]),
)
def test_every_row_lands_in_the_folder_its_keys_name(
    rows: list[tuple[str | None, int | None]], keys: list[str]
) -> None:
    table = pa.table(
        {"d": pa.array([d for d, _ in rows], pa.string()), "k": pa.array([k for _, k in rows], pa.int64())}
    ).append_column("row", pa.array(range(len(rows)), pa.int64()))
    groups = split_partitions(table, keys)
    folders = [folder for folder, _ in groups]
    assert folders == sorted(folders) and len(set(folders)) == len(folders)
    seen: list[int] = []
    for folder, part in groups:
        assert part.column_names == [name for name in ["d", "k", "row"] if name not in keys]
        for row in part.column("row").to_pylist():
            values = dict(zip(["d", "k"], rows[row], strict=True))
            want = "/".join(
                f"{key}={NULL_PARTITION if values[key] is None else escape_value(str(values[key]))}" for key in keys
            )
            assert folder == want
            seen.append(row)
    assert sorted(seen) == list(range(len(rows)))


def test_no_keys_is_one_group() -> None:
    table = pa.table({"a": [1, 2]})
    assert split_partitions(table, []) == [("", table)]
