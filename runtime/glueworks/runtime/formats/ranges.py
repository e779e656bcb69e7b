"""Byte ranges of line-delimited files (JSON lines, CSV without multi-line quoting).

A range ``[start, end)`` owns the lines that *start* inside it: a line starts at offset 0 or
right after a ``\\n``. Its reader skips the partial line it begins in (the previous range's),
and reads past `end` to finish its last line. So the ranges of a file own every line exactly
once, however the cut points fall.

Line numbers stay true file line numbers: a range parses its lines numbered from 1, and only
when it found bad records does it count the newlines before its first line (reading the file's
prefix in chunks) and shift their numbers. Ranges without bad records never pay for that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import BinaryIO

from glueworks.runtime.error_records import ErrorRecord

#: Bytes read at a time when finishing a line past the end of a range or counting newlines.
CHUNK = 8 * 1024 * 1024
_TAIL_CHUNK = 64 * 1024


def read_owned_lines(handle: BinaryIO, start: int, end: int) -> tuple[bytes, int]:
    """The bytes of the lines starting in ``[start, end)``, and the offset of the first one.

    Reads the range with the byte before it and `_TAIL_CHUNK` bytes after it in one call, and cuts
    the owned lines out with one copy: the line before the range ends at the first newline read,
    the last owned line at the first newline from ``end - 1`` on. A last line running past that
    margin is finished with more reads. Returns ``(b"", end)`` when no line starts inside the range
    (one long line covers it).
    """
    if end <= start:
        return b"", end
    base = max(start - 1, 0)
    handle.seek(base)
    wanted = end - base + _TAIL_CHUNK
    data = handle.read(wanted)
    begin = 0
    if start > 0:
        newline = data.find(b"\n")
        # The line after this newline starts at start + newline; at `end` or later it is the next range's.
        if newline < 0 or start + newline >= end:
            return b"", end
        begin = newline + 1
    stop = data.find(b"\n", end - 1 - base)
    if stop >= 0:
        return data[begin : stop + 1], base + begin
    if len(data) < wanted:  # the file ends inside the margin: its last line has no newline
        return data[begin:], base + begin
    return data[begin:] + _rest_of_line(handle), base + begin


def _rest_of_line(handle: BinaryIO) -> bytes:
    """Bytes up to and including the next newline (or to the end of the file)."""
    parts: list[bytes] = []
    while True:
        chunk = handle.read(_TAIL_CHUNK)
        if not chunk:
            break
        newline = chunk.find(b"\n")
        if newline >= 0:
            parts.append(chunk[: newline + 1])
            break
        parts.append(chunk)
    return b"".join(parts)


def count_newlines(handle: BinaryIO, stop: int) -> int:
    """Newlines in the first `stop` bytes of the file (read in `CHUNK` pieces)."""
    handle.seek(0)
    remaining = stop
    count = 0
    while remaining > 0:
        chunk = handle.read(min(CHUNK, remaining))
        if not chunk:
            break
        count += chunk.count(b"\n")
        remaining -= len(chunk)
    return count


def shift_lines(errors: Iterable[ErrorRecord], shift: int) -> list[ErrorRecord]:
    """Error records with their line numbers moved by `shift` (records without a line stay)."""
    return [error if error.line is None else replace(error, line=error.line + shift) for error in errors]
