"""CSV reader with Glue's format options.

Types: like Glue's DynamicFrame CSV reader, each value's type is inferred on its own: a whole
number is ``int`` (``long`` past 32 bits, ``decimal(38,0)`` past 64), a number with a point or
exponent is ``double``, anything else is ``string``; so a column holding ``12`` in one row and
``n/a`` in another becomes ``choice<int,string>``, resolved with ``resolveChoice``. Numbers
with a leading zero (``007``) stay strings so codes and zip codes keep their digits (a choice
glueworks makes where Glue would read a number). Empty fields are null.

Columns are named by the header (``withHeader``) or ``col0``, ``col1`` … With a header, a
row whose field count differs from the header's becomes an error record; without one, rows
may differ in width (missing fields are null). A row that is not valid UTF-8, or that the CSV
grammar rejects (an unterminated quote when ``multiLine`` is off), becomes an error record
with the file, the 1-based line and the reason. Blank lines are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput
from glueworks.runtime.formats.compression import infer_codec
from glueworks.runtime.formats.ranges import count_newlines, read_owned_lines, shift_lines
from glueworks.runtime.inference import build_array, infer_field

_BOM = "\ufeff"
_INT_PATTERN = r"[+-]?(0|[1-9][0-9]*)"
_FLOAT_PATTERN = r"[+-]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)?"
_INT_RE = re.compile(_INT_PATTERN)
_FLOAT_RE = re.compile(_FLOAT_PATTERN)
_SURROGATE_RE = re.compile("[\udc80-\udcff]")
# Only spaces and tabs make a line blank: str.strip() would also eat control characters such as \x0b or \x1c,
# silently dropping a record that holds one.
_BLANK = " \t\r"


@dataclass(frozen=True)
class CsvFormat(FileFormat):
    """CSV (and TSV, with ``separator="\\t"``).

    Attributes:
        separator: Field delimiter (Glue's ``separator``).
        quote_char: Quote character, or None when quoting is off (Glue's ``quoteChar: -1``).
        escaper: Escape character inside fields, or None.
        with_header: The first line names the columns.
        skip_first: Skip the first data line (after the header, if any).
        multiline: Quoted fields may span lines.
        compression: Whole-file codec, or None to infer it from the extension.
        block_rows: Records per block.
    """

    name: ClassVar[str] = "csv"
    separator: str = ","
    quote_char: str | None = '"'
    escaper: str | None = None
    with_header: bool = False
    skip_first: bool = False
    multiline: bool = False
    compression: str | None = None
    block_rows: int = DEFAULT_BLOCK_ROWS

    def codec_for(self, path: str) -> str:
        """``compressionType`` if given, else the codec the extension names."""
        return self.compression if self.compression is not None else infer_codec(path)

    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read a whole file (in memory); see the module doc for what becomes an error record."""
        text = handle.read().decode("utf-8", errors="surrogateescape").removeprefix(_BOM)
        header: list[str] | None = None
        skip = self.skip_first
        rows: list[list[str]] = []
        errors: list[ErrorRecord] = []
        # Bytes that are not UTF-8 decode to lone surrogates; most files have none to look for.
        check_utf8 = _SURROGATE_RE.search(text) is not None
        for line, raw, fields, problem in self._rows(text):
            if problem is None and check_utf8 and _SURROGATE_RE.search(raw):
                problem = "invalid UTF-8"
            if problem is not None:
                errors.append(ErrorRecord.create(url, line, problem, _printable(raw)))
                continue
            if self.with_header and header is None:
                header = _column_names(fields)
                continue
            if skip:
                skip = False
                continue
            if header is not None and len(fields) != len(header):
                reason = f"row has {len(fields)} fields, the header has {len(header)}"
                errors.append(ErrorRecord.create(url, line, reason, raw))
                continue
            rows.append(fields)
        output = ReadOutput(errors=errors, records=len(rows))
        for start in range(0, len(rows), self.block_rows):
            output.blocks.append(_block(rows[start : start + self.block_rows], header))
        if not rows and header:
            output.blocks.append(pa.table({name: pa.nulls(0) for name in header}))
        return output

    def splittable(self, path: str) -> bool:
        """Whether a file can be read in byte ranges: no multi-line quoting, not compressed."""
        return not self.multiline and self.codec_for(path) == "none"

    def read_range(self, handle: BinaryIO, url: str, start: int, end: int) -> ReadOutput:
        """Read the lines starting in bytes ``[start, end)`` of an uncompressed CSV file.

        A range after the first reads the file's first line again for the header (with
        ``withHeader``) and does not skip a line (``skipFirst`` applies to the file's first data
        line only). Error records carry the true line number in the file.
        """
        data, first = read_owned_lines(handle, start, end)
        if first == 0:
            output = self.read(io.BytesIO(data), url)
        else:
            fmt = replace(self, skip_first=False)
            shift = 0
            if self.with_header:
                header, _ = read_owned_lines(handle, 0, 1)
                data = header if not data else header.rstrip(b"\n") + b"\n" + data
                # Line 1 of what is parsed is the header; line k >= 2 is line k - 1 of the range.
                shift = -1
            output = fmt.read(io.BytesIO(data), url)
            errors = [e for e in output.errors if not (self.with_header and e.line == 1)]
            if errors:
                errors = shift_lines(errors, count_newlines(handle, first) + shift)
            output.errors = errors
        return output

    def _dialect(self) -> dict[str, Any]:
        quoting = csv.QUOTE_MINIMAL if self.quote_char is not None else csv.QUOTE_NONE
        return {
            "delimiter": self.separator,
            "quotechar": self.quote_char,
            "escapechar": self.escaper,
            "quoting": quoting,
            "doublequote": True,
            "strict": True,
        }

    def _rows(self, text: str) -> Iterator[tuple[int, str, list[str], str | None]]:
        """(1-based first line, raw text, fields, problem or None) for each non-blank record."""
        if not self.multiline:
            special = [c for c in (self.quote_char, self.escaper) if c]
            for number, raw in enumerate(text.split("\n"), start=1):
                raw = raw.removesuffix("\r")
                if not raw.strip(_BLANK):
                    continue
                if not any(c in raw for c in special):
                    # Fast path: nothing to unquote, a plain split gives what the csv module would.
                    yield number, raw, raw.split(self.separator), None
                    continue
                try:
                    fields = next(csv.reader([raw], **self._dialect()))
                except csv.Error as exc:
                    yield number, raw, [], f"invalid CSV: {exc}"
                    continue
                yield number, raw, fields, None
            return
        lines = text.splitlines(keepends=True)
        reader = csv.reader(io.StringIO(text, newline=""), **self._dialect())
        previous = 0
        while True:
            start = previous + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # The grammar cannot resynchronise after this point: the rest of the file is one error.
                yield start, "".join(lines[start - 1 :]), [], f"invalid CSV: {exc}"
                return
            previous = reader.line_num
            raw = "".join(lines[start - 1 : previous]).rstrip("\r\n")
            if fields and (len(fields) > 1 or fields[0].strip(_BLANK)):
                yield start, raw, fields, None


def _column_names(fields: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for index, name in enumerate(fields):
        name = name.strip() or f"col{index}"
        if name in seen:
            # Spark's rule for duplicate header names: append the column position.
            name = f"{name}{index}"
        seen.add(name)
        names.append(name)
    return names


def _block(rows: Sequence[list[str]], header: list[str] | None) -> pa.Table:
    """Build one block column by column; only columns mixing numbers and text go value by value."""
    width = len(header) if header is not None else max(len(row) for row in rows)
    names = header or [f"col{i}" for i in range(width)]
    if header is None:
        rows = [row + [""] * (width - len(row)) if len(row) < width else row for row in rows]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    fields, arrays = [], []
    for name, values in zip(names, columns, strict=True):
        field, array = _column(name, values)
        fields.append(field)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _column(name: str, values: Sequence[str]) -> tuple[pa.Field, pa.Array]:
    text = pa.array(values, pa.string())
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    valid = len(text) - text.null_count
    if valid == 0:
        return pa.field(name, pa.null()), pa.nulls(len(text))
    is_int = pc.match_substring_regex(text, f"^{_INT_PATTERN}$")
    is_number = pc.and_(pc.match_substring_regex(text, f"^{_FLOAT_PATTERN}$"), pc.match_substring_regex(text, "[0-9]"))
    ints = pc.sum(is_int).as_py() or 0
    numbers = pc.sum(is_number).as_py() or 0
    try:
        if ints == valid:
            column = pc.cast(text, pa.int64())
            low, high = pc.min_max(column).values()
            if low.as_py() >= -(2**31) and high.as_py() < 2**31:
                column = pc.cast(column, pa.int32())
            return pa.field(name, column.type), column
        if numbers == valid and ints == 0:
            return pa.field(name, pa.float64()), pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, OverflowError):
        pass  # beyond 64 bits: the value-by-value path keeps them exact as decimals
    if numbers == 0:
        return pa.field(name, pa.string()), text
    python = [_infer(v) if v else None for v in values]
    field = infer_field(name, python)
    return field, build_array(python, field)


def _infer(value: str) -> Any:
    if value == "":
        return None
    if _INT_RE.fullmatch(value):
        return int(value)
    if any(c.isdigit() for c in value) and _FLOAT_RE.fullmatch(value):
        return float(value)
    return value


def _printable(raw: str) -> str:
    return raw.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
