"""Glue type names over Arrow types, and the Arrow encoding of Glue's Choice type.

Every column is plain Arrow. Glue type names (``int``, ``long``, ``string`` …) are a view of
Arrow types: ``int32`` is ``int``, ``int64`` is ``long``, ``float64`` is ``double``,
``timestamp[us, tz=UTC]`` is ``timestamp``, a struct is ``struct``, a list is ``array``.

**Choice encoding.** A Choice (one path holding values of several types) is an Arrow struct
column whose children are named by Glue type names, one per member type (``int``,
``string`` …), and whose *field* carries the metadata ``{"glueworks.choice": "true"}``. In each
row exactly one child is set (none when the value is null). Members are kept sorted by name.
This is exactly the shape Glue's ``make_struct`` produces, so stripping the metadata
(`strip_choices`) turns an unresolved choice into its ``make_struct`` form, which is what a
write does.

Members are grouped by *family*: the integral types (``byte`` … ``long``) form one family and
widen to the widest, as do ``float``/``double``; different families make a Choice (``int`` and
``double`` stay a Choice, as in Glue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError

CHOICE_KEY = b"glueworks.choice"
CHOICE_METADATA = {CHOICE_KEY: b"true"}

#: Glue's default decimal when a script says just ``decimal``.
DEFAULT_DECIMAL = pa.decimal128(10, 2)
#: Glue ``timestamp``: an instant, stored in UTC with microseconds (as Spark writes it).
TIMESTAMP = pa.timestamp("us", tz="UTC")

_SIMPLE_NAMES: dict[str, pa.DataType] = {
    "null": pa.null(),
    "boolean": pa.bool_(),
    "bool": pa.bool_(),
    "byte": pa.int8(),
    "tinyint": pa.int8(),
    "short": pa.int16(),
    "smallint": pa.int16(),
    "int": pa.int32(),
    "integer": pa.int32(),
    "long": pa.int64(),
    "bigint": pa.int64(),
    "float": pa.float32(),
    "real": pa.float32(),
    "double": pa.float64(),
    "decimal": DEFAULT_DECIMAL,
    "string": pa.string(),
    "varchar": pa.string(),
    "binary": pa.binary(),
    "date": pa.date32(),
    "timestamp": TIMESTAMP,
}
# Names that keep the source type as it is (complex values pass through unchanged).
_PASS_THROUGH = frozenset({"struct", "array", "map", "choice", "object", "set"})
_DECIMAL_RE = re.compile(r"^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def parse_type_name(name: str, option: str) -> pa.DataType | None:
    """Turn a Glue type name into an Arrow type.

    Args:
        name: A Glue type name such as ``long``, ``decimal(12,2)`` or ``timestamp``
            (case-insensitive; Hive aliases like ``bigint`` work too).
        option: Name of the option being parsed, used in the error message.

    Returns:
        The Arrow type, or None for ``struct``/``array``/``map``/``choice``, which mean
        "keep the value's own type".

    Raises:
        InvalidOptionError: The name is not a known type.
    """
    if not isinstance(name, str):
        raise InvalidOptionError(option, f"type must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    if key in _SIMPLE_NAMES:
        return _SIMPLE_NAMES[key]
    if key in _PASS_THROUGH:
        return None
    match = _DECIMAL_RE.match(key)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise InvalidOptionError(option, f"decimal({precision},{scale}) is out of range (precision 1-38)")
        return pa.decimal128(precision, scale)
    known = ", ".join(sorted(set(_SIMPLE_NAMES) | _PASS_THROUGH | {"decimal(p,s)"}))
    raise InvalidOptionError(option, f"unknown type {name!r}; known types: {known}")


def is_choice(field: pa.Field) -> bool:
    """Whether a field is a Choice (a struct marked with the choice metadata)."""
    metadata = field.metadata
    return bool(metadata) and metadata.get(CHOICE_KEY) == b"true" and pa.types.is_struct(field.type)


def choice_members(field: pa.Field) -> list[pa.Field]:
    """The member fields of a Choice field, each named by its Glue type name."""
    return [field.type.field(i) for i in range(field.type.num_fields)]


def make_choice(name: str, members: Iterable[pa.Field]) -> pa.Field:
    """Build a Choice field from member fields (renamed to their Glue type names, sorted)."""
    named = {glue_type_name(m.type): m.with_name(glue_type_name(m.type)) for m in members}
    ordered = [named[key].with_nullable(True) for key in sorted(named)]
    return pa.field(name, pa.struct(ordered), nullable=True, metadata=CHOICE_METADATA)


def glue_type_name(dtype: pa.DataType) -> str:
    """The Glue name of an Arrow type (``int32`` → ``int``, a list → ``array`` …)."""
    if pa.types.is_dictionary(dtype):
        return glue_type_name(dtype.value_type)
    for check, name in _NAME_CHECKS:
        if check(dtype):
            return name
    if pa.types.is_integer(dtype):
        # Unsigned types have no Glue name; name them by the signed type that holds them.
        return {8: "short", 16: "int"}.get(dtype.bit_width, "long")
    return str(dtype)


_NAME_CHECKS = (
    (pa.types.is_null, "null"),
    (pa.types.is_boolean, "boolean"),
    (lambda t: t == pa.int8(), "byte"),
    (lambda t: t == pa.int16(), "short"),
    (lambda t: t == pa.int32(), "int"),
    (lambda t: t == pa.int64(), "long"),
    (lambda t: pa.types.is_float16(t) or pa.types.is_float32(t), "float"),
    (pa.types.is_float64, "double"),
    (pa.types.is_decimal, "decimal"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t), "string"),
    (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t), "binary"),
    (pa.types.is_date, "date"),
    (pa.types.is_timestamp, "timestamp"),
    (pa.types.is_struct, "struct"),
    (lambda t: pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t), "array"),
    (pa.types.is_map, "map"),
)


def type_family(dtype: pa.DataType) -> str:
    """The family a type widens within: ``integral``, ``floating`` or its Glue name otherwise."""
    if pa.types.is_dictionary(dtype):
        return type_family(dtype.value_type)
    if pa.types.is_integer(dtype):
        return "integral"
    if pa.types.is_floating(dtype):
        return "floating"
    return glue_type_name(dtype)


def field_type_name(field: pa.Field) -> str:
    """Glue name of a field's type, ``choice`` for a Choice field."""
    return "choice" if is_choice(field) else glue_type_name(field.type)


def format_schema(schema: pa.Schema) -> str:
    """Render a frame schema the way Glue's ``printSchema`` does.

    Example::

        root
        |-- id: string
        |-- n: choice
        |    |-- int
        |    |-- string
    """
    lines = ["root"]
    for field in schema:
        _format_field(field, 0, lines)
    return "\n".join(lines)


def _format_field(field: pa.Field, depth: int, lines: list[str]) -> None:
    prefix = "|    " * depth + "|-- "
    lines.append(f"{prefix}{field.name}: {field_type_name(field)}")
    if is_choice(field):
        for member in choice_members(field):
            lines.append("|    " * (depth + 1) + f"|-- {member.name}")
            _format_children(member, depth + 1, lines)
        return
    _format_children(field, depth, lines)


def _format_children(field: pa.Field, depth: int, lines: list[str]) -> None:
    dtype = field.type
    if pa.types.is_struct(dtype):
        for i in range(dtype.num_fields):
            _format_field(dtype.field(i), depth + 1, lines)
    elif pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        _format_field(dtype.value_field.with_name("element"), depth + 1, lines)
    elif pa.types.is_map(dtype):
        _format_field(dtype.item_field.with_name("value"), depth + 1, lines)
