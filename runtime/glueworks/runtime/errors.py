"""Errors raised by the glueworks runtime.

The tree::

    GlueworksError                    root of every error the runtime raises on purpose
    ├── InvalidOptionError (ValueError)   a bad argument or option; the message names it
    │   ├── UnsafePathError               a path outside the scheme allow-list, with `..` or `::`
    │   └── MissingArgumentError          getResolvedOptions: a required `--name` is absent
    ├── SchemaError (TypeError)           data cannot take the requested shape (e.g. cast a struct to int)
    ├── ErrorThresholdExceededError       a transform's stageThreshold/totalThreshold was exceeded
    └── ScriptFailedError                 a user script raised; `str()` is "Type: message (file, line N)"
        └── ScriptSyntaxError             a user script does not compile

I/O errors (a missing input, a permission problem) are never wrapped: they surface as the
built-in `OSError` subclasses fsspec raises (`FileNotFoundError`, `PermissionError`), because
they are not bad data. Bad data becomes error records (see `glueworks.runtime.error_records`).
"""

from __future__ import annotations


class GlueworksError(Exception):
    """Root of the runtime's errors."""


class InvalidOptionError(GlueworksError, ValueError):
    """An argument or option is invalid; the message names it.

    Attributes:
        option: Dotted name of the offending option, e.g. ``connection_options.paths[0]``.
    """

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"{option}: {problem}")
        self.option = option


class UnsafePathError(InvalidOptionError):
    """A path uses a scheme outside the allow-list, a `..` segment or fsspec URL chaining."""


class MissingArgumentError(InvalidOptionError):
    """A job argument listed in `getResolvedOptions` was not passed."""


class SchemaError(GlueworksError, TypeError):
    """Data cannot be given the requested shape (for example a struct cast to a number)."""


class ErrorThresholdExceededError(GlueworksError):
    """More error records than a transform's ``stageThreshold`` or ``totalThreshold`` allows.

    Attributes:
        transform: The transform (and its transformation_ctx) whose threshold was exceeded.
        threshold_name: ``stageThreshold`` or ``totalThreshold``.
        threshold: The threshold value.
        stage_errors: Error records produced by that transform.
        total_errors: Error records up to and including that transform.
    """

    def __init__(
        self, transform: str, threshold_name: str, threshold: int, stage_errors: int, total_errors: int
    ) -> None:
        count = stage_errors if threshold_name == "stageThreshold" else total_errors
        super().__init__(
            f"Exceeded {threshold_name} in transform {transform}: {count} error records > {threshold} "
            f"(stage errors: {stage_errors}, total errors: {total_errors})"
        )
        self.transform = transform
        self.threshold_name = threshold_name
        self.threshold = threshold
        self.stage_errors = stage_errors
        self.total_errors = total_errors


class ScriptFailedError(GlueworksError):
    """A user script raised an exception.

    `str()` reads like ``ValueError: bad value (job.py, line 12)``: the exception type, its message
    and the deepest line of the script itself in the traceback.

    Attributes:
        error_type: Name of the exception class the script raised.
        error_message: `str()` of that exception.
        filename: Base name of the script file.
        lineno: Line in the script, or None when no frame of the script is in the traceback.
        traceback_text: The formatted traceback, for logs.
    """

    def __init__(
        self,
        error_type: str,
        error_message: str,
        filename: str,
        lineno: int | None,
        traceback_text: str = "",
    ) -> None:
        where = f" ({filename}, line {lineno})" if lineno is not None else f" ({filename})"
        text = f"{error_type}: {error_message}" if error_message else error_type
        super().__init__(text + where)
        self.error_type = error_type
        self.error_message = error_message
        self.filename = filename
        self.lineno = lineno
        self.traceback_text = traceback_text


class ScriptSyntaxError(ScriptFailedError):
    """A user script does not compile; `lineno` is the line of the syntax error."""
