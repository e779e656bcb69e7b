"""``getResolvedOptions``: job arguments from ``sys.argv``, as in ``awsglue.utils``."""

from __future__ import annotations

from collections.abc import Sequence

from glueworks.runtime.errors import InvalidOptionError, MissingArgumentError


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, str]:
    """Pick the named job arguments out of an argument list.

    Glue's semantics: ``args[0]`` (the script path) is skipped; every name in `options` is a
    required ``--name value`` (or ``--name=value``) argument; other arguments are ignored; a
    repeated argument keeps its last value.

    Args:
        args: Usually ``sys.argv``.
        options: Names without the leading ``--``, e.g. ``["JOB_NAME", "input_path"]``.

    Returns:
        ``{name: value}`` for every name in `options`.

    Raises:
        MissingArgumentError: A listed argument is absent or has no value; names it.
        InvalidOptionError: `options` is malformed.

    Example:
        >>> getResolvedOptions(["job.py", "--JOB_NAME", "etl", "--day=3"], ["JOB_NAME", "day"])
        {'JOB_NAME': 'etl', 'day': '3'}
    """
    if isinstance(options, str) or not all(isinstance(name, str) and name for name in options):
        raise InvalidOptionError("options", "must be a list of argument names")
    for name in options:
        if name.startswith("-"):
            raise InvalidOptionError("options", f"write names without dashes: {name.lstrip('-')!r}, not {name!r}")
    values: dict[str, str | None] = {}
    tokens = list(args[1:])
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("--") or token == "--":
            continue
        name, has_value, value = token[2:].partition("=")
        if has_value:
            values[name] = value
        elif index < len(tokens) and not tokens[index].startswith("--"):
            values[name] = tokens[index]
            index += 1
        else:
            values[name] = None
    resolved: dict[str, str] = {}
    for name in options:
        if name not in values:
            raise MissingArgumentError(f"--{name}", "required job argument is missing")
        given = values[name]
        if given is None:
            raise MissingArgumentError(f"--{name}", "expects a value")
        resolved[name] = given
    return resolved
