"""Compile simple `filter` predicates into Arrow compute masks (the fast path of `filter`).

`compile_predicate(f)` reads the source of a one-argument ``lambda r: <expr>`` (or a ``def`` whose body
is a single ``return <expr>``), proves it is the code that actually runs (compiling the found AST node
must reproduce the function's own bytecode, constants, names and arguments) and builds a plan that
evaluates ``<expr>`` column-wise. `CompiledPredicate.mask(block)` then returns, for every row, what
the record path (``bool(f(record))``, KeyError/ValueError/TypeError → False) would keep, or None when
it cannot prove that for this block (the caller then runs the record path).

The fast subset:

* the record argument indexed by string constants: ``r["a"]``, ``r["a"]["b"]`` (struct fields),
  ``r.a`` (a column name that is not a dict attribute) and ``r.get("a")`` / ``r.get("a", const)``;
* constants ``int``, ``float``, ``str``, ``bool``, ``None`` (and ``-const``);
* comparisons ``== != < <= > >=`` (chained too), ``is None`` / ``is not None``, ``in`` / ``not in`` a
  tuple, list or set literal of constants;
* ``and``, ``or``, ``not`` and the bare truthiness of a value.

Columns must be bool, (u)int8-32, int64, float32/64 or (large) string; any column type may be tested
with ``is None``. Each sub-expression is evaluated per row as (value, raised) with Python's
short-circuit rules: a missing top-level column raises KeyError in every row (``r.missing`` raises
AttributeError, which would be an error record, so that block falls back), ``None > 1`` and ``1 < "a"``
raise TypeError, ``None == 1`` is False, ``None != "x"`` is True, NaN compares false, a null struct
raises TypeError on field access. Ints are compared with floats only when every int is within ±2**53
(exact as a double). Anything else (calls, arithmetic, closures, globals, Choice columns, lists in
comparisons, decimals, timestamps) keeps the record path. The compiled path never makes error records:
nothing in the subset can raise anything but KeyError or TypeError.
"""

from __future__ import annotations

import ast
import math
import operator
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.record import DynamicRecord
from glueworks.runtime.transforms.function_source import code_key, expression_of

#: A per-row boolean without nulls, or one Python bool for every row.
Mask = Any
Truth = Callable[[pa.Table], tuple[Mask, Mask]]  # block → (truth, raised)

_EXACT_INT = 2**53  # every int of at most this magnitude is exact as a double
_INT64 = (-(2**63), 2**63 - 1)
_CACHE_SIZE = 512
_CODE_FLAGS_OFF = 0x04 | 0x08 | 0x20 | 0x80 | 0x100 | 0x200  # varargs, varkw, generator, coroutine, async
_CMP: dict[type[ast.cmpop], str] = {
    ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge",
    ast.Is: "is", ast.IsNot: "isnot", ast.In: "in", ast.NotIn: "notin",
}  # fmt: skip
_ARROW_CMP = {"eq": pc.equal, "lt": pc.less, "le": pc.less_equal, "gt": pc.greater, "ge": pc.greater_equal}
_PY_CMP = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
_NUMERIC = frozenset({"bool", "int", "float"})


class _Unsupported(Exception):
    """Raised while compiling or evaluating when equality with the record path is not proven."""


# -- masks: a Python bool stands for the same value in every row, so constants fold away ------------


def _and(a: Mask, b: Mask) -> Mask:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return pc.and_(a, b)


def _or(a: Mask, b: Mask) -> Mask:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return pc.or_(a, b)


def _not(a: Mask) -> Mask:
    return (not a) if isinstance(a, bool) else pc.invert(a)


def _filled(array: Any) -> Mask:
    """A comparison's result with null (a None operand) as False."""
    return pc.fill_null(array, False) if array.null_count else array


# -- values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Value:
    """One sub-expression over a block: what Python would compute per row, and where it raised.

    `kind` is the Python type of the non-None values: bool, int, float, str, none (always None),
    struct (a dict) or other (only ``is None`` is supported on it). `data` is a column (null = None) or,
    when `const`, the Python value itself.
    """

    kind: str
    data: Any
    const: bool
    raised: Mask = False
    field: pa.Field | None = None

    def nulls(self) -> Mask:
        if self.const:
            return self.data is None
        if self.kind == "none":
            return True
        return pc.is_null(self.data) if self.data.null_count else False


Evaluator = Callable[[pa.Table], _Value]
_RAISED = _Value("none", None, const=True, raised=True)  # KeyError/TypeError in every row


def _const_kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        try:
            value.encode("utf-8")  # lone surrogates cannot be Arrow strings
        except UnicodeEncodeError:
            raise _Unsupported("string constant") from None
        return "str"
    raise _Unsupported(f"constant {type(value).__name__}")


def _leaf(data: Any, field: pa.Field, raised: Mask) -> _Value:
    """A column (or struct child) as a value of the kind its Python values have."""
    dtype = field.type
    if is_choice(field):
        raise _Unsupported("choice")  # the record holds whichever member is set
    if pa.types.is_boolean(dtype):
        kind = "bool"
    elif pa.types.is_integer(dtype) and dtype != pa.uint64():
        kind = "int"
    elif pa.types.is_float32(dtype) or pa.types.is_float64(dtype):
        kind = "float"
    elif pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        kind = "str"
    elif pa.types.is_null(dtype):
        kind = "none"
    elif pa.types.is_struct(dtype):
        kind = "struct"
    elif (
        pa.types.is_list(dtype)
        or pa.types.is_large_list(dtype)
        or pa.types.is_map(dtype)
        or pa.types.is_temporal(dtype)
        or pa.types.is_decimal(dtype)
        or pa.types.is_binary(dtype)
        or pa.types.is_large_binary(dtype)
    ):
        kind = "other"  # a non-null value is never None in Python: fine for `is None`
    else:
        raise _Unsupported(f"type {dtype}")
    return _Value(kind, data, const=False, raised=raised, field=field)


def _column(name: str, how: str, default: Any) -> Evaluator:
    def evaluate(block: pa.Table) -> _Value:
        count = block.schema.names.count(name)
        if count > 1:
            raise _Unsupported("duplicate column")  # the record keeps the last one
        if count == 0:
            if how == "get":
                return _Value(_const_kind(default), default, const=True)
            if how == "attr":
                raise _Unsupported("missing attribute")  # AttributeError: an error record
            return _RAISED
        return _leaf(block.column(name), block.schema.field(name), False)

    return evaluate


def _child(parent: Evaluator, key: str) -> Evaluator:
    def evaluate(block: pa.Table) -> _Value:
        value = parent(block)
        if value.raised is True:
            return _RAISED
        if value.kind in ("none", "bool", "int", "float", "str"):
            return _RAISED  # None["k"], 3["k"], "s"["k"]: TypeError
        if value.kind != "struct" or value.field is None:
            raise _Unsupported("subscript")
        names = [child.name for child in value.field.type]
        if names.count(key) != 1:
            if key not in names:
                return _RAISED  # KeyError, or TypeError where the struct is null
            raise _Unsupported("duplicate struct field")
        index = names.index(key)
        raised = _or(value.raised, value.nulls())  # None["k"]: TypeError
        return _leaf(pc.struct_field(value.data, [index]), value.field.type[index], raised)

    return evaluate


def _from_truth(truth: Truth) -> Evaluator:
    """A comparison or ``not`` used as a value: a bool without None."""

    def evaluate(block: pa.Table) -> _Value:
        result, raised = truth(block)
        if isinstance(result, bool):
            return _Value("bool", result, const=True, raised=raised)
        return _Value("bool", result, const=False, raised=raised)

    return evaluate


def _truthiness(value: _Value) -> tuple[Mask, Mask]:
    if value.const:
        return bool(value.data), value.raised
    data = value.data
    if value.kind == "none":
        truth: Mask = False
    elif value.kind == "bool":
        truth = _filled(data)
    elif value.kind in ("int", "float"):
        truth = _filled(pc.not_equal(data, pa.scalar(0, data.type)))  # NaN is truthy, as in Python
    elif value.kind == "str":
        truth = _filled(pc.not_equal(data, pa.scalar("", data.type)))
    elif value.kind == "struct" and value.field is not None:
        # A non-null struct is a dict with one key per field.
        truth = _not(value.nulls()) if value.field.type.num_fields else False
    else:
        raise _Unsupported(f"truthiness of {value.kind}")
    return truth, value.raised


# -- comparisons ----------------------------------------------------------------------------------


def _family(kind: str) -> str:
    return "number" if kind in _NUMERIC else kind


def _exact_as_double(value: _Value) -> bool:
    if value.kind != "int":
        return True
    if value.const:
        return bool(abs(value.data) <= _EXACT_INT)
    bounds = pc.min_max(value.data)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return low is None or (low >= -_EXACT_INT and high <= _EXACT_INT)


def _integral(value: _Value) -> bool:
    """A float constant equal to an int64 (compared as that int, exactly)."""
    if not (value.const and value.kind == "float" and math.isfinite(value.data)):
        return False
    return bool(value.data == int(value.data) and _INT64[0] <= value.data <= _INT64[1])


def _operand(value: _Value, target: pa.DataType) -> Any:
    if not value.const:
        return value.data if value.data.type == target else value.data.cast(target)
    if target == pa.int64() and not _INT64[0] <= value.data <= _INT64[1]:
        raise _Unsupported("int constant beyond int64")
    if target == pa.int64():
        return pa.scalar(int(value.data), target)
    return pa.scalar(float(value.data) if target == pa.float64() else value.data, target)


def _coerced(left: _Value, right: _Value) -> tuple[Any, Any]:
    """Both operands as Arrow values of one type on which Arrow's comparison is Python's."""
    if left.kind == "str":
        types_ = {v.data.type for v in (left, right) if not v.const}
        target = types_.pop() if len(types_) == 1 else pa.large_string()
    elif left.kind in ("bool", "int") and right.kind in ("bool", "int"):
        target = pa.int64()  # True == 1, as in Python
    elif (_integral(left) and right.kind in ("bool", "int")) or (_integral(right) and left.kind in ("bool", "int")):
        target = pa.int64()  # 5 < 5.0 exactly as 5 < 5: no double rounding of big ints
    elif _exact_as_double(left) and _exact_as_double(right):
        target = pa.float64()
    else:
        raise _Unsupported("int beyond 2**53 against a float")
    return _operand(left, target), _operand(right, target)


def _compare(op: str, left: _Value, right: _Value) -> tuple[Mask, Mask]:
    """(truth, raised) of ``left <op> right`` given both operands were evaluated."""
    raised = _or(left.raised, right.raised)
    if op in ("is", "isnot"):
        other = right if left.const and left.data is None else left
        is_none = other.nulls()
        return (is_none if op == "is" else _not(is_none)), raised
    if "struct" in (left.kind, right.kind) or "other" in (left.kind, right.kind):
        raise _Unsupported("comparison of a nested value")
    if left.const and right.const:
        try:
            return bool(_PY_CMP[op](left.data, right.data)), raised
        except TypeError:
            return False, True
    comparable = "none" not in (left.kind, right.kind) and _family(left.kind) == _family(right.kind)
    if op in ("eq", "ne"):
        both_none = _and(left.nulls(), right.nulls())  # None == None
        equal = both_none
        if comparable:
            a, b = _coerced(left, right)
            equal = _or(_filled(pc.equal(a, b)), both_none)
        return (equal if op == "eq" else _not(equal)), raised
    if not comparable:
        return False, True  # None < x, 1 < "a": TypeError
    a, b = _coerced(left, right)
    raised = _or(raised, _or(left.nulls(), right.nulls()))
    return _filled(_ARROW_CMP[op](a, b)), raised


def _contains(left: _Value, members: tuple[Any, ...]) -> tuple[Mask, Mask]:
    """``left in (members)``: ``x is e or x == e`` for some member; never raises for these kinds."""
    found: Mask = False
    for member in members:
        equal, _ = _compare("eq", left, _Value(_const_kind(member), member, const=True))
        found = _or(found, equal)
    return found, left.raised


# -- AST → plan -----------------------------------------------------------------------------------


class _Compiler:
    """Turns the predicate's expression into evaluators, refusing anything outside the subset."""

    def __init__(self, arg: str) -> None:
        self.arg = arg

    def is_record(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id == self.arg

    def constant(self, node: ast.expr) -> Any:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.constant(node.operand)
            if isinstance(value, str) or value is None:
                raise _Unsupported("sign of a non-number")
            # CPython folds -<const> at compile time: this is the constant the code holds.
            return -value if isinstance(node.op, ast.USub) else +value
        if not isinstance(node, ast.Constant):
            raise _Unsupported("not a constant")
        _const_kind(node.value)
        return node.value

    def value(self, node: ast.expr) -> Evaluator:
        if isinstance(node, ast.Constant | ast.UnaryOp) and not (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            constant = self.constant(node)
            result = _Value(_const_kind(constant), constant, const=True)
            return lambda block: result
        if isinstance(node, ast.UnaryOp | ast.Compare):
            return _from_truth(self.truth(node))
        if isinstance(node, ast.Subscript):
            key = node.slice
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise _Unsupported("subscript by a non-string")
            if self.is_record(node.value):
                return _column(key.value, "item", None)
            return _child(self.value(node.value), key.value)
        if isinstance(node, ast.Attribute) and self.is_record(node.value):
            if hasattr(DynamicRecord, node.attr):
                raise _Unsupported("dict attribute")  # r.keys is the method, not a column
            return _column(node.attr, "attr", None)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and self.is_record(node.func.value)
            and not node.keywords
            and 1 <= len(node.args) <= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            default = self.constant(node.args[1]) if len(node.args) == 2 else None
            return _column(node.args[0].value, "get", default)
        raise _Unsupported(type(node).__name__)

    def truth(self, node: ast.expr) -> Truth:
        if isinstance(node, ast.BoolOp):
            return self.bool_op(isinstance(node.op, ast.And), [self.truth(v) for v in node.values])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.truth(node.operand)

            def negate(block: pa.Table) -> tuple[Mask, Mask]:
                truth, raised = inner(block)
                return _not(truth), raised

            return negate
        if isinstance(node, ast.Compare):
            return self.compare(node)
        evaluate = self.value(node)
        return lambda block: _truthiness(evaluate(block))

    @staticmethod
    def bool_op(is_and: bool, parts: list[Truth]) -> Truth:
        def evaluate(block: pa.Table) -> tuple[Mask, Mask]:
            truth, raised = parts[0](block)
            for part in parts[1:]:
                # The next operand runs only where this one did not raise and did not decide.
                runs = _and(_not(raised), truth if is_and else _not(truth))
                if runs is False:
                    break
                next_truth, next_raised = part(block)
                raised = _or(raised, _and(runs, next_raised))
                truth = _and(truth, next_truth) if is_and else _or(truth, next_truth)
            return truth, raised

        return evaluate

    def compare(self, node: ast.Compare) -> Truth:
        operands = [node.left, *node.comparators]
        ops = [_CMP[type(op)] for op in node.ops]
        literals: dict[int, tuple[Any, ...]] = {}
        evaluators: dict[int, Evaluator] = {}
        for index, operand in enumerate(operands):
            if index > 0 and ops[index - 1] in ("in", "notin"):
                if not isinstance(operand, ast.Tuple | ast.List | ast.Set):
                    raise _Unsupported("`in` something other than a literal")
                if index < len(ops):
                    raise _Unsupported("literal on the left of a comparison")
                literals[index] = tuple(self.constant(element) for element in operand.elts)
            else:
                evaluators[index] = self.value(operand)
        for index, op in enumerate(ops):
            if op in ("is", "isnot"):
                pair = operands[index : index + 2]
                if not any(isinstance(side, ast.Constant) and side.value is None for side in pair):
                    raise _Unsupported("`is` other than `is None`")

        def evaluate(block: pa.Table) -> tuple[Mask, Mask]:
            values: dict[int, _Value] = {}

            def get(index: int) -> _Value:
                if index not in values:
                    values[index] = evaluators[index](block)
                return values[index]

            truth: Mask = True
            raised: Mask = False
            for index, op in enumerate(ops):
                runs = _and(truth, _not(raised))  # a chain stops at the first false link
                if runs is False:
                    break
                if op in ("in", "notin"):
                    link, link_raised = _contains(get(index), literals[index + 1])
                    link = link if op == "in" else _not(link)
                else:
                    link, link_raised = _compare(op, get(index), get(index + 1))
                raised = _or(raised, _and(runs, link_raised))
                truth = _and(truth, link)
            return truth, raised

        return evaluate


# -- source → plan, proven against the running code -------------------------------------------------


class CompiledPredicate:
    """A predicate proven equal to an Arrow expression; `mask` evaluates it on one block."""

    def __init__(self, truth: Truth) -> None:
        self._truth = truth

    def mask(self, block: pa.Table) -> pa.Array | pa.ChunkedArray | None:
        """The rows the record path keeps, or None when this block needs the record path."""
        try:
            truth, raised = self._truth(block)
            keep = _and(truth, _not(raised))
        except (_Unsupported, pa.ArrowException):
            return None
        if isinstance(keep, bool):
            return pa.repeat(keep, block.num_rows)
        return keep


_cache: dict[tuple[Any, ...], CompiledPredicate | None] = {}
_compile_lock = threading.Lock()


def compile_predicate(fn: Callable[[Any], Any]) -> CompiledPredicate | None:
    """The compiled form of `fn`, or None when it is outside the fast subset (cached per code)."""
    if not isinstance(fn, types.FunctionType):
        return None
    code = fn.__code__
    if code.co_argcount != 1 or code.co_kwonlyargcount or code.co_freevars or code.co_flags & _CODE_FLAGS_OFF:
        return None
    # Keyed by value, not identity: a Ray worker unpickles a fresh copy of the function per task.
    key = (code.co_filename, code.co_firstlineno, *code_key(code))
    if key in _cache:
        return _cache[key]
    # One compile at a time: the local executor's threads filter blocks at once, and CPython 3.11's
    # AST constructor is not thread-safe (concurrent `ast.parse` may fail, see `expression_of`).
    with _compile_lock:
        if key in _cache:
            return _cache[key]
        compiled: CompiledPredicate | None = None
        found = expression_of(fn)
        if found is not None:
            try:
                compiled = CompiledPredicate(_Compiler(found[0]).truth(found[1]))
            except _Unsupported:
                compiled = None
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = compiled
    return compiled
