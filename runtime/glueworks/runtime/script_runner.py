"""Run a user script as ``__main__``, reporting failures as "Type: message (file, line N)"."""

from __future__ import annotations

import builtins
import os
import sys
import traceback
import types
from collections.abc import Sequence

from glueworks.runtime.compat import install_awsglue_modules
from glueworks.runtime.errors import ScriptFailedError, ScriptSyntaxError
from glueworks.runtime.executors.pipeline import freeze_imported_objects
from glueworks.runtime.run_context import current_context


def check_script_syntax(source: str, filename: str) -> None:
    """Compile a script without running it.

    Raises:
        ScriptSyntaxError: The script does not compile; `lineno` is the offending line and
            `str()` reads like ``SyntaxError: invalid syntax (job.py, line 3)``.
    """
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise _syntax_error(exc, filename) from exc


def _syntax_error(exc: SyntaxError | ValueError, filename: str) -> ScriptSyntaxError:
    if isinstance(exc, SyntaxError):
        message, lineno = str(exc.msg), exc.lineno
    else:
        # compile() raises ValueError for NUL bytes in the source.
        message, lineno = str(exc), None
    text = "".join(traceback.format_exception_only(type(exc), exc))
    return ScriptSyntaxError(type(exc).__name__, message, os.path.basename(filename), lineno, text)


def run_script(script_path: str, argv: Sequence[str]) -> None:
    """Run a script file as ``__main__`` with ``sys.argv = [script_path, *argv]``.

    The ``awsglue`` names are installed first (`install_awsglue_modules`), the script's folder
    goes first on `sys.path` while it runs, and `sys.argv`, ``sys.modules["__main__"]`` and
    `sys.path` are restored afterwards. ``sys.exit(0)`` (or ``sys.exit()``) is success. On
    failure, output the run staged so far is removed before the error is raised.

    Raises:
        OSError: The script file cannot be read.
        ScriptSyntaxError: The script does not compile.
        ScriptFailedError: The script raised (or exited non-zero); `str()` reads like
            ``ValueError: bad value (job.py, line 12)``, with the deepest line of the script
            itself in the traceback.
    """
    path = os.path.abspath(script_path)
    with open(path, "rb") as handle:
        source = handle.read()
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        _abort_outputs()
        raise _syntax_error(exc, path) from exc
    install_awsglue_modules()
    freeze_imported_objects()  # the driver's collections need not walk what imports left
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__dict__["__builtins__"] = builtins
    saved_main = sys.modules.get("__main__")
    saved_argv = sys.argv
    saved_path = list(sys.path)
    sys.modules["__main__"] = module
    sys.argv = [script_path, *argv]
    sys.path.insert(0, os.path.dirname(path))
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        if exc.code is None or exc.code == 0:
            return
        _abort_outputs()
        raise _script_failed(exc, path) from exc
    except Exception as exc:
        _abort_outputs()
        raise _script_failed(exc, path) from exc
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        else:
            sys.modules.pop("__main__", None)


def _script_failed(exc: BaseException, path: str) -> ScriptFailedError:
    lineno = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            lineno = line
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = str(exc.code) if isinstance(exc, SystemExit) else str(exc)
    return ScriptFailedError(type(exc).__name__, message, os.path.basename(path), lineno, text)


def _abort_outputs() -> None:
    ctx = current_context()
    if ctx is not None:
        ctx.abort_outputs()
