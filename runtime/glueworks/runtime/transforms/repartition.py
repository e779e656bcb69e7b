"""repartition and coalesce: change how many parts a frame has, keeping record order.

* ``repartition(n)`` cuts the records into exactly `n` parts of balanced size (part sizes
  differ by at most one record): each input part is sliced where the new parts begin (a map
  task per part), and each new part gathers its slices (a task per new part). Record order is
  kept, so every executor gives the same parts. Some parts are empty when there are fewer
  than `n` records.
* ``coalesce(n)`` merges runs of neighbouring parts into `n` parts without cutting any; a frame
  with at most `n` parts is left unchanged.

Cost: repartition moves every block once between tasks (through Ray's object store on Ray);
coalesce moves them once without slicing.
"""

from __future__ import annotations

import pyarrow as pa


def cut_points(part_rows: list[int], num_partitions: int) -> list[list[tuple[int, int]]]:
    """For each input part, the row range ``[start, stop)`` of it each new part takes.

    Returns:
        One list per input part of `num_partitions` ranges (empty ranges have start == stop).
    """
    total = sum(part_rows)
    bounds = [index * total // num_partitions for index in range(num_partitions + 1)]
    cuts: list[list[tuple[int, int]]] = []
    offset = 0
    for rows in part_rows:
        ranges = []
        for target in range(num_partitions):
            start = max(bounds[target], offset)
            stop = min(bounds[target + 1], offset + rows)
            ranges.append((start - offset, stop - offset) if stop > start else (0, 0))
        cuts.append(ranges)
        offset += rows
    return cuts


def slice_blocks(blocks: list[pa.Table], start: int, stop: int) -> list[pa.Table]:
    """Rows ``[start, stop)`` of a part's blocks taken as one sequence (zero-copy slices)."""
    out = []
    offset = 0
    for block in blocks:
        lo, hi = max(start, offset), min(stop, offset + block.num_rows)
        if hi > lo:
            out.append(block.slice(lo - offset, hi - lo))
        offset += block.num_rows
    return out


def coalesce_groups(num_parts: int, num_partitions: int) -> list[range]:
    """Runs of neighbouring part indices, one per new part (sizes differ by at most one)."""
    return [
        range(index * num_parts // num_partitions, (index + 1) * num_parts // num_partitions)
        for index in range(num_partitions)
    ]


def gather(pieces: list[list[pa.Table]]) -> list[pa.Table]:
    """The blocks of one new part: neighbouring blocks with the same schema are concatenated."""
    out: list[pa.Table] = []
    for block in (block for piece in pieces for block in piece):
        if out and out[-1].schema == block.schema:
            out[-1] = pa.concat_tables([out[-1], block])
        else:
            out.append(block)
    return out
