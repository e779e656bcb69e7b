"""Screen JSON lines: which are certainly JSON objects Python reads, and which need a closer look.

A chunk with a few malformed lines fails Arrow's JSON reader as a whole. Parsing every line in
Python to find them costs ~10 µs a line; `screen` instead runs ``msgspec``'s strict validator
(~1 µs a line, no Python objects built: it decodes into a struct with no fields, which still
validates every skipped value) and a UTF-8 check. What it accepts is a subset of what
`json.loads` accepts as an object: ``msgspec`` is stricter (no ``NaN``/``Infinity``, no lone or
reversed surrogate escapes) except about UTF-8 inside strings, which is checked here. Only the
rest, the suspects, need Python to give their error record (or, rarely, to accept them).

`by_shape` and `rejected` are a cheaper first look for a chunk of mostly good lines, with no
Python call per line: lines are sorted by their shape (``{`` ... ``}``, valid UTF-8) with numpy,
and the object-shaped ones validated by ``msgspec`` as one buffer of lines; Arrow then proves the
rest good (see ``glueworks.runtime.formats.json._read_by_shape``).
"""

from __future__ import annotations

import re

import msgspec
import numpy as np

from glueworks.runtime.formats.json_fast import Lines, byte_positions

_OPEN, _CLOSE = ord("{"), ord("}")


class _AnyObject(msgspec.Struct):
    """Any JSON object: unknown fields are skipped, but their values are still validated."""


_validate = msgspec.json.Decoder(_AnyObject).decode
_validate_lines = msgspec.json.Decoder(_AnyObject).decode_lines
_AT_BYTE = re.compile(r"\(byte (\d+)\)$")
#: Lines before the one msgspec blames that are checked alone (a truncated line's value can run on
#: into the next lines, so the error is reported further on).
BLAME_LINES = 8


def screen(lines: list[bytes]) -> tuple[list[int], list[int]]:
    """Positions of the good lines and of the suspect lines; blank lines are in neither.

    Args:
        lines: Raw lines without their ``\\n``.

    Returns:
        (good, suspects): good lines are JSON objects in valid UTF-8 that `json.loads` reads as
        the validator does; suspects are every other non-blank line.
    """
    good: list[int] = []
    suspects: list[int] = []
    for index, raw in enumerate(lines):
        if _is_object(raw):
            good.append(index)
        elif raw.strip():
            suspects.append(index)
    invalid = {index for index in good if not lines[index].isascii() and not _is_utf8(lines[index])}
    if invalid:
        suspects = sorted({*suspects, *invalid})
        good = [index for index in good if index not in invalid]
    return good, suspects


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def by_shape(lines: Lines) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the object-shaped lines and of the other non-empty lines.

    Object-shaped: starts with ``{``, ends with ``}`` and is valid UTF-8. That does not make a line
    good (Arrow must still read it as one object); a line of another shape is a suspect, or blank
    if it holds only whitespace (the caller checks, there are few).
    """
    view = np.frombuffer(lines.text, dtype=np.uint8)
    begin, end = lines.starts[:-1], lines.starts[1:] - 1
    filled = np.flatnonzero(end > begin)
    shaped = np.zeros(len(lines), dtype=bool)
    shaped[filled] = (view[begin[filled]] == _OPEN) & (view[end[filled] - 1] == _CLOSE)
    if not lines.text.isascii():
        # Only a line with a byte >= 0x80 can hold invalid UTF-8: each such line is decoded.
        high = np.unique(np.searchsorted(lines.starts, byte_positions(lines.text, lambda b: b >= 0x80), "right") - 1)
        for index in high[shaped[high]].tolist():
            shaped[index] = _is_utf8(lines.line(index))
    return np.flatnonzero(shaped), filled[~shaped[filled]]


def rejected(body: Lines) -> list[int] | None:
    """The lines of `body` the validator rejects, found by validating it as one buffer; None if unsure.

    ``msgspec`` reads the buffer value by value, but skips a newline inside a value as whitespace,
    so a truncated line may run on into the next ones and the error be reported there: the
    blamed line and up to `BLAME_LINES` before it are checked alone, and validation resumes
    after the blamed line. Lines it accepts still need Arrow's proof (two objects on one line pass).
    """
    bad: list[int] = []
    view = memoryview(body.text)
    resume = 0
    while resume < len(body):
        offset = int(body.starts[resume])
        try:
            _validate_lines(view[offset:])
            return bad
        except RecursionError:
            return None
        except msgspec.DecodeError as exc:
            found = _AT_BYTE.search(str(exc))
            if found is not None:
                blamed = body.line_of(offset + int(found.group(1)))
            elif "truncated" in str(exc):
                blamed = len(body) - 1
            else:
                return None
        failing = [i for i in range(max(resume, blamed - BLAME_LINES), blamed + 1) if not _is_object(body.line(i))]
        if not failing:
            return None
        bad += failing
        resume = blamed + 1
    return bad


def _is_object(raw: bytes) -> bool:
    try:
        _validate(raw)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True
