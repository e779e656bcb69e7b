"""Error records the driver keeps on disk, so its memory does not grow with the bad input.

A task's error records travel back to the driver as an `ErrorBatch`. In a driver with an active
run, a batch is written to the run's `ErrorSpool` (a local append-only file) the moment Ray
unpickles it, and what stays in memory is its place in the file and its count: thresholds and
``errorsCount`` need only counts, and ``errorsAsDynamicFrame`` and the run's error file read the
records back. The local executor's tasks run in the driver, so their batches go to the spool as they are
made. Outside a run a batch holds its records as they are.

Each batch is kept sorted (by file, line, stage, reason, raw text) in chunks of `CHUNK_ROWS`, so the
run's error file is a streaming merge of the batches that drops a record met again in another batch
(the same split read by two actions), holding one chunk of each batch, not every record.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import pickle
import tempfile
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from glueworks.runtime.error_records import ErrorRecord

if TYPE_CHECKING:
    from glueworks.runtime.staging import StagingArea

#: Records per pickled chunk of a batch: what the final merge holds of each batch at once (with a task per
#: 48 MiB split, ~700 batches at 100M events hold ~45k records, ~30 MB, between them).
CHUNK_ROWS = 64

#: A record as a sortable tuple: file, line (-1 for none), stage, reason, raw, line.
Row = tuple[str, int, str, str, str, int | None]


def _row(error: ErrorRecord) -> Row:
    line = error.line if error.line is not None else -1
    return (error.file, line, error.stage, error.reason, error.raw, error.line)


def _record(row: Row) -> ErrorRecord:
    return ErrorRecord(file=row[0], line=row[5], reason=row[3], raw=row[4], stage=row[2])


def _encode(rows: list[Row]) -> bytes:
    out = io.BytesIO()
    for start in range(0, len(rows), CHUNK_ROWS):
        pickle.dump(rows[start : start + CHUNK_ROWS], out, protocol=pickle.HIGHEST_PROTOCOL)
    return out.getvalue()


class RecordSequence(Sequence[ErrorRecord]):
    """Error records read on demand, not held: iterate them. Indexing reads them all (nothing in the runtime
    indexes them); equal to any sequence of the same records."""

    __slots__ = ()

    @overload
    def __getitem__(self, index: int) -> ErrorRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ErrorRecord]: ...

    def __getitem__(self, index: int | slice) -> ErrorRecord | Sequence[ErrorRecord]:
        records = list(self)
        return records[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented


class ErrorBatch(RecordSequence):
    """The error records of one task's report, sorted; in memory, or at a place in a spool file.

    Its length is known without reading it. Pickled, it travels as one encoded blob; unpickled in a
    process with an active spool, it lands in the spool (see the module doc).
    """

    __slots__ = ("_blob", "_count", "_digest", "_end", "_path", "_stages", "_start")

    def __init__(self, blob: bytes | None, count: int, path: Path | None = None, start: int = 0, end: int = 0) -> None:
        self._blob, self._count = blob, count
        self._path, self._start, self._end = path, start, end
        self._digest: bytes | None = None
        self._stages: dict[str, tuple[bytes, int]] | None = None

    @classmethod
    def of(cls, errors: Iterable[ErrorRecord]) -> ErrorBatch:
        """A batch holding `errors` (sorted here)."""
        rows = sorted(_row(error) for error in errors)
        return cls(_encode(rows), len(rows))

    @property
    def spooled(self) -> bool:
        """Whether the records are in a spool file (not in memory)."""
        return self._path is not None

    @property
    def digest(self) -> bytes:
        """A hash of the records (equal batches, e.g. one split read twice the same way, match)."""
        if self._digest is None:
            self._digest = hashlib.blake2b(self.blob(), digest_size=16).digest()
        return self._digest

    def stage_digests(self) -> dict[str, tuple[bytes, int]]:
        """Per stage (``read``, ``filter``, ...): a hash of its records and their count.

        Two actions over one split share its read errors (and those of the transforms they share) but make
        different batches; their stages' records still hash alike. Built from Python's own hashes of the rows,
        so the digests compare within one process (the driver) only.
        """
        if self._stages is None:
            hashes: dict[str, array[int]] = {}
            for row in self.rows():
                hashes.setdefault(row[2], array("q")).append(hash(row))
            self._stages = {
                stage: (hashlib.blake2b(values.tobytes(), digest_size=16).digest(), len(values))
                for stage, values in hashes.items()
            }
        return self._stages

    def blob(self) -> bytes:
        """The encoded records (read from the spool file when spooled)."""
        if self._blob is not None:
            return self._blob
        assert self._path is not None
        with open(self._path, "rb") as handle:
            handle.seek(self._start)
            return handle.read(self._end - self._start)

    def rows(self) -> Iterator[Row]:
        """The records as sorted rows, one chunk in memory at a time."""
        if not self._count:
            return
        if self._blob is not None:
            stream = io.BytesIO(self._blob)
            while stream.tell() < len(self._blob):
                yield from pickle.load(stream)
            return
        assert self._path is not None
        position = self._start
        # The file is opened per chunk: the final merge reads every batch at once, hundreds of file handles.
        while position < self._end:
            with open(self._path, "rb") as handle:
                handle.seek(position)
                chunk = pickle.load(handle)
                position = handle.tell()
            yield from chunk

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ErrorRecord]:
        return (_record(row) for row in self.rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ErrorBatch):
            return self._count == other._count and self.digest == other.digest
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"ErrorBatch({self._count} records{', spooled' if self.spooled else ''})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_arrive, (self.blob(), self._count))


def _arrive(blob: bytes, count: int) -> ErrorBatch:
    """Unpickle a batch: into the active run's spool when there is one, else in memory."""
    return spooled(ErrorBatch(blob, count))


def collect(errors: Iterable[ErrorRecord]) -> ErrorBatch:
    """A task's error records as a batch: in memory, or in the run's spool when the task runs in a driver with
    an active run (the local executor's threads), whose memory would otherwise hold every action's records."""
    return spooled(ErrorBatch.of(errors))


def spooled(batch: ErrorBatch) -> ErrorBatch:
    """`batch` in the active run's spool (see `ErrorSpool.keep`), or as it is outside a run."""
    from glueworks.runtime.run_context import current_context

    ctx = current_context()
    return batch if ctx is None else ctx.error_spool.keep(batch)


class ErrorSpool:
    """A run's spool file of error batches, in a temporary `StagingArea` removed by `close` (or when collected)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._area: StagingArea | None = None
        self._size = 0

    def keep(self, batch: ErrorBatch) -> ErrorBatch:
        """`batch` in this spool's file: as it is when it is there already (or empty); otherwise its records (in
        memory, or in another run's spool, which that run's end removes) are appended, and the kept batch carries
        their stage digests (taken before, so recording it reads nothing back)."""
        if not len(batch) or self._holds(batch):
            return batch
        from glueworks.runtime.locations import Location
        from glueworks.runtime.staging import StagingArea

        stages, blob = batch.stage_digests(), batch.blob()
        with self._lock:
            if self._area is None:
                self._area = StagingArea(Location("file", tempfile.mkdtemp(prefix="glueworks-errors-")))
            path = self._file()
            with open(path, "ab") as handle:
                handle.write(blob)
            start, self._size = self._size, self._size + len(blob)
        kept = ErrorBatch(None, len(batch), path, start, start + len(blob))
        kept._stages = stages
        return kept

    def _holds(self, batch: ErrorBatch) -> bool:
        with self._lock:
            return batch.spooled and self._area is not None and batch._path == self._file()

    def _file(self) -> Path:
        assert self._area is not None
        return Path(self._area.location.path) / "errors.spool"

    def close(self) -> None:
        """Remove the spool file; batches in it cannot be read afterwards (a later `keep` starts a new one)."""
        with self._lock:
            area, self._area, self._size = self._area, None, 0
        if area is not None:
            area.cleanup()


def as_batch(errors: Sequence[ErrorRecord]) -> ErrorBatch:
    """`errors` as an `ErrorBatch` (itself when it is one)."""
    return errors if isinstance(errors, ErrorBatch) else ErrorBatch.of(errors)


def distinct_records(batches: Iterable[ErrorBatch]) -> Iterator[ErrorRecord]:
    """Every record of `batches` once, sorted: a streaming merge of the sorted batches."""
    last: Row | None = None
    for row in heapq.merge(*(batch.rows() for batch in batches)):
        if row != last:
            yield _record(row)
            last = row


class ErrorChain(RecordSequence):
    """Several sequences of error records read as one, without copying them (lengths add up)."""

    __slots__ = ("parts",)

    def __init__(self, parts: Iterable[Sequence[ErrorRecord]]) -> None:
        flat: list[Sequence[ErrorRecord]] = []
        for part in parts:
            if isinstance(part, ErrorChain):
                flat.extend(part.parts)
            elif len(part):
                flat.append(part)
        self.parts: tuple[Sequence[ErrorRecord], ...] = tuple(flat)

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def __iter__(self) -> Iterator[ErrorRecord]:
        for part in self.parts:
            yield from part

    def __repr__(self) -> str:
        return f"ErrorChain({len(self)} records in {len(self.parts)} parts)"
