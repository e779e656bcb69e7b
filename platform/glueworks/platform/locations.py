"""Validation of user-given locations (script paths, log and staging roots) before any I/O.

Only three forms are accepted: ``file://`` or plain absolute paths inside an allowed folder, and ``s3://``
URLs. fsspec URL chaining (``a::b``), other schemes (``http``, ``ftp``…) and ``..`` segments are refused, so
a job definition can never make the platform read an arbitrary file or call an arbitrary host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from glueworks.platform.errors import InvalidInputError

_SCHEMES = ("file", "s3")


@dataclass(frozen=True)
class Location:
    """A validated location: ``scheme`` is ``file`` or ``s3``; ``path`` is absolute (file) or bucket/key (s3)."""

    scheme: str
    path: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.path}"

    @property
    def local_path(self) -> Path:
        if self.scheme != "file":
            raise ValueError(f"{self.url} is not a local path")
        return Path(self.path)


def parse_location(value: str, *, field: str, file_roots: list[Path]) -> Location:
    """Validate ``value`` and return it as a :class:`Location`.

    Raises:
        InvalidInputError: naming ``field``, for any form that is not allowed.
    """
    if not value or not value.strip():
        raise InvalidInputError("must not be empty", field=field)
    if "::" in value:
        raise InvalidInputError("chained URLs ('::') are not allowed", field=field)
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInputError("must not contain control characters", field=field)
    if value.startswith("/"):
        value = "file://" + value
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise InvalidInputError(
            f"scheme {scheme or '(none)'!r} is not allowed; use an absolute path, file:// or s3://", field=field
        )
    if parts.query or parts.fragment:
        raise InvalidInputError("query strings and fragments are not allowed", field=field)
    raw_path = parts.path if scheme == "file" else parts.netloc + parts.path
    if scheme == "file" and parts.netloc not in ("", "localhost"):
        raise InvalidInputError("file:// URLs must name a local absolute path (file:///...)", field=field)
    if any(segment == ".." for segment in raw_path.split("/")):
        raise InvalidInputError("'..' path segments are not allowed", field=field)
    if scheme == "s3":
        bucket = parts.netloc
        if not bucket or not parts.path.strip("/"):
            raise InvalidInputError("s3:// URLs must name a bucket and a key", field=field)
        return Location("s3", raw_path)
    path = Path(raw_path)
    if not path.is_absolute():
        raise InvalidInputError("file paths must be absolute", field=field)
    resolved = path.resolve()
    if not any(resolved == root or root in resolved.parents for root in file_roots):
        raise InvalidInputError(
            "path is outside the folders this platform may read (storage.allowed_file_roots)", field=field
        )
    return Location("file", str(resolved))
