"""Sources: what a plan's leaves read, cut into splits (one task each).

`FileSource` lists files under user paths through fsspec at execution time; each file is one
split. Files and folders whose name starts with ``_`` or ``.`` are skipped (``_SUCCESS``,
staging prefixes, ``.crc``), as Hadoop does. A path that does not exist raises
`FileNotFoundError`: a missing input is an I/O error, never an empty frame.
"""

from __future__ import annotations

import posixpath
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import pyarrow as pa

from glueworks.runtime.formats.base import FileFormat, ReadOutput
from glueworks.runtime.locations import Location


class Split(ABC):
    """One unit of input work; must pickle (splits travel to Ray tasks)."""

    @property
    @abstractmethod
    def split_id(self) -> str:
        """Stable id of the split within a run (metrics count each split once)."""

    @property
    @abstractmethod
    def size(self) -> int:
        """Bytes this split reads from storage."""

    @abstractmethod
    def read(self) -> ReadOutput:
        """Read the split into blocks and error records."""


@dataclass(frozen=True)
class FileSplit(Split):
    """One file read with one format."""

    location: Location
    file_size: int
    file_format: FileFormat

    @property
    def split_id(self) -> str:
        """The file's URL and the format that reads it."""
        return f"{self.file_format.name}:{self.location.url}"

    @property
    def size(self) -> int:
        """Size of the file from the listing."""
        return self.file_size

    def read(self) -> ReadOutput:
        """Open the file (decompressing by extension) and read it with the format."""
        fs = self.location.filesystem()
        with fs.open(self.location.path, "rb", compression="infer") as handle:
            return self.file_format.read(handle, self.location.url)


@dataclass(frozen=True)
class TableSplit(Split):
    """Blocks already in memory (frames made from Arrow tables or error records)."""

    name: str
    index: int
    tables: tuple[pa.Table, ...] = field(compare=False)

    @property
    def split_id(self) -> str:
        """In-memory splits are named by their frame and position."""
        return f"memory:{self.name}:{self.index}"

    @property
    def size(self) -> int:
        """In-memory data reads nothing from storage."""
        return 0

    def read(self) -> ReadOutput:
        """Hand back the tables (their rows are not counted as records read)."""
        return ReadOutput(blocks=list(self.tables), records=0)


@dataclass(frozen=True)
class FileSource:
    """Files under one or more paths, read with one format.

    Attributes:
        locations: The checked user paths (a file or a folder each).
        recurse: Read files in sub-folders too.
        file_format: How to read each file.
    """

    locations: tuple[Location, ...]
    recurse: bool
    file_format: FileFormat

    def splits(self) -> list[FileSplit]:
        """List the files (I/O); sorted per path so every executor sees the same order.

        Raises:
            FileNotFoundError: A path does not exist.
        """
        seen: set[str] = set()
        out: list[FileSplit] = []
        for location in self.locations:
            for path, size in _list_files(location, self.recurse):
                if path not in seen:
                    seen.add(path)
                    out.append(FileSplit(location.with_path(path), size, self.file_format))
        return out


def _list_files(location: Location, recurse: bool) -> list[tuple[str, int]]:
    fs = location.filesystem()
    root = location.path.rstrip("/") or location.path
    info = fs.info(root)
    if info["type"] != "directory":
        return [(root, int(info.get("size") or 0))]
    if recurse:
        entries = fs.find(root, detail=True, withdirs=False)
        listed = list(entries.values())
    else:
        listed = [entry for entry in fs.ls(root, detail=True) if entry["type"] != "directory"]
    files = []
    for entry in listed:
        path = entry["name"]
        relative = posixpath.relpath(path.rstrip("/"), root)
        if any(part.startswith(("_", ".")) for part in relative.split("/")):
            continue
        files.append((path, int(entry.get("size") or 0)))
    return sorted(files)
