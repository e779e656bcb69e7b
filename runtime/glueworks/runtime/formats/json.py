"""JSON reader: JSON lines (default) or one JSON document per file (``multiLine``).

Each line is decoded as strict UTF-8 and parsed with `json.loads`; the records of a block are
turned into Arrow columns by `glueworks.runtime.inference`, so a field that is a number in some
records and a string in others becomes a Choice, even inside one file (which `pyarrow.json`
cannot read).

A line that is not UTF-8, not JSON, not an object, or holds an unpaired UTF-16 surrogate
(``"\\ud800"``, which no UTF-8 column can hold) becomes an error record with the file, the
1-based line number, the reason and the raw text. Blank lines are skipped.

``jsonPath`` (Glue's format option) selects the records inside each document (each line, or
the file with ``multiLine``): ``$.records[*]``, ``$['a b'].items[0]``, ``$[*]``, ``$.*``.
Supported steps are ``.name``, ``['name']``, ``[n]``, ``[*]`` and ``.*``. A selected value that is
not an object becomes an error record; a document where the path selects nothing yields no
records.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

import numpy as np
import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.formats import json_drift, json_fast, json_screen
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput
from glueworks.runtime.formats.compression import infer_codec
from glueworks.runtime.formats.ranges import count_newlines, read_owned_lines, shift_lines
from glueworks.runtime.inference import table_from_records

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class JsonFormat(FileFormat):
    """JSON lines, or with `multiline` one JSON object (or array of objects) per file.

    Attributes:
        multiline: Read each file as one JSON document (Glue's ``multiLine``).
        block_rows: Records per block.
        json_path: Glue's ``jsonPath``, selecting records inside each document, or None.
        compression: Whole-file codec, or None to infer it from the extension.
    """

    name: ClassVar[str] = "json"
    multiline: bool = False
    block_rows: int = DEFAULT_BLOCK_ROWS
    json_path: str | None = None
    compression: str | None = None

    def __post_init__(self) -> None:
        if self.json_path is not None:
            parse_json_path(self.json_path, "format_options.jsonPath")

    def codec_for(self, path: str) -> str:
        """``compressionType`` if given, else the codec the extension names."""
        return self.compression if self.compression is not None else infer_codec(path)

    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read a whole file (in memory); see the module doc for what becomes an error record."""
        data = handle.read()
        if data.startswith(_BOM):
            data = data[len(_BOM) :]
        steps = parse_json_path(self.json_path, "jsonPath") if self.json_path is not None else None
        if not self.multiline:
            return self._read_lines(data, url, steps)
        records, errors = _parse_document(data, url, steps)
        output = ReadOutput(errors=errors, records=len(records))
        for start in range(0, len(records), self.block_rows):
            output.blocks.append(table_from_records(records[start : start + self.block_rows]))
        return output

    def splittable(self, path: str) -> bool:
        """Whether a file can be read in byte ranges: JSON lines that are not compressed."""
        return not self.multiline and self.codec_for(path) == "none"

    def read_range(self, handle: BinaryIO, url: str, start: int, end: int) -> ReadOutput:
        """Read the lines starting in bytes ``[start, end)`` of an uncompressed JSON-lines file.

        Error records carry the true line number in the file (see `glueworks.runtime.formats.ranges`).
        Lines are parsed `block_rows` at a time and each batch becomes a block at once, so a task
        never holds more than one block's worth of Python records (they cost ~10x the JSON text).
        """
        data, first = read_owned_lines(handle, start, end)
        if first == 0 and data.startswith(_BOM):
            data = data[len(_BOM) :]
        steps = parse_json_path(self.json_path, "jsonPath") if self.json_path is not None else None
        output = self._read_lines(data, url, steps)
        if output.errors and first > 0:
            output.errors = shift_lines(output.errors, count_newlines(handle, first))
        return output

    def _read_lines(self, data: bytes, url: str, steps: JsonPath | None) -> ReadOutput:
        """Read JSON lines `block_rows` lines at a time; each chunk's records become one block at once.

        So a task never holds more than one block's worth of Python records (they cost ~10x the JSON
        text), and on the fast path no Python records at all, nor a Python object per line.
        """
        output = ReadOutput()
        if steps is None and json_fast.FAST_PATH_ENABLED:
            for chunk, begin, newlines in json_fast.cut_chunks(data, self.block_rows):
                block, count, errors = _parse_chunk(chunk, newlines, begin + 1, url)
                output.errors.extend(errors)
                output.records += count
                if block is not None:
                    output.blocks.append(block)
            return output
        lines = data.split(b"\n")
        for begin in range(0, len(lines), self.block_rows):
            records, errors = _parse_line_list(lines[begin : begin + self.block_rows], begin + 1, url, steps)
            output.errors.extend(errors)
            output.records += len(records)
            if records:
                output.blocks.append(table_from_records(records))
        return output


def _parse_chunk(
    chunk: bytes, newlines: np.ndarray, first_number: int, url: str
) -> tuple[pa.Table | None, int, list[ErrorRecord]]:
    """`_parse_block` of a chunk from `json_fast.cut_chunks`: split into lines only if Arrow cannot read it whole."""
    if not chunk:
        return None, 0, []
    first = json_fast.read_chunk(chunk, newlines)
    if first is not None and first.table is not None:
        return first.table, first.table.num_rows, []
    if first is not None and first.conflicts:
        drifted = json_drift.drift_block(None, first, newlines)
        if drifted is not None:
            return drifted, drifted.num_rows, []
        first = dataclasses.replace(first, conflicts=())  # tried: `_parse_block` goes on to the screen
    if first is None:
        by_shape = _read_by_shape(json_fast.Lines(chunk, newlines), first_number, url)
        if by_shape is not None:
            return by_shape
    lines = chunk.split(b"\n")
    if first is None:
        first = json_fast.read_block(lines, chunk, newlines)
    return _parse_block(lines, first_number, url, first)


def _read_by_shape(
    lines: json_fast.Lines, first_number: int, url: str
) -> tuple[pa.Table | None, int, list[ErrorRecord]] | None:
    """`_parse_block` of a chunk with some malformed or blank lines, or None if unsure.

    The lines that are not object-shaped (`json_screen.by_shape`), and those of that shape the
    validator rejects (`json_screen.rejected`), get their error records from Python; Arrow reads
    the others in one go, which proves each of them one good object. When Python accepts a
    suspect, or Arrow cannot read the rest (drift, two objects on a line), the chunk takes the
    full screen instead.
    """
    good, suspects = json_screen.by_shape(lines)
    body = lines.subset(good) if len(good) else None
    if body is not None:
        rejected = json_screen.rejected(body)
        if rejected is None:
            return None
        if rejected:
            suspects = np.union1d(suspects, good[rejected])
            good = np.delete(good, rejected)
            body = lines.subset(good) if len(good) else None
    errors: list[ErrorRecord] = []
    for index in suspects.tolist():
        raw = lines.line(index)
        if not raw.strip():
            continue  # blank: neither a record nor an error
        _, reason, text = _parse_line(raw)
        if reason is None:
            return None
        errors.append(ErrorRecord.create(url, first_number + index, reason, text))
    if body is None:
        return None, 0, errors
    result = json_fast.read_chunk(body.text, body.newlines)
    if result is None or result.table is None:
        return None
    return result.table, len(good), errors


def _parse_block(
    lines: list[bytes], first_number: int, url: str, first: json_fast.FastRead | None = None
) -> tuple[pa.Table | None, int, list[ErrorRecord]]:
    """One block (or None), its record count and the error records of JSON lines without jsonPath.

    Tries `json_fast` on the chunk, then `json_drift` if a field drifts in kind. If both fail, a
    strict validator screens the lines (`json_screen`): the lines it accepts are JSON objects
    Python reads the same way, so only the others are parsed in Python, for their error records.
    The good lines are tried in Arrow again (and by kind); records are built in Python only when
    neither can prove its block equal. A screened-out line that Python accepts after all (``NaN``,
    a surrogate escape the validator rejects) sends the chunk down the Python path whole.
    """
    if first is None:
        first = json_fast.read_block(lines)
    if first.table is not None:
        return first.table, first.table.num_rows, []
    drifted = json_drift.drift_block(lines, first)
    if drifted is not None:
        return drifted, drifted.num_rows, []
    good, suspects = json_screen.screen(lines)
    errors: list[ErrorRecord] = []
    for index in suspects:
        _, reason, text = _parse_line(lines[index])
        if reason is None:
            return _parse_block_in_python(lines, first_number, url)
        errors.append(ErrorRecord.create(url, first_number + index, reason, text))
    if not good:
        return None, 0, errors
    kept = [lines[index] for index in good] if suspects else lines
    result = json_fast.read_block(kept) if suspects else first
    block = result.table if result.table is not None or not suspects else json_drift.drift_block(kept, result)
    if block is None:
        block = table_from_records([_parse_line(lines[index])[0] for index in good])
    return block, len(good), errors


def _parse_block_in_python(
    lines: list[bytes], first_number: int, url: str
) -> tuple[pa.Table | None, int, list[ErrorRecord]]:
    """`_parse_block` with every line parsed in Python (the good ones tried in Arrow once more)."""
    records: list[dict[str, Any]] = []
    good: list[bytes] = []
    errors: list[ErrorRecord] = []
    for number, raw in enumerate(lines, start=first_number):
        if not raw.strip():
            continue
        value, reason, text = _parse_line(raw)
        if reason is not None:
            errors.append(ErrorRecord.create(url, number, reason, text))
        else:
            records.append(value)
            good.append(raw)
    if not records:
        return None, 0, errors
    block = json_fast.arrow_block(good) if errors else None
    if block is None:
        block = table_from_records(records)
    return block, len(records), errors


def _parse_line_list(
    lines: list[bytes], first_number: int, url: str, steps: JsonPath | None
) -> tuple[list[dict[str, Any]], list[ErrorRecord]]:
    """Parse raw lines numbered from `first_number`."""
    records: list[dict[str, Any]] = []
    errors: list[ErrorRecord] = []
    for number, raw in enumerate(lines, start=first_number):
        if not raw.strip():
            continue
        value, reason, text = _parse_line(raw, steps is None)
        if reason is not None:
            errors.append(ErrorRecord.create(url, number, reason, text))
        elif steps is None:
            records.append(value)
        else:
            for item in select(value, steps):
                if isinstance(item, dict):
                    records.append(item)
                else:
                    reason = f"not a JSON object: the jsonPath selects {_json_kind(item)}"
                    errors.append(ErrorRecord.create(url, number, reason, text))
    return records, errors


def _parse_line(raw: bytes, objects_only: bool = True) -> tuple[Any, str | None, str]:
    """Parse one line; returns (value, reason it is bad or None, text for the error record)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = raw.decode("utf-8", errors="backslashreplace").rstrip("\r")
        return None, f"invalid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}", shown
    text = text.rstrip("\r")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (column {exc.colno})", text
    except RecursionError:
        return None, "invalid JSON: nested too deeply", text
    if objects_only and not isinstance(value, dict):
        return None, f"not a JSON object: the line holds {_json_kind(value)}", text
    if "\\u" in text.lower() and _has_lone_surrogate(value):
        return None, "invalid JSON string: unpaired UTF-16 surrogate escape", text
    return value, None, text


def _parse_document(data: bytes, url: str, steps: JsonPath | None) -> tuple[list[dict[str, Any]], list[ErrorRecord]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        shown = data.decode("utf-8", errors="backslashreplace")
        return [], [ErrorRecord.create(url, line, f"invalid UTF-8: byte 0x{data[exc.start]:02x}", shown)]
    if not text.strip():
        return [], []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
        return [], [ErrorRecord.create(url, exc.lineno, reason, text)]
    except RecursionError:
        return [], [ErrorRecord.create(url, None, "invalid JSON: nested too deeply", text)]
    whole = value if isinstance(value, list) else [value]
    items = select(value, steps) if steps is not None else whole
    records: list[dict[str, Any]] = []
    errors: list[ErrorRecord] = []
    for index, item in enumerate(items):
        raw = json.dumps(item, ensure_ascii=False, default=str) if _surrogate_free(item) else repr(item)
        if not isinstance(item, dict):
            if steps is not None:
                where = f"match {index} of the jsonPath"
            else:
                where = f"element {index} of the top-level array" if isinstance(value, list) else "the document"
            errors.append(ErrorRecord.create(url, None, f"not a JSON object: {where} holds {_json_kind(item)}", raw))
        elif _has_lone_surrogate(item):
            errors.append(ErrorRecord.create(url, None, "invalid JSON string: unpaired UTF-16 surrogate escape", raw))
        else:
            records.append(item)
    return records, errors


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return not _encodable(value)
    if isinstance(value, dict):
        return any(not _encodable(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _surrogate_free(value: Any) -> bool:
    return not _has_lone_surrogate(value)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- jsonPath ----------------------------------------------------------------------------

#: A parsed jsonPath: steps ``("key", name)``, ``("index", n)`` or ``("all", None)``.
JsonPath = tuple[tuple[str, Any], ...]
_STEP_RE = re.compile(
    r"""\.(?P<name>[A-Za-z_$][\w$-]*)|\.(?P<star>\*)|\[(?P<all>\*)\]|\[(?P<index>-?\d+)\]"""
    r"""|\[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]|\[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]"""
)


def parse_json_path(text: str, option: str) -> JsonPath:
    """Parse a jsonPath such as ``$.records[*]``.

    Raises:
        InvalidOptionError: The path does not start with ``$`` or uses an unsupported step.
    """
    if not isinstance(text, str) or not text.strip().startswith("$"):
        raise InvalidOptionError(option, f"must be a JSON path starting with '$', got {text!r}")
    text = text.strip()
    steps: list[tuple[str, Any]] = []
    pos = 1
    while pos < len(text):
        match = _STEP_RE.match(text, pos)
        if match is None:
            raise InvalidOptionError(
                option, f"unsupported syntax at position {pos} of {text!r}; use .name, ['name'], [n], [*] or .*"
            )
        if match.group("name") is not None:
            steps.append(("key", match.group("name")))
        elif match.group("star") is not None or match.group("all") is not None:
            steps.append(("all", None))
        elif match.group("index") is not None:
            steps.append(("index", int(match.group("index"))))
        else:
            quoted = match.group("sq") if match.group("sq") is not None else match.group("dq")
            steps.append(("key", re.sub(r"\\(.)", r"\1", quoted)))
        pos = match.end()
    return tuple(steps)


def select(value: Any, steps: JsonPath) -> list[Any]:
    """The values `steps` select inside `value` (missing keys select nothing)."""
    current = [value]
    for kind, arg in steps:
        selected: list[Any] = []
        for item in current:
            if kind == "key":
                if isinstance(item, dict) and arg in item:
                    selected.append(item[arg])
            elif kind == "index":
                if isinstance(item, list) and -len(item) <= arg < len(item):
                    selected.append(item[arg])
            elif isinstance(item, list):
                selected.extend(item)
            elif isinstance(item, dict):
                selected.extend(item.values())
        current = selected
    return current
