"""Input splitting: cut listed files into splits sized by the run's capacity.

`plan_splits` turns the files of a `FileSource` into the splits a run reads, one task each:

* The target split size is the total input divided by ``parallelism * TASKS_PER_WORKER``
  (enough tasks for every worker to take a few, so a slow split does not leave the others
  idle), kept within ``[MIN_SPLIT_BYTES, MAX_SPLIT_BYTES]``. No fixed split count anywhere.
* A file larger than ``SPLIT_SLACK`` times the target whose format can read byte ranges
  (JSON lines, CSV without multi-line quoting, not compressed) becomes ``ceil(size / target)``
  `RangeSplit`s of equal size. A range owns the lines that start inside it (see
  `glueworks.runtime.formats.ranges`), so every line is read once; error records keep the
  true line number in the file.
* Compressed files (gzip, bzip2, zstd, …) cannot be cut and stay one split each, whatever
  their size.
* When there are more files than ``parallelism * TASKS_PER_WORKER``, neighbouring files below
  the target are packed into `FileGroupSplit`s of about ``total / (parallelism * TASKS_PER_WORKER)``
  bytes, so a folder of many small files still makes a few tasks per worker, not one per file.
  A group never exceeds the target: it is read whole into one task, so it is bounded like a range
  and a task's memory stops growing with the input (10M events in 80 files of ~39 MB made groups of
  ~390 MB before; now at most ``MAX_SPLIT_BYTES``).

* With two or more workers, each of the last ``parallelism`` splits that can be cut is cut in
  ``TAIL_PIECES`` pieces of decreasing size (4:3:2:1; on average at least half ``MIN_SPLIT_BYTES``):
  tasks take splits in order, so those are the round's tail, and the workers that finish first wait
  on the last task still running. At the ~1M-event lake benchmark (2 workers) the two workers' last
  tasks ended 0.32-0.83 s apart with 8 whole files, 0.14-0.33 s apart with the last two halved, and
  0.07-0.11 s apart in equal quarters, about one quarter's run time: the wait is bounded by the
  last tasks, so the last pieces are the smallest.

Splits keep file order, and ranges of one file keep byte order, so rows over the whole frame
come out in file order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from glueworks.runtime.formats.base import FileFormat, ReadOutput
from glueworks.runtime.locations import Location
from glueworks.runtime.sources import FileGroupSplit, FileSplit, Split, naming_input

#: Tasks per worker a run aims for (>= 2 keeps workers busy when splits differ in cost).
TASKS_PER_WORKER = 4
#: Smallest byte range a large file is cut into (smaller tasks cost more than they gain).
MIN_SPLIT_BYTES = 16 * 1024 * 1024
#: Largest byte range or file group: bounds the memory of one task (at ~40 MiB a task holds ~300 MB).
MAX_SPLIT_BYTES = 48 * 1024 * 1024
#: A file is cut only when it exceeds the target by this factor (no tiny tail ranges).
SPLIT_SLACK = 1.25
#: Pieces each of the round's last splits is cut into, with two or more workers (see `_cut_tail`).
TAIL_PIECES = 4


class RangeReadable(Protocol):
    """A format that reads byte ranges of a file (JSON lines, CSV)."""

    def splittable(self, path: str) -> bool:
        """Whether this file can be read in byte ranges."""

    def read_range(self, handle: object, url: str, start: int, end: int) -> ReadOutput:
        """Read the lines starting in bytes ``[start, end)``."""


@dataclass(frozen=True)
class RangeSplit(Split):
    """The lines of one file that start in bytes ``[start, end)``.

    Attributes:
        location: The file.
        file_size: Size of the whole file from the listing.
        file_format: A format with ``read_range`` (JSON lines, CSV).
        start: First byte of the range.
        end: One past the last byte of the range (the last owned line may run past it).
    """

    location: Location
    file_size: int
    file_format: FileFormat
    start: int
    end: int

    @property
    def split_id(self) -> str:
        """The file's URL, the format and the byte range."""
        return f"{self.file_format.name}:{self.location.url}#{self.start}-{self.end}"

    @property
    def size(self) -> int:
        """Bytes of the range (the reader reads a line more at most)."""
        return self.end - self.start

    def read(self) -> ReadOutput:
        """Open the file and read the lines starting in the range.

        Raises:
            FileNotFoundError, OSError: The file cannot be opened or read (never bad records).
        """
        fs = self.location.filesystem()
        reader = self.file_format
        if not hasattr(reader, "read_range"):
            raise TypeError(f"format {reader.name!r} cannot read byte ranges")
        with naming_input(self.location), fs.open(self.location.path, "rb") as handle:
            output: ReadOutput = reader.read_range(handle, self.location.url, self.start, self.end)
        return output


def split_target(
    total_bytes: int, parallelism: int, min_bytes: int = MIN_SPLIT_BYTES, max_bytes: int = MAX_SPLIT_BYTES
) -> int:
    """Bytes per range for `total_bytes` of input on `parallelism` workers."""
    wanted = -(-total_bytes // max(1, parallelism * TASKS_PER_WORKER))  # ceil: no extra tail range
    return max(min_bytes, min(max_bytes, wanted))


def can_split(split: FileSplit) -> bool:
    """Whether the file's format reads byte ranges of it (uncompressed, line-delimited)."""
    check = getattr(split.file_format, "splittable", None)
    return bool(check is not None and check(split.location.path))


def cut_file(split: FileSplit, target: int) -> list[Split]:
    """The file as equal byte ranges of about `target` bytes (one split when it is small)."""
    whole = _as_range(split) if split.file_size > target * SPLIT_SLACK else None
    return [split] if whole is None else _pieces(whole, [1] * math.ceil(split.file_size / target))


def plan_splits(
    files: Sequence[FileSplit],
    parallelism: int,
    *,
    min_bytes: int = MIN_SPLIT_BYTES,
    max_bytes: int = MAX_SPLIT_BYTES,
) -> list[Split]:
    """The splits of `files` for a run of `parallelism` workers (see the module doc).

    Args:
        files: The listed files, in read order.
        parallelism: Tasks the run may run at once (its capacity).
        min_bytes: Smallest byte range a file is cut into.
        max_bytes: Largest byte range.

    Raises:
        ValueError: `parallelism` or the byte bounds are not positive, or min > max.
    """
    if not isinstance(parallelism, int) or parallelism < 1:
        raise ValueError(f"parallelism: must be an integer >= 1, got {parallelism!r}")
    if not 1 <= min_bytes <= max_bytes:
        raise ValueError(f"min_bytes, max_bytes: need 1 <= min_bytes <= max_bytes, got {min_bytes}, {max_bytes}")
    total = sum(f.size for f in files)
    wanted = parallelism * TASKS_PER_WORKER
    target = split_target(total, parallelism, min_bytes, max_bytes)
    units: list[Split] = [piece for f in files for piece in cut_file(f, target)]
    if len(units) > wanted:
        units = _pack_small(units, max(1, total // wanted), target)
    return _cut_tail(units, parallelism, min_bytes) if 1 < parallelism < len(units) else units


def _cut_tail(units: list[Split], parallelism: int, min_bytes: int) -> list[Split]:
    """`units` with each of the last `parallelism` cut in up to `TAIL_PIECES` byte ranges where it can be.

    Tasks take splits in order, so the last `parallelism` are the round's tail: the workers done
    first wait on the last task still running, for up to its whole run time. Smaller last tasks
    shorten that wait (splits of one kind of data differ in cost by up to ~1.8x: drift and
    malformed lines cost more to read), and pieces that shrink towards the end (`tail_weights`)
    shorten it more than equal pieces with no more tasks. A piece keeps on average at least half of
    `min_bytes`. One worker has no one to keep waiting.
    """
    head, tail = units[:-parallelism], units[-parallelism:]
    out = list(head)
    for unit in tail:
        pieces = min(TAIL_PIECES, unit.size // max(1, min_bytes // 2))
        whole = _as_range(unit) if pieces >= 2 else None
        out += [unit] if whole is None else _pieces(whole, tail_weights(pieces))
    return out


def tail_weights(count: int) -> list[int]:
    """Relative sizes of a tail split's `count` pieces: ``count, count - 1, .., 1``.

    Simulated list scheduling of the ~1M-event benchmark's stage round on two workers (measured task
    times, ±10 % noise) put the mean wait at the round's end at 0.080 s with equal quarters and
    0.030 s with 4:3:2:1, against 0.048 s with equal eighths (eight more tasks).
    """
    return list(range(count, 0, -1))


def _as_range(unit: Split) -> RangeSplit | None:
    """`unit` as one byte range, if its format can read ranges of it (None for groups, compressed files, ...)."""
    if isinstance(unit, RangeSplit):
        return unit
    if isinstance(unit, FileSplit) and can_split(unit):
        return RangeSplit(unit.location, unit.file_size, unit.file_format, 0, unit.file_size)
    return None


def _pieces(split: RangeSplit, weights: Sequence[int]) -> list[Split]:
    """`split` cut into contiguous byte ranges whose sizes follow `weights` (equal weights: equal sizes)."""
    total = sum(weights)
    ends = [split.start + split.size * part // total for part in itertools.accumulate(weights)]
    starts = [split.start, *ends[:-1]]
    return [replace(split, start=a, end=b) for a, b in zip(starts, ends, strict=True) if b > a]


def _pack_small(units: list[Split], group_bytes: int, target: int) -> list[Split]:
    """Pack runs of neighbouring whole files smaller than `target` into groups of ~`group_bytes`.

    A group ends once it reaches `group_bytes`, and before a file would take it past `target`.
    """
    out: list[Split] = []
    group: list[FileSplit] = []
    size = 0

    def flush() -> None:
        nonlocal group, size
        if len(group) == 1:
            out.append(group[0])
        elif group:
            out.append(FileGroupSplit(tuple(group)))
        group, size = [], 0

    for unit in units:
        if not isinstance(unit, FileSplit) or unit.size >= target:
            flush()
            out.append(unit)
            continue
        if group and size + unit.size > target:
            flush()
        group.append(unit)
        size += unit.size
        if size >= group_bytes:
            flush()
    flush()
    return out
