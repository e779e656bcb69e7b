"""Error records: bad input kept with where it came from and why it was set aside."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring  # the C encoder of one JSON string
from typing import Any

import pyarrow as pa

#: Longest raw text kept per error record; longer input is cut and marked.
MAX_RAW_CHARS = 65_536

ERROR_SCHEMA = pa.schema(
    [
        pa.field("file", pa.string()),
        pa.field("line", pa.int64()),
        pa.field("reason", pa.string()),
        pa.field("raw", pa.string()),
        pa.field("stage", pa.string()),
    ]
)


@dataclass(frozen=True)
class ErrorRecord:
    """One bad input record.

    Attributes:
        file: URL or path of the input file.
        line: 1-based line number in the file, or None when the error is not tied to a line
            (a whole Parquet file, a record rejected by a transform).
        reason: Why the record was set aside, e.g. ``invalid JSON: Expecting value (column 1)``.
        raw: The raw text of the record (cut to `MAX_RAW_CHARS`), or the record as JSON.
        stage: Where it was found: ``read`` or the transform's name (``filter``).
    """

    file: str
    line: int | None
    reason: str
    raw: str
    stage: str = "read"

    @classmethod
    def create(cls, file: str, line: int | None, reason: str, raw: str, stage: str = "read") -> ErrorRecord:
        """Build a record, cutting `raw` to `MAX_RAW_CHARS`."""
        if len(raw) > MAX_RAW_CHARS:
            raw = raw[:MAX_RAW_CHARS] + f"... [cut, {len(raw)} chars in all]"
        return cls(file=file, line=line, reason=reason, raw=raw, stage=stage)

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict: a row of `errors_table`, the fields of a `json_lines` line.

        Built field by field: ``dataclasses.asdict`` deep-copies and cost ~30 µs a record.
        """
        return {"file": self.file, "line": self.line, "reason": self.reason, "raw": self.raw, "stage": self.stage}


def errors_table(errors: Iterable[ErrorRecord]) -> pa.Table:
    """Error records as an Arrow block with columns file, line, reason, raw, stage."""
    return pa.Table.from_pylist([e.to_dict() for e in errors], schema=ERROR_SCHEMA)


def json_lines(run_id: str, errors: Iterable[ErrorRecord]) -> str:
    """The records as JSON lines, each led by ``run_id``: exactly what ``json.dumps`` with
    ``ensure_ascii=False`` makes of ``{"run_id": ..., **record.to_dict()}``, at a quarter of its cost
    (the file is written by the driver at the end of a run, while the workers wait).
    """
    head = f'{{"run_id": {_text(run_id)}, "file": '
    return "".join(
        f'{head}{_text(e.file)}, "line": {"null" if e.line is None else int(e.line)}, "reason": {_text(e.reason)}, '
        f'"raw": {_text(e.raw)}, "stage": {_text(e.stage)}}}\n'
        for e in errors
    )


def _text(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))
