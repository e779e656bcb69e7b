"""GetPartitions' ``Expression``: a hand-written parser and evaluator for Glue's partition filter grammar.

The grammar is the WHERE-clause subset Glue accepts, over partition keys only::

    expr      := or
    or        := and ("OR" and)*
    and       := not ("AND" not)*
    not       := "NOT" not | predicate
    predicate := "(" expr ")"
               | operand ("=" | "<>" | "!=" | "<" | ">" | "<=" | ">=") operand
               | operand ["NOT"] "IN" "(" operand ("," operand)* ")"
               | operand ["NOT"] "BETWEEN" operand "AND" operand
               | operand ["NOT"] "LIKE" operand
               | operand "IS" ["NOT"] "NULL"
    operand   := key | 'string' | number | DATE 'yyyy-mm-dd' | TIMESTAMP 'yyyy-mm-dd hh:mm:ss'

Keys are matched without regard to case and may be quoted with backticks or double quotes. Each literal is read as
the type of the key it is compared with (string, int, bigint, smallint, tinyint, decimal, date, timestamp), so
``year > 2020`` compares numbers and ``day = '2024-01-05'`` compares dates. A partition value of
``__HIVE_DEFAULT_PARTITION__`` is NULL. Comparisons follow SQL's three-valued logic: anything compared with NULL is
unknown, and a partition is returned only when the whole expression is true.

Nothing is ever evaluated as Python code. A blank expression means no filter. Bad syntax, a column that is not a
partition key, or a literal that is not a value of its key's type raise ``InvalidInputError`` naming the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from glueworks.platform.errors import InvalidInputError

__all__ = ["HIVE_NULL", "PartitionFilter", "compile_expression", "parse_expression"]

FIELD = "Expression"
MAX_LENGTH = 2048
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_INTEGER_TYPES = {
    "int": (-(2**31), 2**31 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "long": (-(2**63), 2**63 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "tinyint": (-(2**7), 2**7 - 1),
}
_KEYWORDS = {"AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "IS", "NULL", "DATE", "TIMESTAMP"}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+))
      | (?P<op><>|!=|<=|>=|=|<|>|\(|\)|,)
      | (?P<quoted>`[^`]+`|"[^"]+")
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)

Value = str | int | Decimal | date | datetime | None
PartitionFilter = Callable[[Sequence[str]], bool]
"""Tells whether a partition, given its values in partition-key order, passes the expression."""


# -- syntax tree -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Literal:
    text: str
    kind: str  # "string", "number", "date", "timestamp", "null"


Operand = Key | Literal


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class In:
    operand: Operand
    items: tuple[Operand, ...]
    negated: bool


@dataclass(frozen=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand
    negated: bool


@dataclass(frozen=True)
class Like:
    operand: Operand
    pattern: Operand
    negated: bool


@dataclass(frozen=True)
class IsNull:
    operand: Operand
    negated: bool


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "AND" or "OR"
    left: Node
    right: Node


Node = Compare | In | Between | Like | IsNull | Not | BoolOp


# -- tokenizer and parser ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "number", "op", "key", "keyword", "end"
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise _syntax(f"unexpected character {text[position]!r} at position {position + 1}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "string":
            tokens.append(_Token("string", value[1:-1].replace("''", "'"), start))
        elif kind == "quoted":
            tokens.append(_Token("key", value[1:-1], start))
        elif kind == "word":
            upper = value.upper()
            tokens.append(_Token("keyword", upper, start) if upper in _KEYWORDS else _Token("key", value, start))
        else:
            tokens.append(_Token(kind, value, start))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self._tokens = _tokenize(text)
        self._index = 0

    def parse(self) -> Node:
        node = self._or()
        if self._peek().kind != "end":
            raise _syntax(f"unexpected {self._describe(self._peek())}")
        return node

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _next(self) -> _Token:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def _accept(self, kind: str, text: str) -> bool:
        token = self._peek()
        if token.kind == kind and token.text == text:
            self._index += 1
            return True
        return False

    def _expect(self, kind: str, text: str) -> None:
        if not self._accept(kind, text):
            raise _syntax(f"expected {text!r} but found {self._describe(self._peek())}")

    @staticmethod
    def _describe(token: _Token) -> str:
        if token.kind == "end":
            return "the end of the expression"
        return f"{token.text!r} at position {token.position + 1}"

    def _or(self) -> Node:
        node = self._and()
        while self._accept("keyword", "OR"):
            node = BoolOp("OR", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._accept("keyword", "AND"):
            node = BoolOp("AND", node, self._not())
        return node

    def _not(self) -> Node:
        if self._accept("keyword", "NOT"):
            return Not(self._not())
        return self._predicate()

    def _predicate(self) -> Node:
        if self._accept("op", "("):
            node = self._or()
            self._expect("op", ")")
            return node
        left = self._operand()
        token = self._peek()
        if token.kind == "op" and token.text in ("=", "<>", "!=", "<", ">", "<=", ">="):
            self._next()
            return Compare("<>" if token.text == "!=" else token.text, left, self._operand())
        if self._accept("keyword", "IS"):
            negated = self._accept("keyword", "NOT")
            self._expect("keyword", "NULL")
            return IsNull(left, negated)
        negated = self._accept("keyword", "NOT")
        if self._accept("keyword", "IN"):
            self._expect("op", "(")
            items = [self._operand()]
            while self._accept("op", ","):
                items.append(self._operand())
            self._expect("op", ")")
            return In(left, tuple(items), negated)
        if self._accept("keyword", "BETWEEN"):
            low = self._operand()
            self._expect("keyword", "AND")
            return Between(left, low, self._operand(), negated)
        if self._accept("keyword", "LIKE"):
            return Like(left, self._operand(), negated)
        raise _syntax(f"expected a comparison after the operand but found {self._describe(self._peek())}")

    def _operand(self) -> Operand:
        token = self._next()
        if token.kind == "key":
            return Key(token.text)
        if token.kind in ("string", "number"):
            return Literal(token.text, token.kind)
        if token.kind == "keyword" and token.text == "NULL":
            return Literal("", "null")
        if token.kind == "keyword" and token.text in ("DATE", "TIMESTAMP") and self._peek().kind == "string":
            return Literal(self._next().text, token.text.lower())
        raise _syntax(f"expected a partition key or a value but found {self._describe(token)}")


def parse_expression(text: str) -> Node | None:
    """Parse an expression into its syntax tree; ``None`` for a blank one (no filter).

    Raises:
        InvalidInputError: the expression is too long or not in the grammar.
    """
    if len(text) > MAX_LENGTH:
        raise InvalidInputError(f"is {len(text)} characters long; at most {MAX_LENGTH} are allowed", field=FIELD)
    if not text.strip():
        return None
    return _Parser(text).parse()


# -- binding and evaluation --------------------------------------------------------------------------------


def _base_type(hive_type: str) -> str:
    base = hive_type.strip().lower().split("(", 1)[0].strip()
    if base in ("string", "varchar", "char", "date", "timestamp", "decimal") or base in _INTEGER_TYPES:
        return "string" if base in ("varchar", "char") else base
    raise InvalidInputError(
        f"partition key type {hive_type!r} cannot be filtered; expected string, int, bigint, smallint, tinyint, "
        "decimal, date or timestamp",
        field=FIELD,
    )


def convert(text: str, hive_type: str) -> Value:
    """Read a partition value (or a literal) as a value of a partition key type.

    Raises:
        ValueError: the text is not a value of that type.
    """
    base = _base_type(hive_type)
    if base == "string":
        return text
    if base in _INTEGER_TYPES:
        if not re.fullmatch(r"[+-]?\d+", text.strip()):
            raise ValueError(f"{text!r} is not a {base}")
        number = int(text)
        low, high = _INTEGER_TYPES[base]
        if not low <= number <= high:
            raise ValueError(f"{text!r} is out of the range of {base}")
        return number
    if base == "decimal":
        try:
            result = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a decimal") from None
        if not result.is_finite():
            raise ValueError(f"{text!r} is not a decimal")
        return result
    if base == "date":
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not a date (yyyy-mm-dd)") from None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a timestamp (yyyy-mm-dd hh:mm:ss[.fff])") from None


_Getter = Callable[[Sequence[str]], Value]
_Truth = Callable[[Sequence[str]], bool | None]


class _Binder:
    """Checks names and literals against the partition keys once, and builds closures that evaluate the tree."""

    def __init__(self, keys: Sequence[tuple[str, str]], table: str) -> None:
        self._keys = [(name, hive_type) for name, hive_type in keys]
        self._index = {name.lower(): position for position, (name, _) in enumerate(self._keys)}
        self._table = table

    def bind(self, node: Node) -> _Truth:
        if isinstance(node, BoolOp):
            left, right = self.bind(node.left), self.bind(node.right)
            return _and(left, right) if node.op == "AND" else _or(left, right)
        if isinstance(node, Not):
            inner = self.bind(node.inner)
            return lambda values: None if (result := inner(values)) is None else not result
        if isinstance(node, Compare):
            hive_type = self._type_of(node.left, node.right)
            return _compare(node.op, self.operand(node.left, hive_type), self.operand(node.right, hive_type))
        if isinstance(node, In):
            hive_type = self._type_of(node.operand, *node.items)
            subject = self.operand(node.operand, hive_type)
            items = [self.operand(item, hive_type) for item in node.items]
            return _negate(_in(subject, items), node.negated)
        if isinstance(node, Between):
            hive_type = self._type_of(node.operand, node.low, node.high)
            subject = self.operand(node.operand, hive_type)
            low, high = self.operand(node.low, hive_type), self.operand(node.high, hive_type)
            return _negate(_and(_compare(">=", subject, low), _compare("<=", subject, high)), node.negated)
        if isinstance(node, Like):
            subject = self.operand(node.operand, "string", raw=True)
            if not isinstance(node.pattern, Literal) or node.pattern.kind != "string":
                raise _invalid("LIKE needs a quoted string pattern")
            return _negate(_like(subject, node.pattern.text), node.negated)
        subject = self.operand(node.operand, "string", raw=True)
        if node.negated:
            return lambda values: subject(values) is not None
        return lambda values: subject(values) is None

    def _position(self, key: Key) -> int:
        position = self._index.get(key.name.lower())
        if position is None:
            names = ", ".join(name for name, _ in self._keys) or "none"
            raise _invalid(f"{key.name!r} is not a partition key of table {self._table!r} (partition keys: {names})")
        return position

    def _type_of(self, *operands: Operand) -> str:
        """The type the operands compare as: that of the first key among them (all keys must agree)."""
        types = {_base_type(self._keys[self._position(item)][1]) for item in operands if isinstance(item, Key)}
        if len(types) > 1:
            raise _invalid(f"cannot compare partition keys of different types ({', '.join(sorted(types))})")
        if not types:
            raise _invalid("a comparison must involve a partition key")
        return types.pop()

    def operand(self, operand: Operand, hive_type: str, *, raw: bool = False) -> _Getter:
        if isinstance(operand, Key):
            position = self._position(operand)
            name, key_type = self._keys[position]
            target = "string" if raw else key_type

            def read(values: Sequence[str]) -> Value:
                text = values[position]
                if text == HIVE_NULL:
                    return None
                try:
                    return convert(text, target)
                except ValueError as exc:  # a stored value that is not of its key's type is an error, not a miss
                    raise InvalidInputError(
                        f"partition {list(values)} has a value of key {name!r} that cannot be compared: {exc}",
                        field=FIELD,
                    ) from None

            return read
        if operand.kind == "null":
            return lambda values: None
        if operand.kind in ("date", "timestamp") and _base_type(hive_type) != operand.kind:
            raise _invalid(f"{operand.kind.upper()} literal {operand.text!r} compared with a {hive_type} key")
        if operand.kind == "number" and _base_type(hive_type) in ("date", "timestamp"):
            raise _invalid(f"number {operand.text} compared with a {hive_type} key")
        try:
            constant = convert(operand.text, hive_type)
        except ValueError as exc:
            raise _invalid(f"literal {operand.text!r} does not fit a {hive_type} partition key: {exc}") from None
        return lambda values: constant


def _compare(op: str, left: _Getter, right: _Getter) -> _Truth:
    def truth(values: Sequence[str]) -> bool | None:
        a, b = left(values), right(values)
        if a is None or b is None:
            return None
        x: Any = a
        y: Any = b
        if op == "=":
            return bool(x == y)
        if op == "<>":
            return bool(x != y)
        if op == "<":
            return bool(x < y)
        if op == ">":
            return bool(x > y)
        if op == "<=":
            return bool(x <= y)
        return bool(x >= y)

    return truth


def _in(subject: _Getter, items: list[_Getter]) -> _Truth:
    def truth(values: Sequence[str]) -> bool | None:
        value = subject(values)
        if value is None:
            return None
        unknown = False
        for item in items:
            candidate = item(values)
            if candidate is None:
                unknown = True
            elif candidate == value:
                return True
        return None if unknown else False

    return truth


def _like(subject: _Getter, pattern: str) -> _Truth:
    parts = ["." if char == "_" else ".*" if char == "%" else re.escape(char) for char in pattern]
    regex = re.compile("".join(parts), re.DOTALL)

    def truth(values: Sequence[str]) -> bool | None:
        value = subject(values)
        return None if value is None else regex.fullmatch(str(value)) is not None

    return truth


def _and(left: _Truth, right: _Truth) -> _Truth:
    def truth(values: Sequence[str]) -> bool | None:
        a, b = left(values), right(values)
        if a is False or b is False:
            return False
        return None if a is None or b is None else True

    return truth


def _or(left: _Truth, right: _Truth) -> _Truth:
    def truth(values: Sequence[str]) -> bool | None:
        a, b = left(values), right(values)
        if a is True or b is True:
            return True
        return None if a is None or b is None else False

    return truth


def _negate(inner: _Truth, negated: bool) -> _Truth:
    if not negated:
        return inner
    return lambda values: None if (result := inner(values)) is None else not result


def compile_expression(text: str | None, keys: Sequence[tuple[str, str]], *, table: str = "") -> PartitionFilter:
    """Compile an expression against a table's partition keys ``[(name, hive type), ...]``.

    Every name and literal is checked here, before any partition is read, so a bad expression fails even on a
    table without partitions.

    Raises:
        InvalidInputError: bad syntax, an unknown key, or a literal that is not a value of its key's type.
    """
    node = parse_expression(text or "")
    if node is None:
        return lambda values: True
    truth = _Binder(keys, table).bind(node)
    return lambda values: truth(values) is True


def _syntax(message: str) -> InvalidInputError:
    return InvalidInputError(f"Invalid partition expression: {message}", field=FIELD)


def _invalid(message: str) -> InvalidInputError:
    return InvalidInputError(f"Invalid partition expression: {message}", field=FIELD)
