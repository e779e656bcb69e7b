"""Sources: what a plan's leaves read, cut into splits (one task each).

`FileSource` lists files under user paths through fsspec at execution time; each file is one
split, or with ``groupFiles`` small files are packed into one split up to ``groupSize``
bytes. Files and folders whose name starts with ``_`` or ``.`` are skipped (``_SUCCESS``,
staging prefixes, ``.crc``), as Hadoop does, and so are files matching an ``exclusions``
glob. A path that does not exist raises `FileNotFoundError`: a missing input is an I/O error,
never an empty frame.

`DataSource` is what ``GlueContext.getSource`` returns (``setFormat`` then ``getFrame``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import posixpath
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from glueworks.runtime.connection import Connection
from glueworks.runtime.formats.base import FileFormat, ReadOutput
from glueworks.runtime.formats.compression import decompress
from glueworks.runtime.locations import Location

if TYPE_CHECKING:
    from glueworks.runtime.frame import DynamicFrame

#: Files per split above which Glue groups files even when not asked to.
AUTO_GROUP_FILES = 50_000
#: Bytes per grouped split when ``groupSize`` is not given.
DEFAULT_GROUP_SIZE = 64 * 1024 * 1024


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
        """Open the file, undo whole-file compression (text formats), read it with the format.

        Raises:
            CompressedInputError: The file cannot be decompressed (an `OSError`).
        """
        fs = self.location.filesystem()
        codec = self.file_format.codec_for(self.location.path)
        with naming_input(self.location), fs.open(self.location.path, "rb") as handle:
            if codec == "none":
                return self.file_format.read(handle, self.location.url)
            data = decompress(handle.read(), codec, self.location.url)
        return self.file_format.read(io.BytesIO(data), self.location.url)


@contextlib.contextmanager
def naming_input(location: Location) -> Iterator[None]:
    """Make an I/O error raised while reading `location` name it (s3fs says only "The
    specified key does not exist."); the exception type (`FileNotFoundError`,
    `PermissionError`, any `OSError`) is kept, so callers catch what they always caught."""
    try:
        yield
    except OSError as exc:
        text = str(exc)
        if location.url in text or location.path in text:
            raise
        message = f"cannot read {location.url}: {exc.strerror or text or type(exc).__name__}"
        try:
            named = type(exc)(exc.errno, message, location.url) if exc.errno is not None else type(exc)(message)
        except Exception:  # an OSError subclass with another constructor
            named = OSError(message)
        raise named from exc


@dataclass(frozen=True)
class FileGroupSplit(Split):
    """Several small files read in one task (``groupFiles``); blocks keep each file's schema."""

    files: tuple[FileSplit, ...]

    @property
    def split_id(self) -> str:
        """The format, the file count and a digest of the file URLs."""
        digest = hashlib.sha256("\n".join(f.location.url for f in self.files).encode()).hexdigest()[:16]
        return f"{self.files[0].file_format.name}:group:{len(self.files)}:{digest}"

    @property
    def size(self) -> int:
        """Bytes over all files."""
        return sum(f.size for f in self.files)

    def read(self) -> ReadOutput:
        """Read each file in turn."""
        out = ReadOutput()
        for split in self.files:
            one = split.read()
            out.blocks.extend(one.blocks)
            out.errors.extend(one.errors)
            out.records += one.records
        return out


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
        exclusions: Glob patterns of files to skip (``*`` within a folder, ``**`` across folders),
            matched against the file's URL and its path under the input path.
        group_files: Pack files into splits of about `group_size` bytes (``inPartition``).
        group_size: Bytes per grouped split, or None for the default.
    """

    locations: tuple[Location, ...]
    recurse: bool
    file_format: FileFormat
    exclusions: tuple[str, ...] = ()
    group_files: bool = False
    group_size: int | None = None
    # Listing hooks (glueworks.runtime.bookmarks.filter_listing): commit-log visibility, and job
    # bookmarks of the source named `transformation_ctx` (band in ms, Glue's maxBand).
    transformation_ctx: str = ""
    bookmark_band_ms: int | None = None

    def splits(self, parallelism: int | None = None) -> list[Split]:
        """List the files (I/O); sorted per path so every executor sees the same order.

        Args:
            parallelism: The run's capacity. When given (executors pass it), large line-delimited
                files are cut into byte ranges and many small files packed, sized by it (see
                `glueworks.runtime.splitting`); when None, one split per file.

        Raises:
            FileNotFoundError: A path does not exist.
        """
        excluded = [glob_to_regex(pattern) for pattern in self.exclusions]
        seen: set[str] = set()
        files: list[FileSplit] = []
        for location in self.locations:
            root = location.path.rstrip("/")
            for path, size in _list_files(location, self.recurse):
                if path in seen:
                    continue
                seen.add(path)
                split = FileSplit(location.with_path(path), size, self.file_format)
                relative = posixpath.relpath(path, root) if path != root else posixpath.basename(path)
                if any(rx.fullmatch(split.location.url) or rx.fullmatch(relative) for rx in excluded):
                    continue
                files.append(split)
        from glueworks.runtime.bookmarks import filter_listing

        files = filter_listing(self, files)
        if self.group_files or len(files) > AUTO_GROUP_FILES:
            return _group(files, self.group_size or DEFAULT_GROUP_SIZE)
        if parallelism is None:
            return list(files)
        from glueworks.runtime.splitting import plan_splits

        return plan_splits(files, parallelism)


def _group(files: list[FileSplit], group_size: int) -> list[Split]:
    """Pack consecutive files into groups of at least `group_size` bytes (the last may be smaller)."""
    out: list[Split] = []
    current: list[FileSplit] = []
    size = 0
    for split in files:
        current.append(split)
        size += split.size
        if size >= group_size:
            out.append(FileGroupSplit(tuple(current)))
            current, size = [], 0
    if current:
        out.append(FileGroupSplit(tuple(current)))
    return out


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Glue exclusion glob: ``**`` matches across folders, ``*`` and ``?`` within one,
    ``[...]`` a character class, ``{a,b}`` alternatives."""
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
                i = end
        elif ch == "{":
            out.append("(?:")
            depth += 1
        elif ch == "}" and depth:
            out.append(")")
            depth -= 1
        elif ch == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


class DataSource(Connection):
    """What ``GlueContext.getSource`` returns: options now, a frame on `getFrame`."""

    def getFrame(self, **kwargs: Any) -> DynamicFrame:
        """The frame over the source (lazy, like ``create_dynamic_frame.from_options``)."""
        return self._glue_context.create_dynamic_frame.from_options(
            connection_type=self._connection_type,
            connection_options=self._options,
            format=self._format,
            format_options=self._format_options,
            transformation_ctx=self._transformation_ctx,
            **kwargs,
        )


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
