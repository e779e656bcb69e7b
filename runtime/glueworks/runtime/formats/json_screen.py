"""Screen JSON lines: which are certainly JSON objects Python reads, and which need a closer look.

A chunk with a few malformed lines fails Arrow's JSON reader as a whole. Parsing every line in
Python to find them costs ~10 µs a line; `screen` instead runs ``msgspec``'s strict validator
(~1 µs a line, no Python objects built: it decodes into a struct with no fields, which still
validates every skipped value) and a UTF-8 check. What it accepts is a subset of what
`json.loads` accepts as an object: ``msgspec`` is stricter (no ``NaN``/``Infinity``, no lone or
reversed surrogate escapes) except about UTF-8 inside strings, which is checked here. Only the
rest, the suspects, need Python to give their error record (or, rarely, to accept them).
"""

from __future__ import annotations

import msgspec


class _AnyObject(msgspec.Struct):
    """Any JSON object: unknown fields are skipped, but their values are still validated."""


_validate = msgspec.json.Decoder(_AnyObject).decode


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
        try:
            _validate(raw)
        except (msgspec.DecodeError, RecursionError):
            if raw.strip():
                suspects.append(index)
            continue
        good.append(index)
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
