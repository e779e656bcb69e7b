"""Validated storage locations: user paths checked before any I/O, then opened through fsspec.

Allowed: plain local paths, ``file://``, ``s3://`` (through s3fs) and ``memory://`` (one
process only: Ray workers do not share it). Refused, with an error naming the option: any other
scheme, fsspec URL chaining (``::``), a ``..`` segment, NUL characters, an empty bucket.

The filesystem is built from the protocol directly (never from fsspec's URL inference), so a
string can only reach the filesystem the check allowed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import fsspec

from glueworks.runtime.errors import UnsafePathError

ALLOWED_SCHEMES = ("file", "memory", "s3")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
StorageOptions = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Location:
    """A checked location: a protocol and the path fsspec uses under it.

    Attributes:
        protocol: One of `ALLOWED_SCHEMES`.
        path: The path without the protocol (absolute for ``file``, ``bucket/key`` for ``s3``).
        storage_options: Keyword arguments for the filesystem (an S3 endpoint, say).
    """

    protocol: str
    path: str
    storage_options: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def url(self) -> str:
        """The location as a URL (a plain absolute path for local files)."""
        if self.protocol == "file":
            return self.path
        return f"{self.protocol}://{self.path.lstrip('/')}"

    def filesystem(self) -> fsspec.AbstractFileSystem:
        """The fsspec filesystem for this location (built lazily, cached by fsspec)."""
        return fsspec.filesystem(self.protocol, **dict(self.storage_options))

    def child(self, relative: str) -> Location:
        """The location of `relative` (a ``/``-separated path without ``..``) under this one."""
        return Location(self.protocol, posixpath.join(self.path, relative), self.storage_options)

    def with_path(self, path: str) -> Location:
        """The same filesystem at another path (as listed by the filesystem)."""
        return Location(self.protocol, path, self.storage_options)


def parse_location(value: object, option: str, storage_options: StorageOptions | None = None) -> Location:
    """Check a user path and turn it into a `Location`, before any I/O.

    Args:
        value: The path or URL the user gave.
        option: The option it came from, e.g. ``connection_options.paths[0]``.
        storage_options: Filesystem options per protocol, e.g. ``{"s3": {"endpoint_url": …}}``.

    Raises:
        UnsafePathError: The value is not a string, or breaks a rule listed in the module doc.
    """
    if not isinstance(value, str) or not value.strip():
        raise UnsafePathError(option, f"must be a non-empty string, got {value!r}")
    if "\x00" in value:
        raise UnsafePathError(option, "must not contain NUL characters")
    if "::" in value:
        raise UnsafePathError(option, f"URL chaining with '::' is not allowed: {value!r}")
    match = _SCHEME_RE.match(value)
    if match:
        protocol = match.group(1).lower()
        rest = value[match.end() :]
    else:
        protocol, rest = "file", value
        first = rest.split("/", 1)[0]
        if ":" in first:
            raise UnsafePathError(option, f"{value!r} looks like a URL; write it as scheme://…")
    if protocol not in ALLOWED_SCHEMES:
        allowed = ", ".join(ALLOWED_SCHEMES)
        raise UnsafePathError(option, f"scheme {protocol!r} is not allowed; use one of {allowed} or a local path")
    if any(segment == ".." for segment in re.split(r"[/\\]", rest)):
        raise UnsafePathError(option, f"'..' segments are not allowed: {value!r}")
    if protocol == "s3" and not rest.split("/", 1)[0]:
        raise UnsafePathError(option, f"an s3 URL needs a bucket: {value!r}")
    options = dict((storage_options or {}).get(protocol, {}))
    cls = fsspec.get_filesystem_class(protocol)
    # Local paths are made absolute here, in the driver: Ray workers have another cwd.
    path = cls._strip_protocol(f"{protocol}://{rest}" if protocol != "file" else rest)
    return Location(protocol, str(path), options)
