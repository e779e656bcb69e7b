"""Ray Data: ``read_binary_files`` → ``map_batches`` (parse, cast, map, filter) → ``write_parquet``.

Closest honest equivalent: ``ray.data.read_json`` fails outright on a field whose type changes and on
invalid UTF-8, and ``read_text`` decodes strictly, so each file is read as bytes (``.gz`` inflated) and
parsed by the same hand-written pyarrow code as the pyarrow engine (``_arrow_parse``). Malformed lines
become quarantine rows (``_bad``), counted after the dataset is materialised (it feeds the count and
both writes). ``items`` is pivoted in a second ``map_batches``.

* ``--variant default``: Ray Data's defaults everywhere, except ``batch_size=1`` (one file per
  batch; the default 1024 rows would put every file in one task);
* ``--variant tuned``: also ``write_parquet(min_rows_per_file=…)`` so a partition gets a few large files
  instead of one per block, and ``concurrency`` pinned to the workers.
"""

from __future__ import annotations

import gzip
import sys
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from _arrow_parse import parse_json_lines, transform
from _common import Clock, parse_args, patient_ray_start, write_result


def parse_files(batch: pa.Table) -> pa.Table:
    """One batch of files (rows of ``bytes``) → root rows with ``items``, plus ``_bad`` quarantine rows."""
    out: list[pa.Table] = []
    for data in batch.column("bytes").to_pylist():
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        table, bad = parse_json_lines(data)
        root, _child = transform(table)
        root = root.append_column("items", _kept_items(table))
        root = root.append_column("_bad", pa.repeat(False, len(root)))
        out.append(root)
        if bad:
            out.append(pa.table({"_bad": pa.repeat(True, bad)}))
    return pa.concat_tables(out, promote_options="default")


def _kept_items(table: pa.Table) -> pa.ChunkedArray:
    # transform() filtered the rows; redo its mask to keep the matching items lists.
    from _arrow_parse import keep_mask

    return table.column("items").filter(keep_mask(table))


def explode_items(batch: pa.Table) -> pa.Table:
    items = batch.column("items").combine_chunks()
    parents = pc.list_parent_indices(items)
    flat = pc.list_flatten(items)
    lengths = pc.fill_null(pc.list_value_length(items), 0).to_numpy()
    import numpy as np

    starts = np.repeat(np.asarray(items.offsets)[:-1], lengths)
    return pa.table(
        {
            "id": pc.take(batch.column("id"), parents),
            "date": pc.take(batch.column("date"), parents),
            "index": pa.array(np.arange(len(flat), dtype=np.int32) - starts.astype(np.int32)),
            "sku": pc.struct_field(flat, "sku"),
            "qty": pc.struct_field(flat, "qty"),
            "price": pc.struct_field(flat, "price"),
        }
    )


def main() -> int:
    clock = Clock()
    args = parse_args(variants=("default", "tuned"))
    import ray
    import ray.data

    patient_ray_start()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    clock.setup_finished()
    tuned = args.variant == "tuned"
    extra: dict[str, Any] = {"concurrency": args.workers} if tuned else {}
    files = ray.data.read_binary_files(str(args.input))
    parsed = files.map_batches(parse_files, batch_size=1, batch_format="pyarrow", **extra).materialize()
    malformed = parsed.filter(lambda row: row["_bad"]).count()
    kept = parsed.filter(lambda row: not row["_bad"]).drop_columns(["_bad"])
    write: dict[str, Any] = {"partition_cols": ["date"]}
    if tuned:
        write["min_rows_per_file"] = 250_000
    kept.drop_columns(["items"]).write_parquet(str(args.output / "root"), **write)
    kept.map_batches(explode_items, batch_format="pyarrow", **extra).write_parquet(str(args.output / "items"), **write)
    write_result(args, clock, int(malformed))
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
