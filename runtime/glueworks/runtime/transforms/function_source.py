"""The expression a one-argument function computes, read from its source and proven to be its code.

`expression_of(fn)` finds the ``lambda`` (or the ``def`` whose body is one ``return``) that starts on
``fn``'s first line, compiles that node on its own and keeps it only when the result equals ``fn.__code__``
(`code_key`: bytecode, constants compared by type, names, arguments, flags). So a source file edited
since the function was defined, or two lambdas on one line, can never hand back the wrong expression.
"""

from __future__ import annotations

import ast
import copy
import linecache
import types
from typing import Any

# Flags that change what code does; CO_NESTED (0x10) and the __future__ flags (inherited from the
# defining module) do not, beyond what co_code already shows.
_CO_COMPARED = 0x3FF & ~0x10


def _const_key(value: Any) -> Any:
    """Constants compared by type too (``1 == 1.0 == True`` must not let a wrong lambda match)."""
    if isinstance(value, tuple):
        return (tuple, tuple(_const_key(v) for v in value))
    if isinstance(value, frozenset):
        return (frozenset, tuple(sorted((_const_key(v) for v in value), key=repr)))
    if isinstance(value, types.CodeType):
        return (types.CodeType, code_key(value))
    return (type(value), repr(value))


def code_key(code: types.CodeType) -> tuple[Any, ...]:
    """What makes two code objects do the same thing: bytecode, constants (by type), names, arguments, flags."""
    return (
        code.co_code,
        _const_key(code.co_consts),
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags & _CO_COMPARED,
    )


def _compiled_code(node: ast.Lambda | ast.FunctionDef, filename: str) -> types.CodeType | None:
    """The code object CPython makes for this node on its own (no decorators, no enclosing scope)."""
    if isinstance(node, ast.Lambda):
        module: ast.Expression | ast.Module = ast.Expression(body=node)
        mode = "eval"
    else:
        bare = copy.copy(node)
        bare.decorator_list = []  # decorators run in the enclosing code, not in the function's own
        module = ast.Module(body=[bare], type_ignores=[])
        mode = "exec"
    try:
        outer = compile(ast.fix_missing_locations(module), filename, mode, dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return None
    found = [c for c in outer.co_consts if isinstance(c, types.CodeType)]
    return found[0] if len(found) == 1 else None


def expression_of(fn: types.FunctionType) -> tuple[str, ast.expr] | None:
    """(argument name, expression) of `fn`, from source proven to compile to `fn.__code__`."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    if not lines:
        return None  # no source here (e.g. a Ray worker without the driver's file)
    try:
        tree = ast.parse("".join(lines), code.co_filename)
    except (SyntaxError, ValueError, SystemError):
        # SystemError: CPython 3.11's spurious "AST constructor recursion depth mismatch" (gh-106905) when
        # another thread builds an AST at the same time; the record path is always right.
        return None
    wanted = code_key(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            expression: ast.expr = node.body
        elif isinstance(node, ast.FunctionDef) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
            if node.body[0].value is None:
                continue
            expression = node.body[0].value
        else:
            continue
        first = node.decorator_list[0].lineno if isinstance(node, ast.FunctionDef) and node.decorator_list else None
        if code.co_firstlineno not in (node.lineno, first):
            continue
        candidate = _compiled_code(node, code.co_filename)
        if candidate is not None and code_key(candidate) == wanted:
            return [*node.args.posonlyargs, *node.args.args][0].arg, expression
    return None
