"""Job bookmarks inside a run: which input is new, and the state the run would save.

The option is Glue's run argument ``--job-bookmark-option``:

* ``job-bookmark-disable`` (default): read everything, save nothing.
* ``job-bookmark-enable``: read only what is new since the saved bookmark; the new state is
  saved when the run SUCCEEDS and the script called ``job.commit()``.
* ``job-bookmark-pause``: read what is new since the saved bookmark (or, with
  ``--job-bookmark-from <run>`` and ``--job-bookmark-to <run>``, what arrived after the bookmark
  saved by run *from* up to the one saved by run *to*), and save nothing.

State is one JSON element per ``transformation_ctx`` (no ``transformation_ctx``: not
bookmarked). A file source's element is::

    {"kind": "files", "cut": <mtime seconds>, "files": {<path>: <mtime>, ...}, "band_ms": 900000}

A file is new when its modification time is after ``cut`` and it is not tracked with that same
time. After a run, ``cut`` moves to (newest mtime listed - band) and every file newer than the cut
stays tracked by path: a file that shows up late in a listing with an mtime inside the band is
still read once, as Glue's ``maxBand`` does. A file rewritten in place (a new mtime) is read again.
A file that appears with an mtime older than the cut is missed (the cost of a bounded state; widen
``maxBand`` for stores with slow listings).

A source with ``jobBookmarkKeys`` in its connection options is bookmarked by key columns instead
(`apply_key_bookmark`): its rows past the saved last key are new.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glueworks.runtime.frame import DynamicFrame
    from glueworks.runtime.sources import FileSource, FileSplit

OPTION_ARG = "--job-bookmark-option"
FROM_ARG = "--job-bookmark-from"
TO_ARG = "--job-bookmark-to"
ENABLE, DISABLE, PAUSE = "job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause"
OPTIONS = (ENABLE, DISABLE, PAUSE)
#: Glue's default ``maxBand``: 15 minutes.
DEFAULT_BAND_MS = 900_000


def option_from_arguments(arguments: Mapping[str, str]) -> str:
    """The bookmark option of a run's arguments (``--job-bookmark-option``; default disable).

    Raises:
        ValueError: An unknown option, or only one of ``--job-bookmark-from``/``--job-bookmark-to``,
            or a range without pause; the message names the argument.
    """
    option = arguments.get(OPTION_ARG) or arguments.get(OPTION_ARG[2:]) or DISABLE
    if option not in OPTIONS:
        raise ValueError(f"{OPTION_ARG}: must be one of {', '.join(OPTIONS)}, got {option!r}")
    start, end = range_from_arguments(arguments)
    if (start is None) != (end is None):
        raise ValueError(f"{FROM_ARG} and {TO_ARG}: give both or neither")
    if start is not None and option != PAUSE:
        raise ValueError(f"{FROM_ARG}/{TO_ARG}: only valid with {OPTION_ARG} {PAUSE}")
    return option


def range_from_arguments(arguments: Mapping[str, str]) -> tuple[str | None, str | None]:
    """``(--job-bookmark-from, --job-bookmark-to)`` run ids, each None when absent."""
    start = arguments.get(FROM_ARG) or arguments.get(FROM_ARG[2:])
    end = arguments.get(TO_ARG) or arguments.get(TO_ARG[2:])
    return start or None, end or None


@dataclass(frozen=True)
class BookmarkSpec:
    """What a run starts from (sent by the platform in the launch request).

    Attributes:
        option: One of `OPTIONS`.
        version: Version of the stored bookmark the run starts from (compare-and-set on save).
        state: The starting state per ``transformation_ctx``.
        to_state: With a pause range, the upper bound (the state saved by run *to*).
    """

    option: str = DISABLE
    version: int = 0
    state: Mapping[str, Any] = field(default_factory=dict)
    to_state: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-shaped form."""
        return {"option": self.option, "version": self.version, "state": dict(self.state), "to_state": self.to_state}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None) -> BookmarkSpec:
        """Parse `to_dict` output (None: bookmarks disabled).

        Raises:
            ValueError: A malformed field, named in the message.
        """
        if not value:
            return cls()
        option = str(value.get("option", DISABLE))
        if option not in OPTIONS:
            raise ValueError(f"bookmark.option: must be one of {', '.join(OPTIONS)}, got {option!r}")
        state = value.get("state") or {}
        if not isinstance(state, Mapping):
            raise ValueError("bookmark.state: must be an object")
        to_state = value.get("to_state")
        if to_state is not None and not isinstance(to_state, Mapping):
            raise ValueError("bookmark.to_state: must be an object or null")
        return cls(option, int(value.get("version", 0)), dict(state), None if to_state is None else dict(to_state))


def _is_new(element: Mapping[str, Any] | None, path: str, mtime: float) -> bool:
    if not element:
        return True
    tracked = element.get("files") or {}
    return mtime > _cut(element) and tracked.get(path) != mtime


def _cut(element: Mapping[str, Any] | None) -> float:
    value = None if not element else element.get("cut")
    return float("-inf") if value is None else float(value)


def select_files(
    listing: Sequence[tuple[str, float]],
    element: Mapping[str, Any] | None,
    band_ms: int = DEFAULT_BAND_MS,
    upper: Mapping[str, Any] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Pick the new files of a listing and compute the element the run would save.

    Args:
        listing: ``(path, mtime seconds)`` of every file the source listed.
        element: The saved element of this source, or None (everything is new).
        band_ms: Band of individually tracked files below the newest mtime, in milliseconds.
        upper: With a pause range, the element saved by run *to*: files it already covered are
            read, later ones are not.

    Returns:
        ``(paths to read, new element)``; paths keep the listing's order.
    """
    chosen = [
        path
        for path, mtime in listing
        if _is_new(element, path, mtime) and (upper is None or not _is_new(upper, path, mtime))
    ]
    old_cut = _cut(element)
    top = max((mtime for _, mtime in listing), default=None)
    cut = old_cut if top is None else max(old_cut, top - band_ms / 1000.0)
    tracked = {path: mtime for path, mtime in listing if mtime > cut}
    if element:
        # Files tracked before and not listed now (listing lag) stay tracked while inside the band.
        for path, mtime in (element.get("files") or {}).items():
            if float(mtime) > cut:
                tracked.setdefault(path, float(mtime))
    # No cut yet (nothing listed ever) is stored as null: JSON has no -Infinity.
    new: dict[str, Any] = {
        "kind": "files",
        "cut": None if cut == float("-inf") else cut,
        "band_ms": band_ms,
        "files": dict(sorted(tracked.items())),
    }
    return chosen, new


class RunBookmarks:
    """The bookmark state of one run: read by sources, saved by the platform after success.

    Args:
        spec: What the run starts from.
    """

    def __init__(self, spec: BookmarkSpec | None = None) -> None:
        self.spec = spec or BookmarkSpec()
        self._lock = threading.Lock()
        self._updates: dict[str, dict[str, Any]] = {}

    @property
    def active(self) -> bool:
        """Whether sources filter their input (enable or pause)."""
        return self.spec.option != DISABLE

    def filter_files(
        self, transformation_ctx: str, listing: Sequence[tuple[str, float]], band_ms: int = DEFAULT_BAND_MS
    ) -> list[str]:
        """The new files of a listing for source `transformation_ctx` (all of them when inactive)."""
        if not self.active or not transformation_ctx:
            return [path for path, _ in listing]
        element = self.spec.state.get(transformation_ctx)
        upper = None if self.spec.to_state is None else self.spec.to_state.get(transformation_ctx)
        chosen, new = select_files(listing, element, band_ms, upper)
        with self._lock:
            # A frame executed twice lists again: the later listing (a superset) wins.
            self._updates[transformation_ctx] = new
        return chosen

    def filter_keys(
        self, transformation_ctx: str, keys: tuple[str, ...], order: str, rows: Sequence[tuple[Any, ...]]
    ) -> list[bool]:
        """Which rows (their key tuples) are new for source `transformation_ctx`; notes the new last key."""
        element = self.spec.state.get(transformation_ctx) or {}
        upper = (self.spec.to_state or {}).get(transformation_ctx) if self.spec.to_state is not None else None
        last = tuple(element["last"]) if element.get("kind") == "keys" and element.get("last") is not None else None
        bound = tuple(upper["last"]) if upper and upper.get("last") is not None else None
        descending = order == "desc"

        def after(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
            return bool(a < b) if descending else bool(a > b)

        mask = [(last is None or after(row, last)) and (bound is None or not after(row, bound)) for row in rows]
        seen = [row for row, keep in zip(rows, mask, strict=True) if keep]
        newest = last
        if seen:
            edge = max(seen) if order == "asc" else min(seen)
            newest = edge if newest is None or after(edge, newest) else newest
        new = {"kind": "keys", "keys": list(keys), "order": order, "last": None if newest is None else list(newest)}
        with self._lock:
            self._updates[transformation_ctx] = new
        return mask

    def new_state(self) -> dict[str, Any] | None:
        """The state to save (saved elements with this run's updates), or None when nothing is saved."""
        if self.spec.option != ENABLE:
            return None
        with self._lock:
            return {**dict(self.spec.state), **self._updates}


class LocalBookmarkStore:
    """Bookmarks of ``run-local`` in one JSON file: ``{job name: {"version": n, "state": {...}}}``.

    Args:
        path: The file (created on first save).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text() or "{}")
        if not isinstance(data, dict):
            raise ValueError(f"bookmark file {self.path}: must hold a JSON object")
        return data

    def load(self, job_name: str, option: str) -> BookmarkSpec:
        """The spec a local run of `job_name` starts from."""
        entry = self._read().get(job_name) or {}
        return BookmarkSpec(option, int(entry.get("version", 0)), dict(entry.get("state") or {}))

    def save(self, job_name: str, spec: BookmarkSpec, state: Mapping[str, Any]) -> None:
        """Save `state` for `job_name` (next version), written aside and renamed over.

        Raises:
            RuntimeError: The file changed since the run loaded its bookmark (a concurrent run).
        """
        data = self._read()
        current = int((data.get(job_name) or {}).get("version", 0))
        if current != spec.version:
            raise RuntimeError(
                f"bookmark of job {job_name!r} changed while the run was going (version {spec.version} -> {current})"
            )
        data[job_name] = {"version": current + 1, "state": dict(state)}
        temp = self.path.with_suffix(self.path.suffix + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps(data, indent=2, sort_keys=True))
        temp.replace(self.path)


def listing_with_mtimes(fs: Any, paths: Iterable[str]) -> list[tuple[str, float]]:
    """``(path, mtime seconds)`` of each path (one ``info`` call each; fsspec caches S3 listings)."""
    out: list[tuple[str, float]] = []
    for path in paths:
        out.append((path, _mtime(fs.info(path))))
    return out


def _mtime(info: Mapping[str, Any]) -> float:
    for key in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        return float(value)
    raise ValueError(f"no modification time for {info.get('name')!r}")


def filter_listing(source: FileSource, files: list[FileSplit]) -> list[FileSplit]:
    """The listing hook of `FileSource`: drop files hidden by the commit log, then old files.

    Files named by the user directly (a path that is a file) are never hidden. Bookmarks apply
    when a run with bookmarks enabled (or paused) is active and the source has a
    ``transformation_ctx``.
    """
    from glueworks.runtime.commit_log import complete_listing
    from glueworks.runtime.run_context import current_context

    if not files:
        return files
    roots = {location.path.rstrip("/") for location in source.locations}
    fs = files[0].location.filesystem()
    listed = [f.location.path for f in files if f.location.path not in roots]
    visible, missing = complete_listing(fs, "", listed)
    shown = set(visible)
    files = [f for f in files if f.location.path in roots or f.location.path in shown]
    files += _listed_late(source, fs, missing)
    ctx = current_context()
    if ctx is None or not ctx.bookmarks.active or not source.transformation_ctx or not files:
        return files
    listing = listing_with_mtimes(fs, [f.location.path for f in files])
    band = DEFAULT_BAND_MS if source.bookmark_band_ms is None else source.bookmark_band_ms
    chosen = set(ctx.bookmarks.filter_files(source.transformation_ctx, listing, band))
    return [f for f in files if f.location.path in chosen]


def _listed_late(source: FileSource, fs: Any, paths: Sequence[str]) -> list[FileSplit]:
    """Splits for committed files a listing missed (published meanwhile), under the source's own rules."""
    import posixpath

    from glueworks.runtime.sources import FileSplit, glob_to_regex

    excluded = [glob_to_regex(pattern) for pattern in source.exclusions]
    out: list[FileSplit] = []
    for path in paths:
        for location in source.locations:
            root = location.path.rstrip("/")
            if not path.startswith(root + "/"):
                continue
            relative = posixpath.relpath(path, root)
            if not source.recurse and "/" in relative:
                continue
            if any(part.startswith(("_", ".")) for part in relative.split("/")):
                continue
            split = FileSplit(location.with_path(path), int(fs.info(path).get("size") or 0), source.file_format)
            if any(rx.fullmatch(split.location.url) or rx.fullmatch(relative) for rx in excluded):
                continue
            out.append(split)
            break
    return out


def with_bookmark(source: Any, transformation_ctx: str, connection_options: Mapping[str, Any] | None) -> Any:
    """`source` named for bookmarks: a `FileSource` gets `transformation_ctx` and Glue's ``maxBand`` (ms).

    Raises:
        InvalidOptionError: ``maxBand`` is not a non-negative integer (``connection_options.maxBand``).
    """
    import dataclasses

    from glueworks.runtime.errors import InvalidOptionError
    from glueworks.runtime.sources import FileSource

    if not isinstance(source, FileSource) or not transformation_ctx:
        return source
    band = (connection_options or {}).get("maxBand")
    if band is not None:
        try:
            band = int(band)
        except (TypeError, ValueError):
            band = -1
        if band < 0:
            raise InvalidOptionError("connection_options.maxBand", "must be an integer number of milliseconds >= 0")
    return dataclasses.replace(source, transformation_ctx=transformation_ctx, bookmark_band_ms=band)


def local_bookmarks(bookmark_file: str | os.PathLike[str] | None, job_name: str, argv: Sequence[str]) -> RunBookmarks:
    """The bookmarks of a ``run-local`` run: the option from the script's arguments, state from `bookmark_file`.

    Without a file, bookmarks are disabled (``--job-bookmark-option`` then needs ``bookmark_file``).

    Raises:
        ValueError: A bad ``--job-bookmark-*`` argument, or bookmarks enabled without a file.
    """
    values: dict[str, str] = {}
    for index, token in enumerate(argv):
        name, has_value, value = token.partition("=")
        if not has_value and index + 1 < len(argv):
            value = argv[index + 1]
        if name in (OPTION_ARG, FROM_ARG, TO_ARG):
            values[name] = value
    option = option_from_arguments(values)
    if option == DISABLE:
        return RunBookmarks()
    if bookmark_file is None:
        raise ValueError(f"{OPTION_ARG} {option}: run-local keeps bookmarks in a file; give bookmark_file")
    if range_from_arguments(values) != (None, None):
        raise ValueError(f"{FROM_ARG}/{TO_ARG}: not supported by run-local (it keeps no per-run history)")
    return RunBookmarks(LocalBookmarkStore(bookmark_file).load(job_name, option))


def save_local_bookmarks(
    bookmark_file: str | os.PathLike[str] | None, job_name: str, update: Mapping[str, Any] | None
) -> None:
    """Save what `JobRunContext.bookmark_update` returned after a successful local run (None: nothing)."""
    if bookmark_file is None or update is None:
        return
    spec = BookmarkSpec(ENABLE, int(update["version"]), {})
    LocalBookmarkStore(bookmark_file).save(job_name, spec, update["state"])


KEYS_OPTION = "jobBookmarkKeys"
KEYS_ORDER_OPTION = "jobBookmarkKeysSortOrder"


def split_key_options(
    connection_options: Mapping[str, Any] | None,
) -> tuple[dict[str, Any] | None, tuple[str, ...], str]:
    """Take ``jobBookmarkKeys``/``jobBookmarkKeysSortOrder`` out of connection options.

    Returns:
        ``(the other options, key columns, "asc" | "desc")``; no keys: ``()``.

    Raises:
        InvalidOptionError: Keys that are not a non-empty list of column names, or another sort order.
    """
    from glueworks.runtime.errors import InvalidOptionError

    if not connection_options or (
        KEYS_OPTION not in connection_options and KEYS_ORDER_OPTION not in connection_options
    ):
        return None if connection_options is None else dict(connection_options), (), "asc"
    rest = dict(connection_options)
    keys = rest.pop(KEYS_OPTION, None)
    order = str(rest.pop(KEYS_ORDER_OPTION, "asc")).lower()
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list | tuple) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise InvalidOptionError(f"connection_options.{KEYS_OPTION}", "must be a non-empty list of column names")
    if order not in ("asc", "desc"):
        raise InvalidOptionError(f"connection_options.{KEYS_ORDER_OPTION}", f"must be asc or desc, got {order!r}")
    return rest, tuple(keys), order


def apply_key_bookmark(frame: DynamicFrame, transformation_ctx: str, keys: Sequence[str], order: str) -> DynamicFrame:
    """Keep only rows whose bookmark key is past the saved one, and note the new last key.

    Keys compare as a tuple in `keys` order; ``asc``: rows with a key greater than the saved maximum are new
    (``desc``: smaller than the saved minimum). As in Glue, keys must grow strictly (asc) with new rows and
    updates of old rows are not seen. Cost: the input is read once here and held in the driver (the frame
    returned is in memory), which is what makes the saved key match exactly the rows the script got.

    Raises:
        InvalidOptionError: A key column is missing, holds nulls, or holds values that are not numbers or
            strings (``jobBookmarkKeys`` is named).
    """
    from glueworks.runtime.errors import InvalidOptionError
    from glueworks.runtime.frame import DynamicFrame
    from glueworks.runtime.run_context import current_context

    ctx = current_context()
    if ctx is None or not ctx.bookmarks.active or not transformation_ctx:
        return frame
    table = frame.toDF()
    option = f"connection_options.{KEYS_OPTION}"
    for key in keys:
        if key not in table.column_names:
            raise InvalidOptionError(option, f"column {key!r} is not in the input (columns: {table.column_names})")
        if table.column(key).null_count:
            raise InvalidOptionError(option, f"column {key!r} is null in {table.column(key).null_count} rows")
    columns = [table.column(key).to_pylist() for key in keys]
    rows = list(zip(*columns, strict=True))
    for value in (v for row in rows[:1] for v in row):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOptionError(option, f"keys must be numbers or strings, got {type(value).__name__}")
    mask = ctx.bookmarks.filter_keys(transformation_ctx, tuple(keys), order, rows)
    import pyarrow as pa

    kept = table.filter(pa.array(mask, pa.bool_()))
    return DynamicFrame.fromDF(kept, frame.glue_ctx, frame.name or transformation_ctx)
