"""Staging areas: run-scoped folders where an action leaves Arrow IPC files for lazy frames to read.

`relationalize` stages its output tables here (see
`glueworks.runtime.executors.relationalize`). A `StagingArea` is a unique folder under the
caller's ``staging_path`` (checked like any sink or source path, before any I/O), or a temporary
folder when none is given. It is removed when the run finishes (`JobRunContext.finish` runs the
hook `StagingArea.create` registers) or, outside a job, when the last frame reading it is
collected (or the process exits). Until then the files stay readable, as the frames are lazy.

Files are Arrow IPC: the schema round-trips exactly (field metadata included, so Choice columns
stay Choices). A local temporary folder is seen by every Ray worker only on a one-machine
cluster; a multi-node cluster needs a shared ``staging_path`` (``s3://``), and ``memory://``
works on the local executor only (each Ray worker has its own memory filesystem).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import tempfile
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.formats.base import ReadOutput
from glueworks.runtime.locations import Location, parse_location
from glueworks.runtime.schema import conform_table
from glueworks.runtime.sources import Split

if TYPE_CHECKING:
    from glueworks.runtime.run_context import JobRunContext

_log = logging.getLogger(__name__)
_COUNTER = itertools.count(1)


class StagingArea:
    """A run-scoped folder of staged files, removed once (`cleanup`) at the end of the run.

    Attributes:
        location: The folder (unique to this area).
    """

    def __init__(self, location: Location, remove_root: Location | None = None) -> None:
        self.location = location
        # A temporary folder is removed whole; under a user path only the area's own folder.
        target = remove_root or location
        self._finalizer = weakref.finalize(self, remove_folder, target)

    @classmethod
    def create(cls, staging_path: str | None, run_context: JobRunContext, label: str) -> StagingArea:
        """An area under `staging_path` (or a temporary folder when it is None or empty).

        The path is checked (`parse_location`) before any I/O; the area's cleanup is registered
        with `run_context`, so it runs when the run finishes.

        Raises:
            UnsafePathError: `staging_path` breaks the path rules (option ``staging_path``).
        """
        folder = f"{run_context.run_token}-{label}-{next(_COUNTER)}-{uuid.uuid4().hex[:8]}"
        if staging_path:
            root = parse_location(staging_path, "staging_path", run_context.storage_options)
            area = cls(root.child(folder))
        else:
            temp = Location("file", tempfile.mkdtemp(prefix="glueworks-staging-"))
            area = cls(temp.child(folder), remove_root=temp)
        # The finalizer, not a bound method: the run must not keep the area (and its files) alive.
        run_context.add_cleanup(area._finalizer)
        return area

    def cleanup(self) -> None:
        """Remove the staged files now (a no-op the second time)."""
        self._finalizer()

    @property
    def removed(self) -> bool:
        """Whether `cleanup` ran (or the area was collected)."""
        return not self._finalizer.alive

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (a plan shipped to a Ray worker) must not remove the files when it is collected.
        return (_Detached, (self.location,))


class _Detached:
    """What a pickled `StagingArea` becomes: its location, without the cleanup."""

    def __init__(self, location: Location) -> None:
        self.location = location


def remove_folder(location: Location) -> None:
    """Remove a folder and everything under it; failures are logged, never raised (end-of-run work)."""
    try:
        fs = location.filesystem()
        if fs.exists(location.path):
            fs.rm(location.path, recursive=True)
    except Exception as exc:  # any store error (an S3 endpoint gone): the run's outcome stands
        _log.warning("could not remove staging folder %s: %s", location.url, exc)


# --- Arrow IPC files ------------------------------------------------------------------------------


class IpcFileWriter:
    """An Arrow IPC file being written, table by table (all of one schema); `close` finishes it.

    Attributes:
        location: The file.
        rows: Rows written so far.
        nbytes: Arrow bytes of the tables written so far (their size in memory, not on disk).
    """

    def __init__(self, location: Location, schema: pa.Schema) -> None:
        fs = location.filesystem()
        parent = location.path.rsplit("/", 1)[0]
        if parent:
            fs.makedirs(parent, exist_ok=True)
        self.location = location
        self.rows = 0
        self.nbytes = 0
        self._handle = fs.open(location.path, "wb")
        try:
            self._writer = pa.ipc.new_file(self._handle, schema)
        except BaseException:
            self._handle.close()
            raise

    def write(self, table: pa.Table) -> None:
        """Append a table's rows."""
        self._writer.write_table(table)
        self.rows += table.num_rows
        self.nbytes += table.nbytes

    def close(self) -> None:
        """Finish the file (footer) and close it."""
        try:
            self._writer.close()
        finally:
            self._handle.close()


def read_ipc(location: Location) -> pa.Table:
    """Read one Arrow IPC file (memory-mapped when local: no copy)."""
    if location.protocol == "file":
        with pa.memory_map(location.path, "r") as source:
            return pa.ipc.open_file(source).read_all()
    with location.filesystem().open(location.path, "rb") as handle:
        return pa.ipc.open_file(pa.BufferReader(handle.read())).read_all()


def remove_files(files: Iterable[Location]) -> None:
    """Remove staged files no longer needed (missing ones are fine: a retried task)."""
    for location in files:
        with contextlib.suppress(FileNotFoundError):
            location.filesystem().rm_file(location.path)


#: ``(column, amount)`` pairs: `amount` is added to the column as a staged file is read.
KeyShifts = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class StagedSplit(Split):
    """Staged IPC files of a frame (neighbouring parts), read back with some bigint columns shifted.

    Attributes:
        name: The frame's name (for the split id).
        index: Position of the split in the frame.
        files: ``(file, shifts)`` per staged part, in frame order; ``shifts`` are ``(column,
            amount)`` pairs: `amount` is added to the column as it is read (relationalize's join
            keys, numbered per part when staged, made global here).
        schema: The schema every file is conformed to as it is read (a part may lack leaves
            the frame has, or hold narrower types), or None to read the files as they are.
        num_rows: Rows over the files, as staged (0 when not known).
        num_bytes: Arrow bytes over the files, as staged (0 when not known).
        columns: The columns to read, in this order (None: all); `schema` must hold them.
    """

    name: str
    index: int
    files: tuple[tuple[Location, KeyShifts], ...]
    schema: pa.Schema | None = None
    num_rows: int = 0
    num_bytes: int = 0
    columns: tuple[str, ...] | None = None

    @property
    def split_id(self) -> str:
        """Staged splits are named by their frame and position, like in-memory ones."""
        return f"staged:{self.name}:{self.index}"

    @property
    def size(self) -> int:
        """Staged data is the run's own, not input read from storage (counted as zero)."""
        return 0

    def read(self) -> ReadOutput:
        """Read the files, conform them and shift the key columns (rows not counted as records read)."""
        blocks = [_shifted(self._conformed(read_ipc(location)), shifts) for location, shifts in self.files]
        return ReadOutput(blocks=blocks, records=0)

    @property
    def read_schema(self) -> pa.Schema | None:
        """The schema of what `read` gives: `schema`, cut to `columns` when they are given."""
        if self.schema is None or self.columns is None:
            return self.schema
        return pa.schema([self.schema.field(name) for name in self.columns])

    def _conformed(self, table: pa.Table) -> pa.Table:
        # Columns already of the target field are reused by `conform_table` (no copy).
        schema = self.read_schema
        if schema is None:
            return table
        if self.columns is not None:  # a file may lack a column the frame has: conform fills it with nulls
            table = table.select([name for name in self.columns if name in table.column_names])
        return conform_table(table, schema)


def _shifted(table: pa.Table, shifts: KeyShifts) -> pa.Table:
    for column, amount in shifts:
        index = table.schema.get_field_index(column)
        if not amount or index < 0:  # a projection may have left the column out
            continue
        shifted = pc.add(table.column(index), pa.scalar(amount, table.schema.field(index).type))
        table = table.set_column(index, table.schema.field(index), shifted)
    return table
