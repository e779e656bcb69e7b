"""Fast path of the JSON-lines reader: parse a chunk of lines with ``pyarrow.json`` (C++).

`arrow_block` returns the block `glueworks.runtime.inference.table_from_records` would build from
the same lines, or None whenever it cannot prove the two are equal; the caller then uses the
Python path. The guards, each for a known difference between the two parsers:

- invalid UTF-8 (Arrow accepts it inside strings): the chunk is decoded strictly first;
- UTF-16 surrogate escapes (Python keeps a lone one, Arrow rejects it or pairs it): any
  ``\\uD8xx``-``\\uDFxx`` escape sends the chunk to the Python path;
- several values on one line, one object over several lines, top-level ``null`` (Arrow makes
  rows of all three): every non-blank line must start with ``{``, end with ``}`` and the row
  count must equal the number of non-blank lines; since JSON strings cannot hold a raw newline,
  an object cannot then span lines, so each line is exactly one object;
- ``Inf``, ``-Inf``, ``-NaN`` (Arrow reads them, Python rejects them): Arrow can only read such a
  token into a double, as a non-finite value, so a chunk whose doubles are not all finite goes to
  the Python path (``NaN``, ``Infinity`` and ``1e400`` too, which both read alike: rare enough);
- nesting deeper than `MAX_DEPTH` (Python makes an error record near its recursion limit,
  Arrow reads it);
- ISO date/time strings (Arrow infers timestamps): the chunk is parsed again with an explicit
  schema that reads those fields as strings;
- ``int`` vs ``long``: Arrow reads every integer as int64; the field becomes int32 when all
  its values fit, as in the Python path;
- an integer literal in a field Arrow promoted to double (``1`` next to ``2.5``, ``-0``,
  integers beyond 64 bits), which the Python path makes a Choice or a decimal: a double field
  with no integral value cannot hold one; otherwise the raw chunk must show no integer literal
  after the field's key (or the chunk goes to the Python path);
- list elements are named ``element`` (Arrow says ``item``);
- lists holding null-typed values (``[null]``, ``[{"a": null}]``): Arrow builds them with too
  short a child array, so such chunks go to the Python path.

Mixed types in one field, duplicate keys, top-level arrays or scalars and malformed lines make
Arrow fail, and the chunk goes to the Python path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

#: Switch for the fast path (the Python path alone when False).
FAST_PATH_ENABLED = True

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Deepest nesting taken (Python fails with "nested too deeply" near its recursion limit).
MAX_DEPTH = 64
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")
_JSON_SPACE = b" \t\r"
_BASIC = (pa.types.is_boolean, pa.types.is_int64, pa.types.is_float64, pa.types.is_string, pa.types.is_null)
_INT32 = (-(2**31), 2**31 - 1)
#: Lines whose schema decides whether a chunk can be parsed once (see `parse_basic`).
SAMPLE_LINES = 256
# Arrow's message when a field holds values of two JSON kinds; the path is ``/key`` for a top-level key.
_CONFLICT = re.compile(r"Column\(/([A-Za-z0-9_]+)\) changed from")
_NEWLINE, _OPEN, _CLOSE = ord("\n"), ord("{"), ord("}")
_SEARCH_BYTES = 1 << 20


@dataclass(frozen=True)
class FastRead:
    """What the fast path made of a chunk.

    Attributes:
        table: The block, or None when the chunk must go another way.
        conflicts: Top-level keys Arrow saw holding values of different JSON kinds (a number in
            one line, a string in another): the chunk may still be read in Arrow by kind
            (`glueworks.runtime.formats.json_drift`). Empty when that is not why it failed.
        prepared: The chunk as `prepare` made it (buffer, rows), when it got that far.
    """

    table: pa.Table | None
    conflicts: tuple[str, ...] = ()
    prepared: tuple[bytes, int] | None = None


def arrow_block(lines: list[bytes]) -> pa.Table | None:
    """The block the Python path builds from the non-blank `lines`, or None if not provably equal.

    Args:
        lines: Raw lines without their ``\\n``; blank lines are skipped as in the Python path.

    Returns:
        The block, or None when the chunk must go through the Python path (it is malformed, holds
        no record, or uses something the Arrow parser reads differently).
    """
    return read_block(lines).table


def read_block(lines: list[bytes], joined: bytes | None = None, newlines: np.ndarray | None = None) -> FastRead:
    """`arrow_block`, also saying which top-level keys drift in kind when that is why it failed.

    Args:
        lines: Raw lines without their ``\\n``.
        joined: ``b"\\n".join(lines)``, when the caller has it already.
        newlines: The positions of the newlines in `joined`, when the caller has them.
    """
    return _read_prepared(prepare(lines, joined, newlines), newlines)


def cut_chunks(data: bytes, rows: int) -> Iterator[tuple[bytes, int, np.ndarray]]:
    """``data``'s lines `rows` at a time, without a Python object per line.

    Yields ``(chunk, begin, newlines)``: ``chunk`` is ``b"\\n".join(lines[begin : begin + rows])``
    for ``lines = data.split(b"\\n")`` minus trailing newlines (blank lines make no record), and
    ``newlines`` the positions of the newlines left inside it.
    """
    newlines = newline_positions(data)
    for begin in range(0, len(newlines) + 1, rows):
        start = 0 if begin == 0 else int(newlines[begin - 1]) + 1
        last = begin + rows - 1  # the chunk's last line ends at newline `last` (or at the end)
        end = int(newlines[last]) if last < len(newlines) else len(data)
        while end > start and data[end - 1] == _NEWLINE:
            end -= 1
        inside = newlines[begin : min(last, len(newlines))]
        yield data[start:end], begin, inside[inside < end] - start


def read_chunk(chunk: bytes, newlines: np.ndarray) -> FastRead | None:
    """`read_block` of ``chunk.split(b"\\n")`` for a chunk from `cut_chunks`, without splitting it.

    Returns None when the chunk is not exactly one ``{...}`` per line (blank lines, ``\\r\\n``
    endings, whitespace around objects, malformed lines): the caller splits it and calls `read_block`.
    """
    rows = _one_object_per_line(chunk, newlines)
    return None if rows is None else _read_prepared(_guarded(chunk, rows), newlines)


def _read_prepared(prepared: tuple[bytes, int] | None, newlines: np.ndarray | None = None) -> FastRead:
    if prepared is None:
        return FastRead(None)
    data, rows = prepared
    table, error = parse_basic(data, rows)
    if table is None:
        return FastRead(None, conflict_keys(error), prepared)
    return FastRead(finish(table, data, rows, newlines), (), prepared)


def prepare(
    lines: list[bytes], joined: bytes | None = None, newlines: np.ndarray | None = None
) -> tuple[bytes, int] | None:
    """The chunk as one buffer and its row count, or None if a guard (module doc) declines it."""
    data = b"\n".join(lines) if joined is None else joined
    rows = _one_object_per_line(data, newline_positions(data) if newlines is None else newlines) or _object_lines(lines)
    if not rows:
        return None
    return _guarded(data, rows)


def newline_positions(data: bytes) -> np.ndarray:
    """The offsets of the ``\\n`` bytes in `data` (int64)."""
    return byte_positions(data, lambda piece: piece == _NEWLINE)


def byte_positions(data: bytes, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The offsets of the bytes of `data` for which `test` (over a uint8 array) is true (int64).

    Searched a MiB at a time: one comparison of a whole 40 MB file allocates a mask as large as
    the file, whose fresh pages cost ~5x the search itself; a MiB-sized mask is reused in cache.
    """
    view = np.frombuffer(data, dtype=np.uint8)
    parts = [
        np.flatnonzero(test(view[start : start + _SEARCH_BYTES])) + start
        for start in range(0, len(view), _SEARCH_BYTES)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def line_starts(data: bytes, newlines: np.ndarray | None = None) -> np.ndarray:
    """Where each line of `data` starts, plus ``len(data) + 1``: line i is ``data[s[i] : s[i + 1] - 1]``.

    `newlines`: the positions of the newlines in `data`, when the caller has them.
    """
    found = newline_positions(data) if newlines is None else newlines
    return np.concatenate(([0], found + 1, [len(data) + 1]))


#: `Lines.joined` copies runs of neighbouring lines when there is at most one run per this many lines.
RUNS_PER_LINE_MAX = 16


class Lines:
    """A chunk's lines in one buffer: where each starts, and an Arrow array of them (newline included).

    Grouping and regrouping lines goes through Arrow kernels over this array rather than a Python
    object per line.
    """

    def __init__(self, text: bytes, newlines: np.ndarray | None = None) -> None:
        """`newlines`: the positions of the newlines in `text`, when the caller has them."""
        self.text = text
        #: Line ``i`` is ``text[starts[i] : starts[i + 1] - 1]``.
        self.starts = line_starts(text, newlines)
        offsets = self.starts.copy()
        offsets[-1] = len(text)  # the last line has no newline
        self.array = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(text)]
        )

    def __len__(self) -> int:
        return len(self.starts) - 1

    def line(self, index: int) -> bytes:
        return self.text[self.starts[index] : self.starts[index + 1] - 1]

    @property
    def newlines(self) -> np.ndarray:
        """The positions of the newlines in the text."""
        return self.starts[1:-1] - 1

    def subset(self, indices: np.ndarray) -> Lines:
        """The lines at `indices` (ascending), joined into a text of their own."""
        lengths = self.starts[indices + 1] - 1 - self.starts[indices]
        return Lines(self.joined(indices), np.cumsum(lengths + 1)[:-1] - 1)

    def line_of(self, position: int) -> int:
        """The line holding byte `position` of the text."""
        return int(np.searchsorted(self.starts, position, side="right")) - 1

    def joined(self, indices: np.ndarray) -> bytes:
        """``b"\\n".join`` of the lines at `indices` (ascending)."""
        breaks = np.flatnonzero(np.diff(indices) != 1) + 1
        if len(breaks) * RUNS_PER_LINE_MAX < len(indices):
            # Mostly long runs of neighbouring lines (a chunk less its few malformed lines): each run is one
            # slice of the text, copied once. Arrow's take copies every line, then `bytes` copies them again.
            firsts, lasts = indices[np.r_[0, breaks]], indices[np.r_[breaks - 1, len(indices) - 1]]
            begins, ends = self.starts[firsts].tolist(), (self.starts[lasts + 1] - 1).tolist()
            view = memoryview(self.text)
            return b"\n".join([view[begin:end] for begin, end in zip(begins, ends, strict=True)])
        taken = self.array.take(pa.array(indices))
        offsets = np.frombuffer(taken.buffers()[1], dtype=np.int64)
        begin, end = int(offsets[taken.offset]), int(offsets[taken.offset + len(taken)])
        values = memoryview(taken.buffers()[2])  # type: ignore[arg-type]
        if end > begin and values[end - 1] == _NEWLINE:
            end -= 1
        return bytes(values[begin:end])


def _one_object_per_line(data: bytes, newlines: np.ndarray) -> int | None:
    """The line count if every line of `data` starts with ``{`` and ends with ``}``, else None.

    A raw newline cannot sit inside a JSON string, so each newline ends a line; checked by numpy
    at the newline positions only.
    """
    if data[:1] != b"{" or data[-1:] != b"}":
        return None
    if newlines.size:
        view = np.frombuffer(data, dtype=np.uint8)
        if not ((view[newlines - 1] == _CLOSE).all() and (view[newlines + 1] == _OPEN).all()):
            return None
    return int(newlines.size) + 1


def _guarded(data: bytes, rows: int) -> tuple[bytes, int] | None:
    """``(data, rows)``, or None if a guard on the text (UTF-8, surrogate escapes) declines it."""
    if not data.isascii():  # ASCII is UTF-8; the check allocates nothing
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    # Substring tests first: they run at memory speed, the regexes do not (a one-byte search is a memchr).
    if b"\\" in data and b"\\u" in data and _SURROGATE_ESCAPE.search(data) is not None:
        return None
    return data, rows


def _object_lines(lines: list[bytes]) -> int | None:
    """How many lines are one object each (blank lines skipped), or None if a line is something else."""
    rows = 0
    for raw in lines:
        if not raw.strip():
            continue
        body = raw.strip(_JSON_SPACE)
        if body[:1] != b"{" or body[-1:] != b"}":
            return None
        rows += 1
    return rows


def parse_basic(data: bytes, rows: int) -> tuple[pa.Table | None, str | None]:
    """Parse a prepared chunk with date/time strings kept as strings: (table, None) or (None, Arrow's error).

    Arrow infers timestamps from ISO strings and has no switch for it, so a chunk where it did is
    parsed again with an explicit schema. When the first `SAMPLE_LINES` lines already show such
    a field, the whole chunk is parsed once with the sample's schema (strings in their place)
    and the rest inferred; that declines whatever disagrees with the sample, and the plain two
    passes run instead.
    """
    sample = _sample_schema(data)
    if sample is not None:
        table, _ = _read(data, sample, unexpected="infer")
        if table is not None and table.num_rows == rows and _shallow_basic(table.schema):
            return (table, None) if _within_depth(table.schema) else (None, None)
    table, error = _read(data, None)
    if table is None or table.num_rows != rows:
        return None, error
    if not _shallow_basic(table.schema):
        table, error = _read(data, pa.schema([_as_basic(field) for field in table.schema]))
        if table is None or table.num_rows != rows:
            return None, error
    return (table, None) if _within_depth(table.schema) else (None, None)


def finish(table: pa.Table, data: bytes, rows: int, newlines: np.ndarray | None = None) -> pa.Table | None:
    """The block the Python path builds from a parsed chunk (int widths, list names), or None if unsure.

    `newlines`: the positions of the newlines in `data`, when the caller has them.
    """
    if table.num_columns == 0:
        # Only empty objects: rows without columns, built as the Python path builds them.
        return pa.Table.from_struct_array(pa.array([{}] * rows, pa.struct([])))
    table = table.combine_chunks()
    source = _Source(data, rows, newlines)
    fields: list[pa.Field] = []
    every_row = _lazy_rows(lambda: np.arange(rows))
    for index, field in enumerate(table.schema):
        values = table.column(index).chunk(0) if table.column(index).num_chunks else None
        target = _target(field, values, source, True, every_row)
        if target is None:
            return None
        fields.append(target)
    return table.cast(pa.schema(fields))


def conflict_keys(error: str | None) -> tuple[str, ...]:
    """The top-level key of an Arrow "changed from <kind> to <kind>" error, if that is what it is."""
    match = _CONFLICT.search(error or "")
    return (match.group(1),) if match is not None else ()


def target_field(field: pa.Field, values: pa.Array, data: bytes) -> pa.Field | None:
    """The field the Python path infers for a top-level `field` of `values` parsed from `data`, or None if unsure."""
    return _target(field, values, _Source(data, len(values)), True, _lazy_rows(lambda: np.arange(len(values))))


def _sample_schema(data: bytes) -> pa.Schema | None:
    """The first lines' schema with date/time fields as strings, when it has such fields to fix."""
    cut = -1
    for _ in range(SAMPLE_LINES):
        cut = data.find(b"\n", cut + 1)
        if cut < 0:
            return None  # the sample is the chunk: the plain path costs no more
    table, _ = _read(data[:cut], None)
    if table is None or _shallow_basic(table.schema) or any(_holds_null_type(f.type) for f in table.schema):
        # Nothing to fix, or a null field the explicit schema would pin down too early.
        return None
    return pa.schema([_as_basic(field) for field in table.schema])


def _read(data: bytes, schema: pa.Schema | None, unexpected: str = "error") -> tuple[pa.Table | None, str | None]:
    """Parse `data` as one Arrow block: (table, None), or (None, Arrow's message) if Arrow rejects it."""
    options = pa_json.ParseOptions(
        explicit_schema=schema,
        newlines_in_values=False,
        unexpected_field_behavior="infer" if schema is None else unexpected,
    )
    # One block for the whole chunk so that inference sees every row at once.
    read_options = pa_json.ReadOptions(use_threads=False, block_size=max(len(data) + 1, 1 << 16))
    try:
        # A BufferReader wraps the bytes as they are; a BytesIO is read through Python into new copies.
        table = pa_json.read_json(pa.BufferReader(data), read_options=read_options, parse_options=options)
        # Arrow's JSON reader builds lists of nulls with too short a child array; cheap check.
        table.validate()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return None, str(exc)
    return table, None


def _shallow_basic(schema: pa.Schema) -> bool:
    return all(_is_basic(field.type) for field in schema)


def _within_depth(schema: pa.Schema) -> bool:
    # The schema is as deep as the deepest value, so this bounds the nesting of every line.
    return max((_depth(field.type) for field in schema), default=0) <= MAX_DEPTH


def _is_basic(dtype: pa.DataType) -> bool:
    if pa.types.is_struct(dtype):
        return all(_is_basic(dtype.field(i).type) for i in range(dtype.num_fields))
    if pa.types.is_list(dtype):
        return _is_basic(dtype.value_type)
    return any(check(dtype) for check in _BASIC)


def _as_basic(field: pa.Field) -> pa.Field:
    """`field` with every inferred date/time type replaced by string (the Python path keeps text)."""
    dtype = field.type
    if pa.types.is_struct(dtype):
        return field.with_type(pa.struct([_as_basic(dtype.field(i)) for i in range(dtype.num_fields)]))
    if pa.types.is_list(dtype):
        return field.with_type(pa.list_(_as_basic(dtype.value_field)))
    return field if _is_basic(dtype) else field.with_type(pa.string())


def _depth(dtype: pa.DataType) -> int:
    if pa.types.is_struct(dtype):
        return 1 + max((_depth(dtype.field(i).type) for i in range(dtype.num_fields)), default=0)
    if pa.types.is_list(dtype):
        return 1 + _depth(dtype.value_type)
    return 0


def _holds_null_type(dtype: pa.DataType) -> bool:
    if pa.types.is_struct(dtype):
        return any(_holds_null_type(dtype.field(i).type) for i in range(dtype.num_fields))
    if pa.types.is_list(dtype):
        return _holds_null_type(dtype.value_type)
    return bool(pa.types.is_null(dtype))


class _Source:
    """The raw chunk columns were parsed from, searched for integer literals (`_has_integer_literal`)."""

    def __init__(self, data: bytes, row_count: int, newlines: np.ndarray | None = None) -> None:
        self.data = data
        self.row_count = row_count
        self._newlines = newlines

    @functools.cached_property
    def lines(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(start, end) of each row's line when line i holds row i (no blank lines), else None."""
        starts = line_starts(self.data, self._newlines)
        if len(starts) - 1 != self.row_count:
            return None
        return starts[:-1], starts[1:] - 1


def _target(field: pa.Field, values: pa.Array | None, source: _Source, keyed: bool, rows: LazyRows) -> pa.Field | None:
    """The field the Python path infers for `values` (Arrow's array of `field`), or None if unsure.

    Args:
        field: The Arrow field.
        values: Its values (nulls of parents applied), or None when there are none.
        source: The raw chunk, searched for integer literals after a key.
        keyed: Whether the values follow a key (``"name": value``) rather than sit in arrays.
        rows: The row each value belongs to (None if unknown), computed when first needed: only an
            integral double looks for its integer literal by row.
    """
    dtype = field.type
    if pa.types.is_struct(dtype):
        children = values.flatten() if values is not None else [None] * dtype.num_fields
        members = [_target(dtype.field(i), children[i], source, True, rows) for i in range(dtype.num_fields)]
        if any(member is None for member in members):
            return None
        return field.with_type(pa.struct([member for member in members if member is not None]))
    if pa.types.is_list(dtype):
        if _holds_null_type(dtype.value_type):
            # Lists of nulls are built wrongly by Arrow's JSON reader (see `_read`).
            return None
        elements = values.flatten() if values is not None else None
        element_rows = _lazy_rows(lambda: _element_rows(values, rows()))
        element = _target(dtype.value_field.with_name("element"), elements, source, False, element_rows)
        return None if element is None else field.with_type(pa.list_(element))
    if values is None or values.null_count == len(values):
        return field
    if pa.types.is_int64(dtype):
        low, high = pc.min_max(values).values()
        if _INT32[0] <= low.as_py() and high.as_py() <= _INT32[1]:
            return field.with_type(pa.int32())
        return field
    if pa.types.is_float64(dtype):
        if not pc.all(pc.is_finite(values)).as_py():
            return None  # perhaps an Inf or -NaN token Python rejects (module doc)
        integral = np.asarray(pc.fill_null(pc.equal(values, pc.floor(values)), False))
        if not integral.any():
            return field
        # An integral double may come from an integer literal; look for one after the key.
        if not keyed or _PLAIN_KEY.fullmatch(field.name) is None or (b"\\" in source.data and b"\\u" in source.data):
            return None
        return None if _has_integer_literal(field.name, source, integral, rows) else field
    return field


#: The row of each value of an array, or None if unknown; computed on first call (see `_lazy_rows`).
LazyRows = Callable[[], "np.ndarray | None"]


def _lazy_rows(compute: Callable[[], np.ndarray | None]) -> LazyRows:
    """`compute`, called at most once: most fields never need their rows (a list's cost ~1 % of a read)."""
    return functools.cache(compute)


def _element_rows(lists: pa.Array | None, rows: np.ndarray | None) -> np.ndarray | None:
    """The row of each element of `lists` (as ``lists.flatten()`` lists them), or None if unknown."""
    if lists is None or rows is None:
        return None
    lengths = np.asarray(pc.fill_null(pc.list_value_length(lists), 0))
    return rows[np.repeat(np.arange(len(lists)), lengths)]


def _has_integer_literal(name: str, source: _Source, integral: np.ndarray, rows_of: LazyRows) -> bool:
    """Whether an integer literal follows ``"name":`` in the chunk.

    An integer literal always parses to an integral double, so only the lines of rows with an
    integral value need searching: a few lines rather than the whole chunk, when they are few.
    """
    literal = re.compile(rb'"' + name.encode() + rb'"\s*:\s*-?\d+\s*[,}\]\s]')
    lines, rows = source.lines, rows_of()
    candidates = np.unique(rows[integral]) if rows is not None and len(rows) == len(integral) else None
    if lines is None or candidates is None or candidates.size * 4 > source.row_count:
        return literal.search(source.data) is not None
    starts, ends = lines
    text = b"\n".join([source.data[starts[row] : ends[row]] for row in candidates.tolist()])
    return literal.search(text) is not None
