"""The built-in JSON classifier: JSON lines, or one JSON document per file.

A text file whose first non-blank character is ``{`` or ``[`` is claimed as JSON. Each line is parsed as a
record; when the first line is not JSON on its own, the whole prefix is parsed as one document (pretty-printed
JSON). A document that is an object is one record; a top-level array becomes one record with a single column
``array``, as Glue's built-in classifier does (a JSON classifier with ``$[*]`` reads its elements as records).
A claimed file that does not parse is corrupt (a `CorruptFileError` naming the line); so is a line that is
not an object.
"""

from __future__ import annotations

import json
from typing import Any

from glueworks.platform.crawlers.classified import Classified, estimate
from glueworks.platform.crawlers.sample import CorruptFileError, TextSample

_BOM = b"\xef\xbb\xbf"


def looks_like_json(data: bytes) -> bool:
    """Whether the first non-blank character opens a JSON object or array."""
    start = data[:4096].lstrip(b" \t\r\n")
    start = start.removeprefix(_BOM).lstrip(b" \t\r\n")
    return start[:1] in (b"{", b"[")


def classify_json(text: TextSample, max_records: int) -> Classified | None:
    """Classify a text sample as JSON (None when it does not look like JSON).

    Raises:
        CorruptFileError: The file looks like JSON but does not parse.
    """
    if not looks_like_json(text.data):
        return None
    data = text.data.removeprefix(_BOM)
    body = data.rstrip()
    count = body.count(b"\n") + 1
    values: Any = None
    if count <= max_records and b"\n\n" not in body:
        # One parse for the whole sample (its lines joined into one array): far cheaper per tiny file than
        # one json.loads per line. Any surprise (blank lines, a line holding two values, a document over
        # several lines) falls back to the line-by-line parse, which also finds the line at fault.
        try:
            values = json.loads(b"[" + body.replace(b"\n", b",") + b"]")
        except ValueError:
            values = None
    if not isinstance(values, list) or len(values) != count:
        return _line_by_line(text, data, max_records)
    if not all(isinstance(v, dict) for v in values):
        return _line_by_line(text, data, max_records)
    # Every line of the sample was parsed: the sample's share of the file is the stored fraction.
    return Classified("json", "json", text.compression, values, record_estimate=estimate(count, text.stored_fraction))


def _line_by_line(text: TextSample, data: bytes, max_records: int) -> Classified:
    """Parse line by line, to find the line that is wrong or to fall back to one whole document."""
    records: list[dict[str, Any]] = []
    consumed = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if len(records) >= max_records:
            break
        consumed += len(line) + 1
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            if not records:
                return _document(text, data)
            raise CorruptFileError(f"invalid JSON on line {number}: {exc}") from exc
        if not isinstance(value, dict):
            if not records and isinstance(value, list):
                return _document(text, data)
            raise CorruptFileError(f"line {number} is a JSON {type(value).__name__}, not an object")
        records.append(value)
    fraction = text.stored_fraction * min(1.0, consumed / len(data)) if data else text.stored_fraction
    return Classified("json", "json", text.compression, records, record_estimate=estimate(len(records), fraction))


def _document(text: TextSample, data: bytes) -> Classified:
    if not text.complete:
        raise CorruptFileError("the JSON document is larger than the sampled prefix, or not JSON")
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise CorruptFileError(f"invalid JSON: {exc}") from exc
    record = value if isinstance(value, dict) else {"array": value}
    return Classified("json", "json", text.compression, [record], record_estimate=1.0)
