"""The output commit log: what makes files written by a glueworks run visible to glueworks readers.

Layout, for output folder ``out`` and write token ``jr_1-0-w1`` (``<run>-<attempt>-w<n>``)::

    out/_glueworks_staging/jr_1-0-w1/dt=d1/part-00003.snappy.parquet   written by the tasks
    out/_glueworks_staging/jr_1-0-w1/_manifest.json                     the driver's manifest
    out/dt=d1/part-00003-jr_1-0-w1.snappy.parquet                        after publication (moved)
    out/_glueworks_log/jr_1-0-w1.commit                                  the commit: one atomic write (JSON)

Rule for readers (`visible_files`): a file whose name has the glueworks shape ``part-NNNNN-<token>…``
is visible only once a ``_glueworks_log/<token>.commit`` entry in one of its ancestor folders lists
it; any other file is always visible. Publishing moves every staged file into its final place
first and writes the log entry last, so a reader sees the old output or the whole new one, never
a mix, and a crash half-way through leaves moved files that stay hidden until publication is
rolled forward (`publish` is idempotent).

Choice and cost: files are staged under ``_glueworks_staging`` and moved on publication (rather
than written straight into the final folders, hidden until logged). On a local filesystem a move
is a rename; on S3 it is a server-side copy plus a delete per file, so publishing costs one copy
of the output's bytes inside the store (no data passes through the platform). In exchange,
staging of a failed, stopped or timed-out run is one prefix to delete, and a folder never holds
files of runs that did not commit, which keeps non-glueworks readers (Spark, DuckDB, Athena)
that ignore ``_``-prefixed folders correct as well. Log entries are written with one object PUT
(S3) or a write to a temporary name and a rename (local), both atomic for readers.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STAGING_DIR = "_glueworks_staging"
LOG_DIR = "_glueworks_log"
MANIFEST_NAME = "_manifest.json"
# Not ".json": tools globbing an output for "*.json" data must not pick commit entries up.
LOG_SUFFIX = ".commit"
# part-00003-jr_1-0-w1.snappy.parquet -> token "jr_1-0-w1" (run id, attempt, write number).
_WRITTEN = re.compile(r"^part-\d{5}-(?P<token>[^/]*?-\d+-w\d+)(?:\.|$)")


@dataclass(frozen=True)
class StagedFile:
    """One staged file of an output and its final place (what a sink's part wrote, and a manifest lists).

    Attributes:
        staged_path: Filesystem path of the staged file.
        relative_path: Final path under the output folder.
        records: Rows in the file.
        size: Bytes in the file.
    """

    staged_path: str
    relative_path: str
    records: int
    size: int


@dataclass(frozen=True)
class OutputManifest:
    """Everything needed to publish one output of a run (travels from the driver to the platform).

    Attributes:
        location: URL of the output folder.
        token: The write token (``<run>-<attempt>-w<n>``) naming staging, files and the log entry.
        files: The staged files, exactly one per (writer task, partition folder).
    """

    location: str
    token: str
    files: tuple[StagedFile, ...]

    @property
    def records(self) -> int:
        """Rows over all files."""
        return sum(f.records for f in self.files)

    @property
    def size(self) -> int:
        """Bytes over all files."""
        return sum(f.size for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-shaped dict (the form stored in the outputs table)."""
        return {
            "location": self.location,
            "token": self.token,
            "records": self.records,
            "size": self.size,
            "files": [
                {"staged_path": f.staged_path, "relative_path": f.relative_path, "records": f.records, "size": f.size}
                for f in self.files
            ],
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> OutputManifest:
        """Parse `to_dict` output.

        Raises:
            ValueError: A field is missing or of the wrong type; the message names it.
        """
        try:
            files = tuple(
                StagedFile(str(f["staged_path"]), str(f["relative_path"]), int(f["records"]), int(f["size"]))
                for f in value["files"]
            )
            manifest = cls(str(value["location"]), str(value["token"]), files)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"manifest: malformed ({type(exc).__name__}: {exc})") from None
        for f in manifest.files:
            if f.relative_path.startswith("/") or ".." in f.relative_path.split("/"):
                raise ValueError(f"manifest.files.relative_path: not a relative path: {f.relative_path!r}")
        return manifest


def written_token(name: str) -> str | None:
    """The write token in a glueworks output file name, or None for any other file."""
    match = _WRITTEN.match(posixpath.basename(name))
    return match.group("token") if match else None


def staging_path(root: str, token: str) -> str:
    """The staging folder of `token` under output folder `root` (filesystem paths)."""
    return posixpath.join(root.rstrip("/"), STAGING_DIR, token)


def log_entry_path(root: str, token: str) -> str:
    """The log entry of `token` under output folder `root`."""
    return posixpath.join(root.rstrip("/"), LOG_DIR, f"{token}{LOG_SUFFIX}")


def write_manifest(fs: Any, root: str, manifest: OutputManifest) -> str:
    """Write the manifest into the output's staging folder (so staging explains itself); return its path."""
    path = posixpath.join(staging_path(root, manifest.token), MANIFEST_NAME)
    _atomic_write(fs, path, json.dumps(manifest.to_dict(), sort_keys=True).encode())
    return path


def publish(fs: Any, root: str, manifest: OutputManifest, *, run_id: str = "") -> list[str]:
    """Make an output visible: move each staged file into place, then write the log entry.

    Idempotent (a crash at any point is repaired by calling it again): a file already in place
    is not moved again, and the log entry is rewritten with the same content.

    Args:
        fs: The output's fsspec filesystem.
        root: The output folder (filesystem path).
        manifest: What to publish.
        run_id: Recorded in the log entry.

    Returns:
        Filesystem paths of the published files.

    Raises:
        FileNotFoundError: A staged file is gone and is not in place either (staging was lost).
    """
    root = root.rstrip("/")
    # Object-store filesystems cache listings; a stale one would say a moved file is not in place.
    fs.invalidate_cache()
    finals: list[str] = []
    for item in manifest.files:
        final = posixpath.join(root, item.relative_path)
        finals.append(final)
        if fs.exists(item.staged_path):
            fs.makedirs(posixpath.dirname(final), exist_ok=True)
            fs.mv(item.staged_path, final)
        elif not fs.exists(final):
            raise FileNotFoundError(f"staged file {item.staged_path} of output {manifest.location} is gone")
    entry = {
        "token": manifest.token,
        "run_id": run_id,
        "files": sorted(f.relative_path for f in manifest.files),
        "records": manifest.records,
        "size": manifest.size,
    }
    _atomic_write(fs, log_entry_path(root, manifest.token), json.dumps(entry, sort_keys=True).encode())
    remove_staging(fs, root, manifest.token)
    return finals


def remove_staging(fs: Any, root: str, token: str) -> None:
    """Delete the staging folder of `token`, and the staging parent when it is left empty."""
    folder = staging_path(root, token)
    with contextlib.suppress(FileNotFoundError):
        if fs.exists(folder):
            fs.rm(folder, recursive=True)
    parent = posixpath.dirname(folder)
    # Other writes may be staging beside this one; only an empty parent goes.
    with contextlib.suppress(OSError):
        if fs.exists(parent) and not fs.ls(parent):
            fs.rmdir(parent)


def visible_files(fs: Any, root: str, paths: Iterable[str]) -> list[str]:
    """Keep the paths a glueworks reader may see (order kept).

    A glueworks-written file (``part-NNNNN-<token>…``) is visible once a log entry for its token in
    one of its ancestor folders lists it; other files are always visible. Log folders are read once
    per ancestor folder, so the cost is one listing per distinct folder, not one request per file.

    Args:
        fs: The fsspec filesystem of the paths.
        root: The folder the reader listed (ancestors above it are checked too, for readers of
            one partition folder of an output).
        paths: Filesystem paths of listed files.
    """
    return complete_listing(fs, root, paths)[0]


def complete_listing(fs: Any, root: str, paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """`visible_files`, plus the files of the log entries consulted that the listing missed.

    A listing taken while a publication was moving files, followed by a look at the log after its entry
    was written, holds only part of that output; the entry names the rest, which are in place (the entry
    is written after the moves). Adding them gives the reader the whole new output, never a mix.

    Returns:
        ``(visible paths in order, paths logged but not listed)``.
    """
    del root  # the search walks up from each file, so it also works above the listed folder
    listed = list(paths)
    logs = _LogCache(fs)
    out: list[str] = []
    for path in listed:
        token = written_token(path)
        if token is None or logs.lists(path, token):
            out.append(path)
    present = set(listed)
    missing = sorted(
        full
        for (folder, _token), files in logs.consulted().items()
        for full in (posixpath.join(folder, relative) for relative in files)
        if full not in present
    )
    return out, missing


class _LogCache:
    """Log entries per folder, read lazily."""

    def __init__(self, fs: Any) -> None:
        self._fs = fs
        self._tokens: dict[str, frozenset[str]] = {}
        self._entries: dict[tuple[str, str], frozenset[str]] = {}

    def lists(self, path: str, token: str) -> bool:
        folder = posixpath.dirname(path.rstrip("/"))
        while True:
            if token in self._tokens_in(folder):
                relative = posixpath.relpath(path, folder)
                return relative in self._entry(folder, token)
            parent = posixpath.dirname(folder)
            if not parent or parent == folder:
                return False
            folder = parent

    def consulted(self) -> dict[tuple[str, str], frozenset[str]]:
        """The entries read so far: (folder, token) -> relative paths."""
        return dict(self._entries)

    def _tokens_in(self, folder: str) -> frozenset[str]:
        if folder not in self._tokens:
            log_dir = posixpath.join(folder, LOG_DIR)
            try:
                listed = self._fs.ls(log_dir, detail=False, refresh=True)  # a cached listing may predate an entry
                names = [posixpath.basename(str(p).rstrip("/")) for p in listed]
            except (FileNotFoundError, NotADirectoryError):
                names = []
            self._tokens[folder] = frozenset(n[: -len(LOG_SUFFIX)] for n in names if n.endswith(LOG_SUFFIX))
        return self._tokens[folder]

    def _entry(self, folder: str, token: str) -> frozenset[str]:
        key = (folder, token)
        if key not in self._entries:
            try:
                data = json.loads(self._fs.cat_file(log_entry_path(folder, token)))
                self._entries[key] = frozenset(str(p) for p in data.get("files", []))
            except (FileNotFoundError, ValueError):
                self._entries[key] = frozenset()
        return self._entries[key]


def read_log(fs: Any, root: str) -> dict[str, list[str]]:
    """Every log entry under output folder `root`: token → relative file paths."""
    out: dict[str, list[str]] = {}
    log_dir = posixpath.join(root.rstrip("/"), LOG_DIR)
    try:
        names = sorted(str(p) for p in fs.ls(log_dir, detail=False))
    except FileNotFoundError:
        return out
    for name in names:
        if name.endswith(LOG_SUFFIX):
            data = json.loads(fs.cat_file(name))
            out[str(data.get("token"))] = [str(p) for p in data.get("files", [])]
    return out


def _atomic_write(fs: Any, path: str, data: bytes) -> None:
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    if {"file", "local"} & set(_protocols(fs)):
        # A reader must never see half an entry: write aside, then rename over.
        temp = f"{path}.{uuid.uuid4().hex}.tmp"
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        return
    fs.pipe_file(path, data)  # one PUT: an object store shows all of it or nothing


def _protocols(fs: Any) -> Sequence[str]:
    protocol = getattr(fs, "protocol", ())
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
