"""The options of `DynamicFrame.apply_mapping` and `resolveChoice`, parsed and checked.

Errors name the option as Glue does (``mappings[2] target type``, ``specs[0]``), raised as
`InvalidOptionError` before any plan node is built.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.gluetypes import parse_type_name
from glueworks.runtime.paths import ELEMENTS, parse_path
from glueworks.runtime.plan import ChoiceSpec, Mapping
from glueworks.runtime.transforms.apply_mapping import check_array_mappings

_ACTIONS = ("cast", "project", "make_struct", "make_cols", "match_catalog")


def parse_mappings(mappings: Sequence[Sequence[str]]) -> tuple[Mapping, ...]:
    """Parse mapping tuples; a list of string tuples seen before is not parsed again (a script
    applies one mapping list in a loop, or to many frames)."""
    key = _mappings_key(mappings)
    return _parse_mappings_cached(key) if key is not None else _parse_mapping_list(mappings)


def _mappings_key(mappings: object) -> tuple[tuple[str, ...], ...] | None:
    """`mappings` as a hashable key, or None when it is not a list of string tuples (then it is
    parsed, and rejected, without the cache)."""
    if not isinstance(mappings, list | tuple):
        return None
    if not all(isinstance(entry, list | tuple) and all(type(part) is str for part in entry) for entry in mappings):
        return None
    return tuple(tuple(entry) for entry in mappings)


@functools.lru_cache(maxsize=256)
def _parse_mappings_cached(key: tuple[tuple[str, ...], ...]) -> tuple[Mapping, ...]:
    # The result is immutable (frozen dataclasses, Arrow types), so frames can share it.
    return _parse_mapping_list(key)


def _parse_mapping_list(mappings: Sequence[Sequence[str]]) -> tuple[Mapping, ...]:
    if isinstance(mappings, str | bytes) or not isinstance(mappings, Sequence) or not mappings:
        raise InvalidOptionError("mappings", "must be a non-empty list of mapping tuples")
    parsed: list[Mapping] = []
    for index, entry in enumerate(mappings):
        option = f"mappings[{index}]"
        if isinstance(entry, str | bytes) or not isinstance(entry, Sequence) or not 2 <= len(entry) <= 4:
            raise InvalidOptionError(option, "must be a tuple (source, source_type, target, target_type)")
        if not all(isinstance(part, str) for part in entry):
            raise InvalidOptionError(option, "every element must be a string")
        if len(entry) == 4:
            source, source_type, target, target_type = entry
            cast = parse_type_name(target_type, f"{option} target type")
        elif len(entry) == 3:
            source, source_type, target = entry
            cast = parse_type_name(source_type, f"{option} source type")
        else:
            source, target = entry
            source_type, cast = "", None
        if source_type:
            parse_type_name(source_type, f"{option} source type")
        parsed.append(
            Mapping(
                parse_path(source, f"{option} source", arrays=True),
                source_type,
                parse_path(target, f"{option} target", arrays=True),
                cast,
            )
        )
    _check_targets(parsed)
    check_array_mappings(parsed)
    return tuple(parsed)


def _check_targets(mappings: list[Mapping]) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for index, mapping in enumerate(mappings):
        for other_path, other_index in seen.items():
            shorter = min(len(other_path), len(mapping.target))
            if other_path[:shorter] == mapping.target[:shorter]:
                raise InvalidOptionError(
                    f"mappings[{index}]",
                    f"target {'.'.join(mapping.target)!r} clashes with mappings[{other_index}]",
                )
        seen[mapping.target] = index


def parse_choice_spec(spec: object, option: str) -> ChoiceSpec:
    if isinstance(spec, str | bytes) or not isinstance(spec, Sequence) or len(spec) != 2:
        raise InvalidOptionError(option, "must be a (path, action) tuple")
    path, action_text = spec
    if not isinstance(action_text, str):
        raise InvalidOptionError(option, "the action must be a string such as 'cast:long'")
    action, target = parse_choice_action(action_text, option)
    parsed = parse_path(path, option, arrays=True)
    if action == "make_cols" and ELEMENTS in parsed:
        # One column per type cannot be made inside array elements: each element has one shape.
        raise InvalidOptionError(option, f"make_cols cannot split a field inside an array ({path!r}); use make_struct")
    return ChoiceSpec(parsed, action, target)


def parse_choice_action(text: str, option: str) -> tuple[str, pa.DataType | None]:
    if not isinstance(text, str) or not text:
        raise InvalidOptionError(option, "the action must be a string such as 'cast:long'")
    action, _, type_name = text.strip().partition(":")
    action = action.strip().lower()
    if action not in _ACTIONS:
        raise InvalidOptionError(
            option, f"unknown action {text!r}; use cast:<type>, project:<type>, make_struct, make_cols"
        )
    if action == "match_catalog":
        raise InvalidOptionError(
            option, "match_catalog needs the Data Catalog table: pass choice='match_catalog', database=, table_name="
        )
    if action in ("cast", "project"):
        if not type_name:
            raise InvalidOptionError(option, f"{action} needs a type, e.g. '{action}:long'")
        target = parse_type_name(type_name, option)
        if target is None:
            raise InvalidOptionError(option, f"{action} needs a primitive type, not {type_name!r}")
        return action, target
    if type_name:
        raise InvalidOptionError(option, f"{action} takes no type")
    return action, None
