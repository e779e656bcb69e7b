"""The compiled filter path: its mask equals the record path's on every row, or it declines."""

from __future__ import annotations

import itertools
import linecache
import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime.gluetypes import make_choice
from glueworks.runtime.plan import Filter, FromTables
from glueworks.runtime.transforms.filter import filter_block, record_mask
from glueworks.runtime.transforms.predicate import compile_predicate

_names = itertools.count()


def make_predicate(expression: str) -> Callable[[Any], Any]:
    """A lambda whose source is findable the way a script's is (a linecache entry, like a file's)."""
    filename = f"<predicate {next(_names)}>"
    source = f"predicate = lambda r: {expression}\n"
    linecache.cache[filename] = (len(source), None, [source], filename)
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    predicate: Callable[[Any], Any] = namespace["predicate"]
    return predicate


def both_paths(table: pa.Table, predicate: Callable[[Any], Any]) -> tuple[list[bool] | None, list[bool], int]:
    """(compiled mask or None, record-path mask, record-path error count)."""
    compiled = compile_predicate(predicate)
    assert compiled is not None
    mask = compiled.mask(table)
    keep, errors = record_mask(table, predicate, "s")
    return (None if mask is None else mask.to_pylist()), keep, len(errors)


# --- the property: random small tables x random predicates from the subset ----------------------

BIG = 2**53 + 1
INTS = st.one_of(st.integers(-3, 3), st.sampled_from([100, 101, BIG, -BIG, 2**62, -(2**63)]))
FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 100.5, math.nan, math.inf, -math.inf, float(BIG - 1)]),
    st.floats(-5, 5, allow_nan=False),
)
STRINGS = st.sampled_from(["", "a", "b", "logout", "é", "ab", "Z", "\U0001f600"])
STRUCT_TYPE = pa.struct([("x", pa.int64()), ("y", pa.string())])


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    rows = draw(st.integers(0, 10))

    def column(values: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(st.one_of(st.none(), values), min_size=rows, max_size=rows))

    structs = column(st.fixed_dictionaries({"x": st.one_of(st.none(), INTS), "y": st.one_of(st.none(), STRINGS)}))
    table = pa.table(
        {
            "i": pa.array(column(INTS), pa.int64()),
            "f": pa.array(column(FLOATS), pa.float64()),
            "s": pa.array(column(STRINGS), draw(st.sampled_from([pa.string(), pa.large_string()]))),
            "b": pa.array(column(st.booleans()), pa.bool_()),
            "k": pa.array(column(st.integers(-3, 3)), pa.int32()),
            "n": pa.nulls(rows),
            "st": pa.array(structs, STRUCT_TYPE),
        }
    )
    if rows > 1 and draw(st.booleans()):  # several chunks per column
        table = pa.concat_tables([table.slice(0, rows // 2), table.slice(rows // 2)])
    return table


CONSTANTS = st.sampled_from(
    ["0", "1", "-1", "100", "101", str(BIG), str(2**62), "0.0", "-0.0", "1.0", "100.5", "1e300", "9007199254740992.0",
     "''", "'a'", "'logout'", "'é'", "True", "False", "None"]
)  # fmt: skip
COLUMNS = st.sampled_from(['r["i"]', 'r["f"]', 'r["s"]', 'r["b"]', 'r["k"]', 'r["st"]["x"]', "r.i", 'r.get("s")'])
ODD_VALUES = st.sampled_from(
    ['r["n"]', 'r.get("zz")', 'r.get("zz", 5)', 'r["zz"]', 'r["st"]["y"]', 'r["st"]["zz"]', 'r["s"]["x"]',
     'r["n"]["x"]']
)  # fmt: skip
VALUES = st.one_of(COLUMNS, COLUMNS, ODD_VALUES, CONSTANTS)
OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


@st.composite
def comparisons(draw: st.DrawFn) -> str:
    left = draw(VALUES)
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return f"{left} {draw(OPS)} {draw(VALUES)}"
    if kind == 1:
        return f"{left} {draw(OPS)} {draw(VALUES)} {draw(OPS)} {draw(VALUES)}"
    if kind == 2:
        # A constant on the left of `is` is a SyntaxWarning; the record-valued ones are the point.
        subject = draw(VALUES.filter(lambda v: v.startswith("r")))
        return f"{subject} {draw(st.sampled_from(['is', 'is not']))} None"
    if kind == 3:
        members = ", ".join(draw(st.lists(CONSTANTS, max_size=3)))
        literal = draw(st.sampled_from(["({},)", "[{}]", "{{{}}}"])).format(members)
        if literal in ("(,)", "{}"):
            literal = "()"
        return f"{left} {draw(st.sampled_from(['in', 'not in']))} {literal}"
    return left  # bare truthiness


EXPRESSIONS = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"(not {e})"),
    ),
    max_leaves=4,
)


@settings(max_examples=400, deadline=None)
@given(table=tables(), expression=EXPRESSIONS)
def test_compiled_mask_equals_the_record_path(table: pa.Table, expression: str) -> None:
    mask, keep, errors = both_paths(table, make_predicate(expression))
    if mask is not None:
        assert mask == keep, expression
        assert errors == 0, expression


# --- specific cases --------------------------------------------------------------------------------

TRICKY = pa.table(
    {
        "i": pa.array([None, 0, 5, 2**53, BIG, -(2**63)], pa.int64()),
        "f": pa.array([None, math.nan, -0.0, 100.0, math.inf, 2.5]),
        "s": pa.array([None, "", "a", "logout", "é", "b"]),
        "b": pa.array([None, False, True, True, False, True]),
        "st": pa.array([None, {"x": None}, {"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}], pa.struct([("x", pa.int64())])),
    }
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('r["i"] > 1', [False, False, True, True, True, False]),  # None > 1 raises: rejected
        ('r["s"] != "logout"', [True, True, True, False, True, True]),  # None != "x" is True
        ('r["s"] == None', [True, False, False, False, False, False]),
        ('r["f"] == r["f"]', [True, False, True, True, True, True]),  # NaN != NaN; None == None
        ('r["f"]', [False, True, False, True, True, True]),  # NaN is truthy, -0.0 is not
        ('r["s"]', [False, False, True, True, True, True]),
        ('r["b"] == 1', [False, False, True, True, False, True]),  # True == 1
        ('r["i"] in (0, None, 5.0)', [True, True, True, False, False, False]),
        ('r["i"] not in {0, 5}', [True, False, False, True, True, True]),
        ('r["s"] < "b"', [False, True, True, False, False, False]),  # "é" > "b" by code point
        ('r["st"]["x"] >= 2', [False, False, False, True, True, True]),  # null struct: TypeError
        ('r["st"]["x"] is None', [False, True, False, False, False, False]),
        ('r["zz"] is None or True', [False] * 6),  # KeyError in every row
        ('r.get("zz") is None and r["b"]', [False, False, True, True, False, True]),
        ('0 <= r["i"] < 9007199254740992', [False, True, True, False, False, False]),
        ('not (r["i"] > 1)', [False, True, False, False, False, True]),  # a raise is not negated
        ('r["s"] > 1 or r["b"]', [False] * 6),  # TypeError before `or` looks further
        ('r["b"] or r["s"] > 1', [False, False, True, True, False, True]),
    ],
)
def test_tricky_cases(expression: str, expected: list[bool]) -> None:
    mask, keep, _ = both_paths(TRICKY, make_predicate(expression))
    assert keep == expected  # the reference itself, so the expectations are Python's
    assert mask == expected


def test_benchmark_predicate_compiles() -> None:
    table = pa.table({"event_type": ["click", "logout", None, "view"], "amount": pa.array([500, 500, 101, None])})
    predicate = make_predicate('r["event_type"] != "logout" and r["amount"] is not None and r["amount"] > 100')
    mask, keep, _ = both_paths(table, predicate)
    assert mask == keep == [True, False, True, False]


def test_int_beyond_2_53_against_a_float() -> None:
    # 2**53 + 1 rounds to 2**53 as a double: a whole float is compared as an int, exactly ...
    mask, keep, _ = both_paths(TRICKY, make_predicate('r["i"] > 9007199254740992.0'))
    assert mask == keep == [False, False, False, False, True, False]
    # ... any other float only when every int of the block is exact as a double.
    mask, keep, _ = both_paths(TRICKY, make_predicate('r["i"] > 4.5'))
    assert mask is None
    assert keep == [False, False, True, True, True, False]
    mask, keep, _ = both_paths(TRICKY.slice(0, 4), make_predicate('r["i"] > 4.5'))
    assert mask == keep == [False, False, True, True]


def test_missing_attribute_declines_for_error_records() -> None:
    mask, _, errors = both_paths(TRICKY, make_predicate("r.zz > 1"))
    assert mask is None
    assert errors == TRICKY.num_rows  # AttributeError: an error record per row, only the record path makes them


def test_choice_column_declines() -> None:
    choice = make_choice("n", [pa.field("int", pa.int64()), pa.field("string", pa.string())])
    long_, string = (member.name for member in choice.type)
    table = pa.table([pa.array([{long_: 5}, {string: "50"}], choice.type)], schema=pa.schema([choice]))
    predicate = make_predicate('r["n"] == 5')
    mask, keep, _ = both_paths(table, predicate)
    assert mask is None
    assert keep == [True, False]


@pytest.mark.parametrize(
    "expression",
    ["r['i'] > limit", "len(r['s']) > 1", "r['i'] + 1 > 2", "r['s'].startswith('a')", "r.keys", "r[0] == 1"],
)
def test_outside_the_subset_does_not_compile(expression: str) -> None:
    assert compile_predicate(make_predicate(expression)) is None


def test_closure_does_not_compile() -> None:
    limit = 3
    assert compile_predicate(lambda r: r["i"] > limit) is None
    assert compile_predicate(lambda r: r["i"] > 3) is not None  # the same shape without the closure


def test_source_that_does_not_match_the_code_does_not_compile() -> None:
    predicate = make_predicate('r["i"] > 1')
    filename = predicate.__code__.co_filename
    linecache.cache[filename] = (1, None, ['predicate = lambda r: r["i"] > 2\n'], filename)
    assert compile_predicate(predicate) is None


def test_def_with_a_single_return_compiles() -> None:
    def predicate(r: Any) -> bool:
        return bool(r["i"] > 1)  # `bool` is a global: no

    def simple(r: Any) -> Any:
        return r["i"] > 1

    assert compile_predicate(predicate) is None
    compiled = compile_predicate(simple)
    assert compiled is not None
    mask = compiled.mask(TRICKY)
    assert mask is not None
    assert mask.to_pylist() == record_mask(TRICKY, simple, "s")[0]


def test_filter_block_gives_the_same_rows_either_way() -> None:
    node = Filter(FromTables("t", (TRICKY,)), lambda r: r["s"] != "logout" and r["i"] is not None and r["i"] > 1)
    assert compile_predicate(node.predicate) is not None
    kept, errors = filter_block(TRICKY, node, "s")
    keep, _ = record_mask(TRICKY, node.predicate, "s")
    assert kept.equals(TRICKY.filter(pa.array(keep)))
    assert kept.column("i").to_pylist() == [5, BIG]
    assert errors == []


def test_filter_block_keeps_error_records_on_the_record_path() -> None:
    node = Filter(FromTables("t", (TRICKY,)), lambda r: 8 / r["i"] > 1)
    kept, errors = filter_block(TRICKY.slice(1, 3), node, "s")
    assert kept.column("i").to_pylist() == [5]
    assert [e.stage for e in errors] == ["filter"]


def test_a_pickled_copy_compiles_like_the_original() -> None:
    from ray import cloudpickle  # what carries the predicate to Ray workers

    copy = cloudpickle.loads(cloudpickle.dumps(lambda r: r["i"] > 1))  # type: ignore[no-untyped-call]
    compiled = compile_predicate(copy)
    assert compiled is not None
    mask = compiled.mask(TRICKY)
    assert mask is not None
    assert mask.to_pylist() == record_mask(TRICKY, copy, "s")[0]


def test_no_source_does_not_compile() -> None:
    predicate = make_predicate('r["i"] > 1')
    del linecache.cache[predicate.__code__.co_filename]  # a worker without the driver's script
    assert compile_predicate(predicate) is None


def test_compiled_once_per_predicate() -> None:
    predicate = make_predicate('r["i"] > 1')
    first = compile_predicate(predicate)
    del linecache.cache[predicate.__code__.co_filename]  # a second compile would now find no source
    assert first is not None
    assert compile_predicate(predicate) is first


def test_a_failing_ast_parse_leaves_the_record_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # CPython 3.11 can raise a spurious SystemError from `ast.parse` when another thread builds an AST.
    import glueworks.runtime.transforms.predicate as predicate_module

    def broken_parse(*_args: Any, **_kwargs: Any) -> Any:
        raise SystemError("AST constructor recursion depth mismatch (before=57, after=52)")

    predicate = make_predicate('r["n"] > 1')
    monkeypatch.setattr(predicate_module.ast, "parse", broken_parse)
    assert compile_predicate(predicate) is None
    table = pa.table({"n": [0, 2, 5]})
    kept, errors = filter_block(table, Filter(FromTables("t", (table,)), predicate), "s")
    assert kept.column("n").to_pylist() == [2, 5] and not errors
