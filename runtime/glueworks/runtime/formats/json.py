"""JSON reader: JSON lines (default) or one JSON document per file (``multiLine``).

Each line is decoded as strict UTF-8 and parsed with `json.loads`; the records of a block are
turned into Arrow columns by `glueworks.runtime.inference`, so a field that is a number in some
records and a string in others becomes a Choice, even inside one file (which `pyarrow.json`
cannot read).

A line that is not UTF-8, not JSON, not an object, or holds an unpaired UTF-16 surrogate
(``"\\ud800"``, which no UTF-8 column can hold) becomes an error record with the file, the
1-based line number, the reason and the raw text. Blank lines are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput
from glueworks.runtime.inference import table_from_records

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class JsonFormat(FileFormat):
    """JSON lines, or with `multiline` one JSON object (or array of objects) per file.

    Attributes:
        multiline: Read each file as one JSON document (Glue's ``multiLine``).
        block_rows: Records per block.
    """

    name: ClassVar[str] = "json"
    multiline: bool = False
    block_rows: int = DEFAULT_BLOCK_ROWS

    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read a whole file (in memory); see the module doc for what becomes an error record."""
        data = handle.read()
        if data.startswith(_BOM):
            data = data[len(_BOM) :]
        if self.multiline:
            records, errors = _parse_document(data, url)
        else:
            records, errors = _parse_lines(data, url)
        output = ReadOutput(errors=errors, records=len(records))
        for start in range(0, len(records), self.block_rows):
            output.blocks.append(table_from_records(records[start : start + self.block_rows]))
        return output


def _parse_lines(data: bytes, url: str) -> tuple[list[dict[str, Any]], list[ErrorRecord]]:
    records: list[dict[str, Any]] = []
    errors: list[ErrorRecord] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        value, reason, text = _parse_line(raw)
        if reason is None and isinstance(value, dict):
            records.append(value)
        else:
            errors.append(ErrorRecord.create(url, number, reason or "", text))
    return records, errors


def _parse_line(raw: bytes) -> tuple[Any, str | None, str]:
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
    if not isinstance(value, dict):
        return None, f"not a JSON object: the line holds {_json_kind(value)}", text
    if "\\u" in text.lower() and _has_lone_surrogate(value):
        return None, "invalid JSON string: unpaired UTF-16 surrogate escape", text
    return value, None, text


def _parse_document(data: bytes, url: str) -> tuple[list[dict[str, Any]], list[ErrorRecord]]:
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
    items = value if isinstance(value, list) else [value]
    records: list[dict[str, Any]] = []
    errors: list[ErrorRecord] = []
    for index, item in enumerate(items):
        raw = json.dumps(item, ensure_ascii=False, default=str) if _surrogate_free(item) else repr(item)
        if not isinstance(item, dict):
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
