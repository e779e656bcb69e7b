"""The Arrow fast path of the JSON-lines reader gives exactly the Python path's blocks and errors."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime.formats import JsonFormat, ReadOutput, json_drift, json_fast, json_screen
from glueworks.runtime.formats import json as json_module
from glueworks.runtime.gluetypes import is_choice

URL = "mem://in.json"


def _read(data: bytes, fast: bool, block_rows: int, ranged: bool, monkeypatch: pytest.MonkeyPatch) -> ReadOutput:
    with monkeypatch.context() as patch:
        patch.setattr(json_fast, "FAST_PATH_ENABLED", fast)
        fmt = JsonFormat(block_rows=block_rows)
        if ranged:
            return fmt.read_range(io.BytesIO(data), URL, 0, len(data))
        return fmt.read(io.BytesIO(data), URL)


def _assert_same(data: bytes, monkeypatch: pytest.MonkeyPatch, block_rows: int = 4) -> ReadOutput:
    """Read `data` both ways, by whole file and by range; assert equal output; return the fast one."""
    fast = ReadOutput()
    for ranged in (False, True):
        slow = _read(data, False, block_rows, ranged, monkeypatch)
        fast = _read(data, True, block_rows, ranged, monkeypatch)
        assert fast.errors == slow.errors
        assert fast.records == slow.records
        assert len(fast.blocks) == len(slow.blocks)
        for got, want in zip(fast.blocks, slow.blocks, strict=True):
            assert got.schema == want.schema, (got.schema, want.schema)
            # repr: NaN equals NaN and -0.0 differs from 0.0.
            assert repr(got.to_pylist()) == repr(want.to_pylist())
    return fast


def _lines(*lines: str | bytes) -> bytes:
    return b"\n".join(line.encode() if isinstance(line, str) else line for line in lines) + b"\n"


# --- the fast path is taken where it should be ------------------------------------------


def test_a_clean_nested_chunk_takes_the_fast_path_and_keeps_strings_and_int_widths() -> None:
    lines = [
        json.dumps({"id": i, "ts": "2024-01-02T03:04:05", "day": "2024-01-02", "u": {"n": i * 2**33, "x": 0.5}})
        for i in range(5)
    ]
    block = json_fast.arrow_block([line.encode() for line in lines])
    assert block is not None
    assert str(block.schema.field("id").type) == "int32"
    assert str(block.schema.field("ts").type) == "string"
    assert block.column("day").to_pylist() == ["2024-01-02"] * 5
    assert str(block.schema.field("u").type) == "struct<n: int64, x: double>"


def test_integral_doubles_written_with_a_point_keep_the_fast_path() -> None:
    block = json_fast.arrow_block([b'{"price": 10.0}', b'{"price": 2.5}'])
    assert block is not None
    assert block.column("price").to_pylist() == [10.0, 2.5]


def test_an_integer_literal_among_nested_doubles_is_found_in_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only rows holding an integral double are searched for an integer literal (when they are few):
    # the literal here sits in the last row; one other row has an integral double written with a point.
    rows = [f'{{"n": {i}, "items": [{{"price": {i}.5}}, {{"price": {i}.25}}]}}' for i in range(40)]
    rows[5] = '{"n": 5, "items": [{"price": 5.0}]}'
    clean = json_fast.arrow_block([row.encode() for row in rows])
    assert clean is not None and str(clean.schema.field("items").type) == "list<element: struct<price: double>>"
    rows.append('{"n": 40, "items": [{"price": 1.5}, {"price": 7}]}')
    assert json_fast.arrow_block([row.encode() for row in rows]) is None
    _assert_same(_lines(*rows), monkeypatch, block_rows=50)


@pytest.mark.parametrize(
    "lines",
    [
        [b'{"a": 1}', b'{"a": 2.5}'],  # int next to double: a Choice in Python
        [b'{"a": -0}', b'{"a": 0.5}'],  # an integer Arrow reads as -0.0
        [b'{"a": 99999999999999999999}'],  # beyond 64 bits: a decimal in Python
        [b'{"a": [1, 2.5]}'],  # int and double in one array
        [b"null"],  # Arrow makes a row of it
        [b'{"a": 1} {"a": 2}'],  # two objects on one line
        [b'{"a":', b"1}"],  # one object over two lines
        [b'{"a": "\xff"}'],  # invalid UTF-8
        [b'{"a": "\\ud800"}'],  # lone surrogate escape
        [b'{"a": 1, "a": 2}'],  # duplicate key
        [b"[1]"],
        [b"", b"  "],
        [b'{"a": Inf}'],  # Arrow reads it, Python rejects it
        [b'{"a": [-NaN]}'],
        [b'{"a": {"b": [{"c": -Inf}]}}'],  # deep inside structs and lists too
        [b'{"a": 1.5}', b'{"a": Inf}'],  # beside finite doubles
        [b'{"a": ' + b"[" * 70 + b"1" + b"]" * 70 + b"}"],  # deeper than MAX_DEPTH
        [b'{"a": [null]}'],  # Arrow builds lists of nulls wrongly
    ],
)
def test_the_fast_path_declines_what_it_cannot_prove(lines: list[bytes]) -> None:
    assert json_fast.arrow_block(lines) is None


# --- and the output equals the Python path's -------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        _lines('{"a": 1}', '{"a": 2.5}', '{"a": "x"}'),
        _lines('{"a": -0}', '{"a": 1.5}', '{"b": 99999999999999999999}', '{"b": 1}'),
        _lines("{}", "{}", '{"a": {}}', '{"a": {"b": []}}', '{"c": [[], [null]]}'),
        _lines('{"z": 1, "a": {"y": 1, "x": 2}}', '{"b": 2, "a": {"w": null, "x": 3}}', '{"a": null}'),
        _lines('{"a": 1}', "", "  ", '{"a": 2}\r', "null", '{"a": 1} {"a": 2}', '{"a": "\\ud800"}', b'{"a": "\xc3"}'),
        _lines('{"t": "2024-01-01 10:00:00"}', '{"t": "10:00"}', '{"t": null}', '{"n": 2147483648}'),
        _lines('{"a": 1e300}', '{"a": Infinity}', '{"a": 1}', '{"a": 1, "a": 2}', '{"a": [1]}'),
    ],
)
def test_fixed_inputs_read_the_same_both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(data, monkeypatch)


def test_error_records_keep_exact_line_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    good = [json.dumps({"n": i, "s": str(i)}) for i in range(30)]
    good[7] = '{"n": '
    good[19] = "[1, 2]"
    out = _assert_same(_lines(*good), monkeypatch, block_rows=8)
    assert [error.line for error in out.errors] == [8, 20]
    assert out.records == 28


def test_drift_in_a_dirty_chunk_is_still_a_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _assert_same(_lines('{"n": 1}', "oops", '{"n": "x"}'), monkeypatch, block_rows=10)
    assert is_choice(out.blocks[0].schema.field("n"))


# --- property ------------------------------------------------------------------------------

_KEYS = st.sampled_from(["a", "b", "id", "ts", "n", "é", "k y", ""])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**66), max_value=2**66)
    | st.sampled_from([0, -1, 2**31, -(2**31) - 1, 2**63 - 1])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1.0, -0.0, 2.5, 1e300])
    | st.text(max_size=6)
    | st.sampled_from(["2024-01-02T03:04:05", "2024-01-02", "2024-01-02 03:04", "03:04:05", "\U0001f600"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=8,
)
_BAD = st.sampled_from(
    [
        b"",
        b"   ",
        b"\r",
        b"null",
        b"[1]",
        b'"x"',
        b"7",
        b'{"a": ',
        b'{"a": 1} {"b": 2}',
        b'{"a": "\xff\xfe"}',
        b'{"a": "\\ud800"}',
        b'{"a": "\\udc00\\ud800"}',
        b'{"a": 1, "a": "x"}',
        b'{"a": NaN}',
        b'{"a": 1e999}',
        b'{"a": 01}',
        b"{'a': 1}",
        b'{"a": Inf}',
        b'{"a": -Inf}',
        b'{"a": [1, -NaN]}',
        b'{"a": Infinity}',
        b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}",
        b'{"a": ' + b"[" * 70 + b"2" + b"]" * 70 + b"}",
    ]
)


@st.composite
def _line(draw: Any) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return bytes(draw(_BAD))
    record = draw(st.dictionaries(_KEYS, _VALUES, max_size=4))
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    return text.encode() + (b"\r" if draw(st.integers(0, 19)) == 0 else b"")


def _chunks(lines: list[bytes]) -> Iterator[bytes]:
    yield b"\n".join(lines)
    yield b"\n".join(lines) + b"\n"


@settings(max_examples=120, deadline=None)
@given(lines=st.lists(_line(), max_size=14), block_rows=st.integers(1, 6))
def test_property_fast_reader_equals_python_reader(lines: list[bytes], block_rows: int) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for data in _chunks(lines):
            _assert_same(data, monkeypatch, block_rows=block_rows)


def test_property_inputs_reach_the_fast_path() -> None:
    # Guard against a property test that passes because the fast path never runs.
    lines = [json.dumps({"a": {"b": [i, 2]}, "c": f"x{i}", "d": i + 0.5}).encode() for i in range(6)]
    block = json_fast.arrow_block(lines)
    assert block is not None
    assert block.schema == pa.schema(
        [
            pa.field("a", pa.struct([pa.field("b", pa.list_(pa.field("element", pa.int32())))])),
            pa.field("c", pa.string()),
            pa.field("d", pa.float64()),
        ]
    )


# --- drift in kind within a chunk, and malformed lines among good ones ----------------------

_DRIFT_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.sampled_from([2**31, 7, -3, 0.5, 1.0, "", "7", "n/a", "2024-01-02", "a", "b"])  # a key's text as a value
    | st.text(max_size=3)
)


@st.composite
def _drifting_line(draw: Any) -> bytes:
    if draw(st.integers(0, 11)) == 0:
        return bytes(draw(_BAD))
    record: dict[str, Any] = {}
    for key in draw(st.permutations(["id", "a", "b", "s"])):
        if draw(st.integers(0, 4)) == 0:
            continue  # keys come and go, in any order
        if key == "s":
            record[key] = {"x": draw(_DRIFT_SCALARS), "y": draw(st.integers(0, 3))}
        elif key == "id":
            record[key] = draw(st.integers(0, 2**33))
        else:
            record[key] = draw(_DRIFT_SCALARS)
    # Compact lines (`"a":1`) are grouped off the buffer, spaced ones (`"a": 1`) by the regex.
    separators = draw(st.sampled_from([(", ", ": "), (",", ":")]))
    return json.dumps(record, ensure_ascii=draw(st.booleans()), separators=separators).encode()


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(_drifting_line(), min_size=1, max_size=16), block_rows=st.integers(2, 12))
def test_property_drift_and_bad_lines_read_like_the_python_reader(lines: list[bytes], block_rows: int) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _assert_same(b"\n".join(lines) + b"\n", monkeypatch, block_rows=block_rows)


@pytest.mark.parametrize("compact", [False, True])
def test_a_field_drifting_between_number_and_string_is_read_in_arrow_as_a_choice(
    compact: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        b'{"id": 1, "amount": 5, "x": "a"}',
        b'{"id": 2, "amount": "6", "dev": {"os": "l"}, "x": "b"}',
        b'{"id": 3, "amount": null, "x": "c"}',
        b'{"id": 4, "x": "amount", "amount": 2147483648}',  # the key's text first met as a value
        b'{"id": 5, "x": "e", "z": true}',
    ]
    if compact:  # grouped off the buffer; spaced lines go through the regex
        lines = [line.replace(b": ", b":").replace(b", ", b",") for line in lines]
    first = json_fast.read_block(lines)
    assert first.table is None and first.conflicts == ("amount",)
    block = json_drift.drift_block(lines, first)
    assert block is not None  # the Arrow path took it
    assert block.schema.names == ["id", "amount", "x", "dev", "z"]
    assert str(block.schema.field("amount").type) == "struct<long: int64, string: string>"
    out = _assert_same(b"\n".join(lines), monkeypatch, block_rows=10)
    amounts = out.blocks[0].column("amount").to_pylist()
    assert amounts[:2] == [{"long": 5, "string": None}, {"long": None, "string": "6"}]


@pytest.mark.parametrize(
    "lines",
    [
        [b'{"a": 1}', b'{"a": {"b": 1}}'],  # a struct member
        [b'{"a": 1}', b'{"a": [1]}'],  # an array member
        [b'{"a": 1}', b'{"a": "x", "s": {"a": 2}}', b'{"s": {"b": 1, "a": 3}}'],  # nested order differs
        [b'{"a": 1}', b'{"a": 1.5}', b'{"a": "x"}'],  # int and double: a Choice of three in Python
    ],
)
def test_drift_the_arrow_path_cannot_prove_goes_to_python(lines: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    first = json_fast.read_block(lines)
    assert json_drift.drift_block(lines, first) is None
    _assert_same(b"\n".join(lines), monkeypatch, block_rows=10)


def test_malformed_lines_are_screened_without_parsing_good_lines_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    good = [json.dumps({"n": i, "s": f"v{i}"}) for i in range(40)]
    good[3] = '{"n": 3, "s": '
    good[11] = '{"n": 11} }x'
    good[20] = "42"
    good[25] = '{"n": 25, "s": {"a": 1}'  # object-shaped, runs on into the next line for the validator
    good[31] = '{"n": 31, "s": "S\xe3o"}'
    good[35] = '{"n": 01}'
    data = b"\n".join(line.encode("latin-1") if index == 31 else line.encode() for index, line in enumerate(good))
    parsed: list[bytes] = []
    real = json_module._parse_line

    def counting(raw: bytes, objects_only: bool = True) -> Any:
        parsed.append(raw)
        return real(raw, objects_only)

    def no_full_screen(lines: list[bytes]) -> Any:
        raise AssertionError("the shape screen and one validation of the object-shaped lines suffice here")

    monkeypatch.setattr(json_module, "_parse_line", counting)
    monkeypatch.setattr(json_screen, "screen", no_full_screen)
    out = _read(data, True, 100, True, monkeypatch)
    assert [error.line for error in out.errors] == [4, 12, 21, 26, 32, 36]
    assert out.records == 34
    assert len(parsed) == 6  # only the suspects went through Python
    monkeypatch.undo()
    _assert_same(data, monkeypatch, block_rows=100)


@pytest.mark.parametrize("odd", [b'{"n": 1} {"n": 2}', b'  {"n": 1}', b'{"n": 1}\r', b'{"n": "x"}'])
def test_a_chunk_the_shape_screen_cannot_prove_takes_the_full_screen(
    odd: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two objects on a line (which the validator passes), a suspect Python accepts, drift: the full screen decides."""
    lines = [json.dumps({"n": i}).encode() for i in range(10)]
    lines[2] = b"not json"
    lines[6] = odd
    data = b"\n".join(lines)
    screened: list[int] = []
    real = json_screen.screen

    def counting(chunk_lines: list[bytes]) -> Any:
        screened.append(len(chunk_lines))
        return real(chunk_lines)

    monkeypatch.setattr(json_screen, "screen", counting)
    _read(data, True, 100, False, monkeypatch)
    assert screened == [10]
    monkeypatch.undo()
    _assert_same(data, monkeypatch, block_rows=100)


# --- cutting a buffer into chunks ----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from([b"", b"{}", b'{"a": 1}', b" ", b"\r", b"x"]), max_size=12),
    trailing=st.booleans(),
    rows=st.integers(1, 5),
    search_bytes=st.sampled_from([1, 3, 1 << 20]),
)
def test_property_chunks_cut_from_a_buffer_are_the_joined_line_lists(
    lines: list[bytes], trailing: bool, rows: int, search_bytes: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if trailing else b"")
    split = data.split(b"\n")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Newlines are searched a piece at a time; small pieces put their seams everywhere.
        monkeypatch.setattr(json_fast, "_SEARCH_BYTES", search_bytes)
        cut = list(json_fast.cut_chunks(data, rows))
    assert [begin for _, begin, _ in cut] == list(range(0, len(split), rows))
    for chunk, begin, newlines in cut:
        # Trailing newlines only end blank lines, which make no record.
        assert chunk == b"\n".join(split[begin : begin + rows]).rstrip(b"\n")
        assert newlines.tolist() == [i for i, byte in enumerate(chunk) if byte == ord("\n")]


def test_the_validator_blames_the_malformed_line_not_the_one_after_it() -> None:
    # A truncated line that still ends in "}" runs on into the next line, where msgspec reports the error.
    raw = [b'{"a": 1}', b'{"b": {"c": 1}', b'{"c": 1}', b'{"d": }', b'{"e": 1}', b'{"f": [1, 2}']
    text = b"\n".join(raw)
    lines = json_fast.Lines(text)
    assert json_screen.rejected(lines) == [1, 3, 5]
    assert json_screen.rejected(lines.subset(np.array([0, 2, 4]))) == []


@pytest.mark.parametrize("kept", ["all", "runs", "scattered", "last-only", "none"])
def test_joined_lines_equal_a_join_of_the_picked_lines(kept: str) -> None:
    """Joining picked lines by runs of neighbours (a chunk less a few malformed lines) or line by line
    (scattered picks) gives ``b"\\n".join`` of exactly those lines."""
    raw = [f'{{"n": {i}, "pad": "{"x" * (i % 7)}"}}'.encode() for i in range(400)]
    lines = json_fast.Lines(b"\n".join(raw))
    picks = {
        "all": list(range(400)),
        "runs": [i for i in range(400) if i % 97 not in (3, 4)],
        "scattered": list(range(0, 400, 3)),
        "last-only": [399],
        "none": [],
    }[kept]
    indices = np.array(picks, dtype=np.int64)
    assert lines.joined(indices) == b"\n".join(raw[i] for i in picks)
