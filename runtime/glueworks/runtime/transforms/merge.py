"""mergeDynamicFrame: upsert the records of a staging frame into this frame by primary keys.

Semantics (Glue's, with the choices Glue leaves open written down):

* A record of this frame whose primary keys equal those of a staging record is replaced by the
  staging record; records with no match are kept, duplicates included.
* Staging records with no match are added.
* Several staging records with the same keys: only the first one (in the staging frame's part
  and row order) is kept, so the result holds one record per staged key.
* A record with a null or missing primary key matches nothing: such records of this frame are
  kept, and such staging records are all added.
* The two frames may have different schemas; every output block has their merged schema (a
  Choice where a field's types differ), so the result's schema does not depend on how records
  fell into buckets. Error records of both inputs flow through; the merge makes none.

Cost: both frames are hash-shuffled by the primary keys, then each bucket is merged with
pyarrow; in a bucket the kept records of this frame come first, then the staging records.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.executors.shuffle import key_arrays, valid_keys
from glueworks.runtime.transforms.join import matching_rows

_ROW = "__glueworks_row"


def merge_tables(
    source: pa.Table, staging: pa.Table, keys: Sequence[tuple[str, ...]], types: Sequence[pa.DataType]
) -> list[pa.Table]:
    """Merge one bucket: the kept records of `source`, then the staging records (non-empty only)."""
    unmatched = matching_rows(source, staging, keys, keys, types, join_type="left anti").column("left")
    null_keyed = pc.indices_nonzero(pc.invert(valid_keys(key_arrays(source, keys, types), source.num_rows)))
    rows = pa.concat_arrays([unmatched.combine_chunks().cast(pa.int64()), null_keyed.cast(pa.int64())])
    kept_source = pc.take(rows, pc.sort_indices(rows))
    out = [source.take(kept_source), staging.take(_first_per_key(staging, keys, types))]
    return [table for table in out if table.num_rows]


def _first_per_key(staging: pa.Table, keys: Sequence[tuple[str, ...]], types: Sequence[pa.DataType]) -> pa.Array:
    """Rows of `staging` to keep: the first of each key, and every row with a null key."""
    arrays = key_arrays(staging, keys, types)
    valid = valid_keys(arrays, staging.num_rows)
    names = [f"__k{i}" for i in range(len(arrays))]
    numbers = pc.indices_nonzero(valid).cast(pa.int64())
    table = pa.table([numbers, *(array.filter(valid) for array in arrays)], names=[_ROW, *names])
    firsts = table.group_by(names, use_threads=False).aggregate([(_ROW, "min")])
    null_rows = pc.indices_nonzero(pc.invert(valid)).cast(pa.int64())
    rows = pa.concat_arrays([firsts.column(f"{_ROW}_min").combine_chunks(), null_rows])
    return pc.take(rows, pc.sort_indices(rows))
