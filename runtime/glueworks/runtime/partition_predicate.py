"""``push_down_predicate``: a Spark SQL boolean over partition columns, evaluated on partition values.

Glue applies the predicate to the catalog's partitions in the job, before any file is listed.
The supported subset: comparisons ``= == <> != < > <= >=``, ``AND``, ``OR``, ``NOT``,
``[NOT] IN (…)``, ``[NOT] LIKE`` (``%`` and ``_``), ``[NOT] BETWEEN … AND …``, ``IS [NOT] NULL``,
parentheses, quoted strings (``'…'`` or ``"…"``), numbers, and column names (plain or in
backticks). Anything else is refused with an error naming ``push_down_predicate``.

Values are typed by the partition key's catalog type: integral and decimal keys compare as
numbers, every other key as text (ISO dates and timestamps sort correctly as text). A partition
value Hive writes for null (``__HIVE_DEFAULT_PARTITION__``) is null; a comparison with null is
unknown, and the partition is not read, as in SQL.

Example:
    >>> check = compile_predicate("year = 2026 AND month IN ('10', '11')",
    ...                           [("year", "int"), ("month", "string")])
    >>> check(["2026", "11"]), check(["2025", "11"])
    (True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from glueworks.runtime.errors import InvalidOptionError

__all__ = ["HIVE_NULL", "compile_predicate"]

#: The folder value Hive and Spark write for a null partition value.
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_OPTION = "push_down_predicate"
_NUMERIC = frozenset({"tinyint", "smallint", "int", "integer", "bigint", "long", "short", "byte", "decimal",
                      "double", "float"})
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<ident>`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)|(?P<op><>|!=|<=|>=|==|=|<|>|\(|\)|,))"
)
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "BETWEEN", "IS", "NULL", "TRUE", "FALSE"})

Value = str | Decimal | None
Truth = bool | None
_Getter = Callable[[Sequence[str]], Value]
_Test = Callable[[Sequence[str]], Truth]


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, ident, kw, op
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise InvalidOptionError(_OPTION, f"unexpected text at {pos}: {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "ident" and value.upper() in _KEYWORDS:
            tokens.append(_Tok("kw", value.upper()))
        elif kind == "str":
            quote = value[0]
            body = value[1:-1].replace(quote * 2, quote)
            tokens.append(_Tok("str", re.sub(r"\\(.)", r"\1", body)))
        elif kind == "ident":
            tokens.append(_Tok("ident", value.strip("`")))
        else:
            tokens.append(_Tok(kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, keys: Sequence[tuple[str, str]]) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.keys = {name.lower(): (index, hive_type) for index, (name, hive_type) in enumerate(keys)}

    def peek(self, offset: int = 0) -> _Tok | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise InvalidOptionError(_OPTION, "ends too early")
        self.pos += 1
        return tok

    def accept(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == kind and (text is None or tok.text == text):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, text: str) -> None:
        if not self.accept(kind, text):
            found = self.peek()
            raise InvalidOptionError(_OPTION, f"expected {text!r}, found {found.text if found else 'the end'!r}")

    def parse(self) -> _Test:
        test = self.or_expr()
        if self.peek() is not None:
            raise InvalidOptionError(_OPTION, f"unexpected {self.take().text!r}")
        return test

    def or_expr(self) -> _Test:
        left = self.and_expr()
        while self.accept("kw", "OR"):
            left = _or(left, self.and_expr())
        return left

    def and_expr(self) -> _Test:
        left = self.not_expr()
        while self.accept("kw", "AND"):
            left = _and(left, self.not_expr())
        return left

    def not_expr(self) -> _Test:
        if self.accept("kw", "NOT"):
            inner = self.not_expr()
            return lambda v: None if (r := inner(v)) is None else not r
        return self.predicate()

    def predicate(self) -> _Test:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "(":
            # A parenthesised condition (operands are never parenthesised in this subset).
            self.take()
            inner = self.or_expr()
            self.expect("op", ")")
            return inner
        left, numeric = self.operand()
        negate = self.accept("kw", "NOT")
        if self.accept("kw", "IN"):
            self.expect("op", "(")
            items = [self.operand()[0]]
            while self.accept("op", ","):
                items.append(self.operand()[0])
            self.expect("op", ")")
            return _maybe_not(_in(left, items, numeric), negate)
        if self.accept("kw", "LIKE"):
            pattern = self.take()
            if pattern.kind != "str":
                raise InvalidOptionError(_OPTION, "LIKE needs a quoted pattern")
            return _maybe_not(_like(left, pattern.text), negate)
        if self.accept("kw", "BETWEEN"):
            low = self.operand()[0]
            self.expect("kw", "AND")
            high = self.operand()[0]
            test = _and(_compare(">=", left, low, numeric), _compare("<=", left, high, numeric))
            return _maybe_not(test, negate)
        if negate:
            raise InvalidOptionError(_OPTION, "NOT must be followed by IN, LIKE or BETWEEN here")
        if self.accept("kw", "IS"):
            is_not = self.accept("kw", "NOT")
            self.expect("kw", "NULL")
            return lambda v: (left(v) is None) != is_not
        op = self.take()
        if op.kind != "op" or op.text in ("(", ")", ","):
            raise InvalidOptionError(_OPTION, f"expected a comparison operator, found {op.text!r}")
        right, right_numeric = self.operand()
        return _compare(op.text, left, right, numeric or right_numeric)

    def operand(self) -> tuple[_Getter, bool]:
        tok = self.take()
        if tok.kind == "ident":
            found = self.keys.get(tok.text.lower())
            if found is None:
                keys = ", ".join(self.keys) or "none"
                raise InvalidOptionError(
                    _OPTION, f"{tok.text!r} is not a partition column (partition columns: {keys})"
                )
            index, hive_type = found
            numeric = hive_type.strip().lower().split("(", 1)[0] in _NUMERIC
            return (lambda v: None if v[index] == HIVE_NULL else v[index]), numeric
        if tok.kind == "num":
            number = Decimal(tok.text)
            return (lambda v: number), True
        if tok.kind == "str":
            text = tok.text
            return (lambda v: text), False
        if tok.kind == "kw" and tok.text == "NULL":
            return (lambda v: None), False
        if tok.kind == "kw" and tok.text in ("TRUE", "FALSE"):
            word = tok.text.lower()
            return (lambda v: word), False
        raise InvalidOptionError(_OPTION, f"unsupported syntax at {tok.text!r}")


def _number(value: Value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return None


def _pair(left: Value, right: Value, numeric: bool) -> tuple[Decimal, Decimal] | tuple[str, str] | None:
    if left is None or right is None:
        return None
    if numeric:
        a, b = _number(left), _number(right)
        # Spark casts text to the number's type; text that is no number compares as null.
        return None if a is None or b is None else (a, b)
    return str(left), str(right)


_COMPARE: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0, "==": lambda c: c == 0, "<>": lambda c: c != 0, "!=": lambda c: c != 0,
    "<": lambda c: c < 0, ">": lambda c: c > 0, "<=": lambda c: c <= 0, ">=": lambda c: c >= 0,
}


def _compare(op: str, left: _Getter, right: _Getter, numeric: bool) -> _Test:
    check = _COMPARE[op]

    def test(values: Sequence[str]) -> Truth:
        pair = _pair(left(values), right(values), numeric)
        if pair is None:
            return None
        a, b = pair
        return check((a > b) - (a < b))  # type: ignore[operator]

    return test


def _in(left: _Getter, items: list[_Getter], numeric: bool) -> _Test:
    tests = [_compare("=", left, item, numeric) for item in items]

    def test(values: Sequence[str]) -> Truth:
        results = [t(values) for t in tests]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False

    return test


def _like(left: _Getter, pattern: str) -> _Test:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    rx = re.compile("".join(parts), re.DOTALL)

    def test(values: Sequence[str]) -> Truth:
        value = left(values)
        return None if value is None else rx.fullmatch(str(value)) is not None

    return test


def _and(left: _Test, right: _Test) -> _Test:
    def test(values: Sequence[str]) -> Truth:
        a, b = left(values), right(values)
        if a is False or b is False:
            return False
        return None if a is None or b is None else True

    return test


def _or(left: _Test, right: _Test) -> _Test:
    def test(values: Sequence[str]) -> Truth:
        a, b = left(values), right(values)
        if a is True or b is True:
            return True
        return None if a is None or b is None else False

    return test


def _maybe_not(test: _Test, negate: bool) -> _Test:
    if not negate:
        return test
    return lambda v: None if (r := test(v)) is None else not r


def compile_predicate(text: str, keys: Sequence[tuple[str, str]]) -> Callable[[Sequence[str]], bool]:
    """Compile a push-down predicate over partition keys ``[(name, hive_type), …]``.

    Returns:
        A function of a partition's values (in key order) that is True when the partition is read.

    Raises:
        InvalidOptionError: The predicate is not in the supported subset or names a column that is
            not a partition key; the message names ``push_down_predicate``.
    """
    if not isinstance(text, str):
        raise InvalidOptionError(_OPTION, f"must be a string, got {type(text).__name__}")
    if not keys:
        raise InvalidOptionError(_OPTION, "the table has no partition keys to filter on")
    test = _Parser(text, keys).parse()
    return lambda values: test(values) is True
