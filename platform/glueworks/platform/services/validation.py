"""Business rules on names and fields, shared by the job and run services. Each error names its field."""

from __future__ import annotations

import re
from collections.abc import Mapping

from glueworks.autoscaler import CapacityError, resolve_capacity
from glueworks.autoscaler.capacity import Capacity
from glueworks.platform.errors import InvalidInputError

# Glue's NameString: 1-255 characters of a single line. glueworks also refuses '/', because names are
# path segments of the REST API and of storage folders.
_NAME = re.compile(r"^[\u0020-\uD7FF\uE000-\uFFFD\t]{1,255}$")
COMMAND_NAMES = ("glueetl", "pythonshell", "glueray")
MAX_ARGUMENTS = 100
MAX_TIMEOUT_MINUTES = 10080  # 7 days, Glue's ceiling


def check_name(value: object, *, field: str = "Name") -> str:
    if not isinstance(value, str):
        raise InvalidInputError("must be a string", field=field)
    if not value:
        raise InvalidInputError("must not be empty", field=field)
    if len(value) > 255:
        raise InvalidInputError(f"is {len(value)} characters long; at most 255 are allowed", field=field)
    if not _NAME.match(value) or "/" in value or value != value.strip():
        raise InvalidInputError(
            "may hold printable characters only: no control characters, no '/', no leading or trailing spaces",
            field=field,
        )
    return value


def check_arguments(value: Mapping[str, str], *, field: str) -> dict[str, str]:
    if len(value) > MAX_ARGUMENTS:
        raise InvalidInputError(f"has {len(value)} entries; at most {MAX_ARGUMENTS} are allowed", field=field)
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidInputError("keys and values must be strings", field=field)
        if not key:
            raise InvalidInputError("keys must not be empty", field=field)
    return dict(value)


def check_command_name(value: str, *, field: str = "Command.Name") -> str:
    if value == "gluestreaming":
        raise InvalidInputError("streaming jobs are not supported by glueworks yet", field=field)
    if value not in COMMAND_NAMES:
        raise InvalidInputError(f"unknown command {value!r}; expected one of {', '.join(COMMAND_NAMES)}", field=field)
    return value


def check_range(value: int | float | None, *, field: str, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise InvalidInputError(f"must be between {low:g} and {high:g}, got {value}", field=field)


def check_capacity(
    *, command_name: str, worker_type: str | None, number_of_workers: int | None, max_capacity: float | None,
    prefix: str = "",
) -> Capacity:
    try:
        return resolve_capacity(
            command_name=command_name,
            worker_type=worker_type,
            number_of_workers=number_of_workers,
            max_capacity=max_capacity,
        )
    except CapacityError as exc:
        raise InvalidInputError(str(exc), field=prefix + exc.field) from None
