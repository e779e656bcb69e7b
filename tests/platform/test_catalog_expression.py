"""The GetPartitions Expression grammar, parsed and evaluated directly: every operator and every key type."""

from __future__ import annotations

import pytest

from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services.catalog import compile_expression, parse_expression, segment_of

KEYS = [
    ("region", "string"),
    ("year", "int"),
    ("big", "bigint"),
    ("small", "smallint"),
    ("tiny", "tinyint"),
    ("price", "decimal(10,2)"),
    ("day", "date"),
    ("ts", "timestamp"),
]
ROWS = [
    ["eu", "2023", "9000000000", "300", "7", "10.50", "2023-01-31", "2023-01-31 10:00:00"],
    ["us", "2024", "9000000001", "-5", "-1", "2.25", "2024-02-29", "2024-02-29 23:59:59"],
    ["us-west", "2025", "1", "0", "127", "100", "2025-12-01", "2025-12-01 00:00:00"],
    ["__HIVE_DEFAULT_PARTITION__", "2022", "2", "1", "1", "0.01", "2022-06-15", "2022-06-15 12:30:00"],
]


def matching(expression: str) -> list[int]:
    """Indexes of ROWS the expression selects."""
    passes = compile_expression(expression, KEYS, table="t")
    return [index for index, values in enumerate(ROWS) if passes(values)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("region = 'us'", [1]),
        ("region <> 'us'", [0, 2]),  # NULL is neither equal nor unequal
        ("region != 'us'", [0, 2]),
        ("year > 2023", [1, 2]),
        ("year >= 2023", [0, 1, 2]),
        ("year < 2024", [0, 3]),
        ("year <= 2024", [0, 1, 3]),
        ("2024 = year", [1]),
        ("big > 8999999999", [0, 1]),
        ("small < 0", [1]),
        ("tiny = 127", [2]),
        ("price > 10", [0, 2]),  # compared as decimals; as strings '2.25' would be the largest
        ("price = 100.00", [2]),
        ("day > '2023-06-01'", [1, 2]),
        ("day = DATE '2024-02-29'", [1]),
        ("ts >= '2024-02-29 23:59:59'", [1, 2]),
        ("ts < TIMESTAMP '2023-01-31 10:00:01'", [0, 3]),
        ("year = 2023 AND region = 'eu'", [0]),
        ("year = 2023 OR region = 'us'", [0, 1]),
        ("NOT year = 2023", [1, 2, 3]),
        ("NOT (year = 2023 OR year = 2024)", [2, 3]),
        ("year = 2022 OR year = 2023 AND region = 'us'", [3]),  # AND binds tighter than OR
        ("(year = 2022 OR year = 2023) AND region = 'eu'", [0]),
        ("year IN (2023, 2025)", [0, 2]),
        ("year NOT IN (2023, 2025)", [1, 3]),
        ("region IN ('eu', 'us')", [0, 1]),
        ("year BETWEEN 2023 AND 2024", [0, 1]),
        ("year NOT BETWEEN 2023 AND 2024", [2, 3]),
        ("day BETWEEN '2023-01-01' AND '2024-12-31'", [0, 1]),
        ("region LIKE 'us%'", [1, 2]),
        ("region LIKE 'e_'", [0]),
        ("region NOT LIKE 'us%'", [0]),
        ("region IS NULL", [3]),
        ("region IS NOT NULL", [0, 1, 2]),
        ("REGION = 'eu' and `year` = 2023", [0]),  # keys and keywords ignore case; quoted keys
        ("\"region\" = 'eu'", [0]),
        ("", [0, 1, 2, 3]),
        ("   ", [0, 1, 2, 3]),
    ],
)
def test_expression_selects_the_right_partitions(expression: str, expected: list[int]) -> None:
    assert matching(expression) == expected


def test_quotes_inside_strings_are_doubled() -> None:
    passes = compile_expression("name = 'o''brien'", [("name", "string")])
    assert passes(["o'brien"])
    assert not passes(["obrien"])


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("colour = 'red'", "'colour' is not a partition key"),
        ("year = ", "expected a partition key or a value but found the end"),
        ("year = 2023 AND", "the end of the expression"),
        ("year == 2023", "'=' at position 7"),
        ("(year = 2023", "expected ')'"),
        ("year 2023", "expected a comparison"),
        ("year = 2023; drop table x", "unexpected character ';'"),
        ("year = 'abc'", "does not fit a int partition key"),
        ("tiny = 300", "out of the range of tinyint"),
        ("day = '2023-13-01'", "not a date"),
        ("day = 20230101", "number 20230101 compared with a date key"),
        ("ts = 'yesterday'", "not a timestamp"),
        ("price = 'cheap'", "not a decimal"),
        ("region LIKE year", "LIKE needs a quoted string pattern"),
        ("year IN ()", "expected a partition key or a value"),
        ("'a' = 'b'", "must involve a partition key"),
        ("region = year", "different types"),
        ("__import__('os') = 1", "expected a comparison"),
    ],
)
def test_bad_expressions_are_input_errors_naming_the_problem(expression: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        compile_expression(expression, KEYS, table="t")
    assert caught.value.field == "Expression"
    assert problem in caught.value.message


def test_a_stored_value_not_of_its_type_is_reported_not_skipped() -> None:
    passes = compile_expression("year > 2000", [("year", "int")])
    with pytest.raises(InvalidInputError, match="cannot be compared"):
        passes(["twenty"])


def test_long_expressions_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="at most 2048"):
        parse_expression("year = 1 OR " * 300 + "year = 2")


def test_and_binds_tighter_than_or_in_the_tree() -> None:
    tree = parse_expression("a = 1 OR b = 2 AND NOT c IS NULL")
    assert repr(tree) == (
        "BoolOp(op='OR', left=Compare(op='=', left=Key(name='a'), right=Literal(text='1', kind='number')), "
        "right=BoolOp(op='AND', left=Compare(op='=', left=Key(name='b'), right=Literal(text='2', kind='number')), "
        "right=Not(inner=IsNull(operand=Key(name='c'), negated=False))))"
    )


def test_segments_are_disjoint_and_cover_everything() -> None:
    keys = [f'["{n}"]' for n in range(500)]
    for total in range(1, 11):
        slices = [{key for key in keys if segment_of(key, total) == number} for number in range(total)]
        assert sum(len(part) for part in slices) == len(keys)
        assert set().union(*slices) == set(keys)


def test_keys_of_other_types_fail_only_when_filtered_on() -> None:
    keys = [("year", "int"), ("flag", "boolean")]
    assert compile_expression("year = 1", keys)(["1", "true"])
    with pytest.raises(InvalidInputError, match="'boolean' cannot be filtered"):
        compile_expression("flag = 'true'", keys)
