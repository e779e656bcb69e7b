"""botocore's Glue service model, and a generic check of request bodies against its input shapes.

The model installed with botocore (``botocore/data/glue/<version>/service-2.json``) is the source of truth for
operation names, member names, required members, types, enums, lengths, ranges and patterns. Checking a body
against it here means every operation gets the same checks an AWS service applies, with messages that name the
member path (``Command.ScriptLocation``, ``DefaultArguments.--day``, ``JobNames[2]``).

Members the model does not know are ignored, as AWS does. A JSON ``null`` counts as an absent member.

The model is loaded on first use (about 0.1 s) and cached for the life of the process.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import math
import re
from typing import Any

from glueworks.platform.errors import InvalidInputError

log = logging.getLogger(__name__)

Shape = dict[str, Any]

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
# A UTF-16 surrogate pair written as two \u escapes, as in the model's Java-flavoured patterns.
_SURROGATE_PAIR = re.compile(r"\\u(D[89AB][0-9A-Fa-f]{2})\\u(D[C-F][0-9A-Fa-f]{2})")
# Shapes whose pattern glueworks deliberately widens. PythonVersion: the job runtime is Python 3.11.
_WIDENED_PATTERNS = {"PythonVersionString": r"^([2-3]|3[.]9|3[.]11)$"}


class ServiceModel:
    """The parts of the Glue service model the front door needs.

    Args:
        model: the parsed ``service-2.json`` document.
    """

    def __init__(self, model: dict[str, Any]) -> None:
        self._operations: dict[str, Any] = model["operations"]
        self._shapes: dict[str, Shape] = model["shapes"]
        self.target_prefix: str = model["metadata"]["targetPrefix"]

    def has_operation(self, name: str) -> bool:
        return name in self._operations

    def input_shape_name(self, operation: str) -> str | None:
        spec = self._operations[operation].get("input")
        return None if spec is None else str(spec["shape"])

    def shape(self, name: str) -> Shape:
        return self._shapes[name]

    def validate_input(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Check ``params`` against the input shape of ``operation``; return them without null members.

        Raises:
            InvalidInputError: naming the member path of the first problem found.
        """
        shape_name = self.input_shape_name(operation)
        if shape_name is None:
            return {}
        cleaned = self._check(shape_name, params, "")
        assert isinstance(cleaned, dict)
        return cleaned

    # -- the checks, one per shape type ------------------------------------------------------------------

    def _check(self, shape_name: str, value: Any, path: str) -> Any:
        shape = self._shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return self._structure(shape, value, path)
        if kind == "list":
            return self._list(shape, value, path)
        if kind == "map":
            return self._map(shape, value, path)
        if kind == "string":
            return self._string(shape_name, shape, value, path)
        if kind in ("integer", "long"):
            return _integer(shape, value, path, _INT32 if kind == "integer" else _INT64)
        if kind in ("double", "float"):
            return _double(shape, value, path)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise _invalid(path, f"must be a boolean, got {_json_type(value)}")
            return value
        if kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise _invalid(path, f"must be a timestamp in epoch seconds (a number), got {_json_type(value)}")
            return value
        if kind == "blob":
            return _blob(value, path)
        raise _invalid(path, f"has a type this endpoint cannot read ({kind})")  # not in the Glue model today

    def _structure(self, shape: Shape, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _invalid(path, f"must be an object, got {_json_type(value)}")
        members: dict[str, Any] = shape.get("members", {})
        for name in shape.get("required", []):
            if value.get(name) is None:
                raise _invalid(_join(path, name), "is required")
        cleaned: dict[str, Any] = {}
        for name, item in value.items():
            if item is None or name not in members:
                continue  # unknown members are ignored, as AWS does
            cleaned[name] = self._check(members[name]["shape"], item, _join(path, name))
        return cleaned

    def _list(self, shape: Shape, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise _invalid(path, f"must be a list, got {_json_type(value)}")
        _check_count(shape, len(value), path, "items")
        member = shape["member"]["shape"]
        return [self._check(member, item, f"{path}[{index}]") for index, item in enumerate(value)]

    def _map(self, shape: Shape, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _invalid(path, f"must be an object (a map), got {_json_type(value)}")
        _check_count(shape, len(value), path, "entries")
        key_shape, value_shape = shape["key"]["shape"], shape["value"]["shape"]
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            self._check(key_shape, key, f"{path} key {key!r}")
            if item is None:
                raise _invalid(f"{path}.{key}", "must not be null")
            cleaned[key] = self._check(value_shape, item, f"{path}.{key}")
        return cleaned

    def _string(self, shape_name: str, shape: Shape, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise _invalid(path, f"must be a string, got {_json_type(value)}")
        if "enum" in shape and value not in shape["enum"]:
            raise _invalid(path, f"{value!r} is not one of {', '.join(shape['enum'])}")
        length = len(value)
        if "min" in shape and length < shape["min"]:
            raise _invalid(path, f"must be at least {shape['min']} characters long, got {length}")
        if "max" in shape and length > shape["max"]:
            raise _invalid(path, f"must be at most {shape['max']} characters long, got {length}")
        pattern = _pattern(shape_name, _WIDENED_PATTERNS.get(shape_name, shape.get("pattern")))
        if pattern is not None and pattern.fullmatch(value) is None:
            raise _invalid(path, f"holds characters or a form not allowed (pattern {pattern.pattern})")
        return value


@functools.cache
def glue_model() -> ServiceModel:
    """The Glue service model of the installed botocore, loaded once."""
    import botocore.loaders

    return ServiceModel(botocore.loaders.Loader().load_service_model("glue", "service-2"))


@functools.cache
def _pattern(shape_name: str, source: str | None) -> re.Pattern[str] | None:
    """Compile a model pattern for Python; a pattern Python cannot read (``\\p{L}``) is not enforced."""
    if source is None:
        return None
    try:
        return re.compile(_SURROGATE_PAIR.sub(_code_point, source))
    except re.error:
        log.debug("pattern of shape %s is not Python syntax; not enforced", shape_name)
        return None


def _code_point(match: re.Match[str]) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


def _integer(shape: Shape, value: Any, path: str, bounds: tuple[int, int]) -> int:
    # JSON has one number type; 3.0 is accepted as 3, 3.5 is not. A boolean is never a number.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(path, f"must be an integer, got {_json_type(value)}")
    low, high = max(bounds[0], shape.get("min", bounds[0])), min(bounds[1], shape.get("max", bounds[1]))
    if not low <= value <= high:
        raise _invalid(path, f"must be between {low} and {high}, got {value}")
    return value


def _double(shape: Shape, value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(path, f"must be a number, got {_json_type(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise _invalid(path, "must be a finite number")
    if "min" in shape and number < shape["min"]:
        raise _invalid(path, f"must be at least {shape['min']}, got {number:g}")
    if "max" in shape and number > shape["max"]:
        raise _invalid(path, f"must be at most {shape['max']}, got {number:g}")
    return number


def _blob(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _invalid(path, f"must be a base64 string, got {_json_type(value)}")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(path, "is not valid base64") from None
    return value


def _check_count(shape: Shape, count: int, path: str, noun: str) -> None:
    if "min" in shape and count < shape["min"]:
        raise _invalid(path, f"must have at least {shape['min']} {noun}, got {count}")
    if "max" in shape and count > shape["max"]:
        raise _invalid(path, f"must have at most {shape['max']} {noun}, got {count}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _invalid(path: str, message: str) -> InvalidInputError:
    return InvalidInputError(message, field=path or "body")
