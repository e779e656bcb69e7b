"""Field path syntax: dots, back-ticks and ``[]``; values under array paths and their rebuild."""

from __future__ import annotations

import pyarrow as pa
import pytest

from glueworks.runtime import InvalidOptionError
from glueworks.runtime.paths import ELEMENTS, format_path, get_nested, parse_path, replace_path, wrap


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", ("a",)),
        ("a.b.c", ("a", "b", "c")),
        ("`a.b`.c", ("a.b", "c")),
        ("items[].sku", ("items", ELEMENTS, "sku")),
        ("grid[][]", ("grid", ELEMENTS, ELEMENTS)),
        ("grid[][].x", ("grid", ELEMENTS, ELEMENTS, "x")),
        ("`x[]`[]", ("x[]", ELEMENTS)),
        ("s.`c.d`[].e", ("s", "c.d", ELEMENTS, "e")),
    ],
)
def test_paths_parse_and_print_back(text: str, expected: tuple[str, ...]) -> None:
    assert parse_path(text, "p", arrays=True) == expected
    assert format_path(expected) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"^p: a field path must be a non-empty string"),
        ("a..b", r"^p: empty name"),
        ("a.", r"^p: empty name"),
        ("a[].", r"^p: empty name"),
        ("a[0]", r"^p: malformed brackets"),
        ("a]", r"^p: malformed brackets"),
        ("[]", r"^p: \[\] must follow a field name"),
        ("a.[]", r"^p: \[\] must follow a field name"),
        ("a[]b", r"^p: expected '\.' in path"),
        ("`a`b", r"^p: text after a closing back-tick"),
        ("a[]`b`", r"^p: misplaced back-tick"),
        ("`a", r"^p: unclosed back-tick"),
        ("`[]`", r"^p: a field named '\[\]' cannot be addressed"),
    ],
)
def test_malformed_paths_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        parse_path(text, "p", arrays=True)


def test_array_steps_need_the_caller_to_accept_them() -> None:
    assert parse_path("a.b", "p") == ("a", "b")
    with pytest.raises(InvalidOptionError, match=r"^p: array paths like 'a\[\]' are not supported"):
        parse_path("a[]", "p")


def test_nested_values_flatten_and_wrap_back_to_the_same_shape() -> None:
    items = pa.array([[{"n": 1}, None], None, [], [{"n": 2}]]).slice(1, 3)  # sliced on purpose
    table = pa.table({"items": items})
    found = get_nested(table, ("items", ELEMENTS, "n"))
    assert found is not None
    field, values, levels = found
    assert (field.name, values.to_pylist(), len(levels)) == ("n", [2], 1)
    rebuilt_field, rebuilt = wrap(pa.field("ns", values.type), values, levels[0])
    assert rebuilt_field.name == "ns"
    assert rebuilt.to_pylist() == [None, [], [2]]
    assert get_nested(table, ("items", "n")) is None  # a struct step into an array finds nothing
    assert get_nested(table, ("items", ELEMENTS, ELEMENTS)) is None


def test_replace_inside_elements_keeps_nulls_and_lengths() -> None:
    table = pa.table({"items": pa.array([[{"a": 1, "b": 2}, None], None, []])})
    renamed = replace_path(table, ("items", ELEMENTS, "a"), lambda field, column: [(field.with_name("z"), column)])
    assert renamed.column("items").to_pylist() == [[{"z": 1, "b": 2}, None], None, []]
    # A replacement that would remove the elements themselves leaves the block as it is.
    assert replace_path(table, ("items", ELEMENTS), lambda field, column: []).equals(table)
