"""Listing a crawl target: one recursive listing, hidden names, exclusions, SampleSize, known folders.

A target is listed with a single ``fs.find(detail=True)`` (one paginated listing on S3, one directory walk
locally), never one listing per folder. A file is skipped when any part of its path under the target starts
with ``_`` or ``.`` (``_SUCCESS``, ``_temporary/``, glueworks' ``_glueworks_*`` commit folders, ``.crc`` files),
or when it or one of its folders matches an exclusion glob (Glue's semantics, relative to the target: ``*``
stays inside one path segment, ``**`` crosses segments, ``?`` is one character, ``{a,b}`` either, ``[ab]`` a
class, ``[!ab]`` its complement).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import fsspec

from glueworks.platform.crawlers.model import CrawlTarget
from glueworks.runtime.locations import parse_location


@dataclass(frozen=True)
class ListedFile:
    """A data file of a target.

    Attributes:
        path: The filesystem path (``bucket/key`` on S3, absolute locally).
        size: Bytes.
        read: Whether to read it (False past SampleSize: it is only counted).
    """

    path: str
    size: int
    read: bool = True


@dataclass
class Folder:
    """A leaf folder: one that holds data files directly.

    Attributes:
        parts: Folder names from the target root down to this folder (empty for the root).
        url: The folder's URL without a trailing slash.
        files: Its data files, sorted by path.
        known: The folder is in the config's known folders (not read again).
    """

    parts: tuple[str, ...]
    url: str
    files: list[ListedFile] = field(default_factory=list)
    known: bool = False


@dataclass
class Listing:
    """A listed target.

    Attributes:
        protocol: ``file`` or ``s3`` (or ``memory``).
        root: The target's filesystem path without a trailing slash.
        root_url: The target's URL without a trailing slash.
        folders: Leaf folders by their parts.
        storage_options: The filesystem's keyword arguments.
    """

    protocol: str
    root: str
    root_url: str
    folders: dict[tuple[str, ...], Folder]
    storage_options: Mapping[str, Any]

    def url_of(self, path: str) -> str:
        """The URL of a filesystem path of this target."""
        return path if self.protocol == "file" else f"{self.protocol}://{path}"

    def folder_url(self, parts: Sequence[str]) -> str:
        """The URL of a folder under the root (without a trailing slash)."""
        return "/".join([self.root_url, *parts]) if parts else self.root_url


def filesystem(protocol: str, storage_options: Mapping[str, Any]) -> fsspec.AbstractFileSystem:
    """The fsspec filesystem of a protocol (cached by fsspec per options)."""
    return fsspec.filesystem(protocol, **dict(storage_options))


def normalize_url(url: str) -> str:
    """A folder URL without trailing slashes (how known folders are compared)."""
    stripped = url.rstrip("/")
    return stripped or url


def list_target(
    target: CrawlTarget,
    storage_options: Mapping[str, Mapping[str, Any]],
    known_folders: Iterable[str] = (),
) -> Listing:
    """List a target's data files, grouped by leaf folder.

    Args:
        target: The include path, its exclusions and SampleSize.
        storage_options: fsspec options per protocol.
        known_folders: Folder URLs whose files are not read (``CRAWL_NEW_FOLDERS_ONLY``).

    Returns:
        The listing; files of known folders are listed (they shape the tables) but marked unread.
    """
    location = parse_location(target.path, "Targets.S3Targets.Path", storage_options)
    options = location.storage_options
    fs = filesystem(location.protocol, options)
    root = location.path.rstrip("/") or location.path
    root_url = normalize_url(location.url)
    known = {normalize_url(url) for url in known_folders}
    excluded = _exclusion_matcher(target.exclusions)
    folders: dict[tuple[str, ...], Folder] = {}
    sample = target.sample_size
    for parts, entries in _find(fs, location.protocol, root):
        if any(not name or name[0] in "_." for name in parts):
            continue
        if target.exclusions and any(excluded("/".join(parts[: i + 1])) for i in range(len(parts))):
            continue
        folder_path = "/".join(parts)
        kept = [
            (path, size)
            for name, path, size in sorted(entries)
            if name[:1] not in "_." and not (target.exclusions and excluded(f"{folder_path}/{name}".lstrip("/")))
        ]
        if not kept:
            continue
        url = "/".join([root_url, *parts]) if parts else root_url
        known_folder = url in known
        files = [
            ListedFile(path, size, read=not known_folder and (sample is None or i < sample))
            for i, (path, size) in enumerate(kept)
        ]
        folders[parts] = Folder(parts, url, files, known=known_folder)
    return Listing(location.protocol, root, root_url, dict(sorted(folders.items())), options)


def _find(
    fs: fsspec.AbstractFileSystem, protocol: str, root: str
) -> Iterator[tuple[tuple[str, ...], list[tuple[str, str, int]]]]:
    """Every folder under `root` (as parts) with its files ``(name, path, size)``, from one recursive listing."""
    if protocol == "file":
        # The same recursive listing as fs.find, without fsspec's per-file info dicts (3x the cost), and
        # pruning hidden folders instead of listing them.
        yield from _scan_local(root, ())
        return
    # Listings are cached per filesystem instance; a crawl must see the store as it is now.
    fs.invalidate_cache(root)
    entries: dict[str, Any] = fs.find(root, detail=True, withdirs=False)
    prefix = root + "/"
    grouped: dict[tuple[str, ...], list[tuple[str, str, int]]] = {}
    for path, info in entries.items():
        if info.get("type", "file") != "file":
            continue
        relative = path[len(prefix) :] if path.startswith(prefix) else path.rsplit("/", 1)[-1]
        *parts, name = relative.split("/")
        grouped.setdefault(tuple(parts), []).append((name, path, int(info.get("size") or 0)))
    yield from grouped.items()


def _scan_local(folder: str, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], list[tuple[str, str, int]]]]:
    try:
        scanner = os.scandir(folder)
    except NotADirectoryError:
        name = folder.rsplit("/", 1)[-1]
        yield (), [(name, folder, os.stat(folder).st_size)]
        return
    except FileNotFoundError:
        return
    with scanner:
        entries = list(scanner)
    files = []
    for entry in entries:
        name = entry.name
        if name[:1] in ("_", "."):
            continue
        if entry.is_dir():
            yield from _scan_local(entry.path, (*parts, name))
        elif entry.is_file():
            files.append((name, entry.path, entry.stat().st_size))
    if files:
        yield parts, files


def _exclusion_matcher(patterns: Sequence[str]) -> Any:
    if not patterns:
        return lambda _path: False
    regex = re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in patterns))
    return lambda path: regex.fullmatch(path) is not None


@lru_cache(maxsize=256)
def glob_to_regex(pattern: str) -> str:
    """Translate a Glue exclusion glob into a Python regular expression (matched in full).

    Raises:
        ValueError: The glob has an unclosed ``{`` or ``[``.
    """
    text = pattern.strip().lstrip("/")
    out, _ = _translate(text, 0, pattern, in_brace=False)
    return out


def _translate(text: str, pos: int, pattern: str, *, in_brace: bool) -> tuple[str, int]:
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == "*":
            if text.startswith("**", pos):
                out.append(".*")
                pos += 2
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = text.find("]", pos + 2 if text.startswith("[!", pos) else pos + 1)
            if end < 0:
                raise ValueError(f"Exclusions: {pattern!r} has an unclosed '['")
            body = text[pos + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            pos = end
        elif char == "{":
            alternatives: list[str] = []
            pos += 1
            while True:
                alternative, pos = _translate(text, pos, pattern, in_brace=True)
                alternatives.append(alternative)
                if pos >= len(text):
                    raise ValueError(f"Exclusions: {pattern!r} has an unclosed '{{'")
                if text[pos] == "}":
                    break
                pos += 1  # a comma
            out.append("(?:" + "|".join(alternatives) + ")")
        elif in_brace and char in ",}":
            return "".join(out), pos
        else:
            out.append(re.escape(char))
        pos += 1
    return "".join(out), pos
