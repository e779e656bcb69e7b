"""SplitRows: split records in two by comparisons on field values (columnar).

``comparison_dict`` maps a path to ``{operator: constant}``; a record matches when every
comparison holds. Operators: ``<``, ``>``, ``<=``, ``>=``, ``=`` (or ``==``), ``!=``. A record
whose field is null or missing, or whose value cannot be compared with the constant (a string
against a number), does not match, so it lands in the second frame: every record lands in
exactly one of the two frames. A Choice field matches when the member of the constant's kind
does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.gluetypes import choice_members, is_choice
from glueworks.runtime.paths import get_path, parse_path
from glueworks.runtime.plan import Comparison, SplitRows

_OPERATORS = {
    "<": "less",
    ">": "greater",
    "<=": "less_equal",
    ">=": "greater_equal",
    "=": "equal",
    "==": "equal",
    "!=": "not_equal",
}


def parse_comparisons(comparison_dict: Mapping[str, Mapping[str, Any]]) -> tuple[Comparison, ...]:
    """Validate ``{path: {operator: constant}}`` into comparisons.

    Raises:
        InvalidOptionError: Not a non-empty dict of dicts, an unknown operator, or a None or
            non-scalar constant; the message names the entry.
    """
    if not isinstance(comparison_dict, Mapping) or not comparison_dict:
        raise InvalidOptionError("comparison_dict", "must be a non-empty dict like {'age': {'>': 10}}")
    out: list[Comparison] = []
    for path, conditions in comparison_dict.items():
        option = f"comparison_dict[{path!r}]"
        parsed = parse_path(path, option)
        if not isinstance(conditions, Mapping) or not conditions:
            raise InvalidOptionError(option, "must be a non-empty dict of operator to value, e.g. {'>': 10}")
        for op, value in conditions.items():
            if op not in _OPERATORS:
                raise InvalidOptionError(option, f"unknown operator {op!r}; use one of {', '.join(_OPERATORS)}")
            if value is None or isinstance(value, dict | list | tuple | set):
                raise InvalidOptionError(option, f"the value for {op!r} must be a scalar, got {value!r}")
            out.append(Comparison(parsed, op, value))
    return tuple(out)


def split_rows_block(block: pa.Table, node: SplitRows) -> pa.Table:
    """Keep the records of one block that match every comparison, or those that do not."""
    mask = pa.chunked_array([pa.array([True] * block.num_rows, pa.bool_())])
    for comparison in node.comparisons:
        mask = pc.and_(mask, _matches(block, comparison))
    mask = pc.fill_null(mask, False)
    return block.filter(mask if node.matching else pc.invert(mask))


def _matches(block: pa.Table, comparison: Comparison) -> pa.ChunkedArray:
    found = get_path(block, comparison.path)
    if found is None:
        return pa.chunked_array([pa.array([False] * block.num_rows, pa.bool_())])
    field, column = found
    if not is_choice(field):
        return _compare(column, comparison)
    result = pa.chunked_array([pa.array([False] * block.num_rows, pa.bool_())])
    for index, member in enumerate(choice_members(field)):
        child = pa.chunked_array([chunk.flatten()[index] for chunk in column.chunks], type=member.type)
        result = pc.or_(result, pc.fill_null(_compare(child, comparison), False))
    return result


def _compare(column: pa.ChunkedArray, comparison: Comparison) -> pa.ChunkedArray:
    function = _OPERATORS[comparison.op]
    try:
        return pc.call_function(function, [column, pa.scalar(comparison.value)])  # type: ignore[no-any-return]
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        # Values of another kind than the constant never match.
        return pa.chunked_array([pa.array([False] * len(column), pa.bool_())])
