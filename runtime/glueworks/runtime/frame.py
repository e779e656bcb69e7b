"""DynamicFrame: a lazy plan over Arrow blocks, with Glue's method names and semantics.

Transform methods (`apply_mapping`, `resolveChoice`, `filter`) only validate their arguments
and add a plan node; nothing runs until an action (`count`, `schema`, `toDF`, `show`,
`errorsCount`, a write) asks for results. Each action runs the plan again (no data is cached);
the frame schema is cached after the first run.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from glueworks.runtime.error_records import errors_table
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.gluetypes import format_schema, parse_type_name
from glueworks.runtime.paths import parse_path
from glueworks.runtime.plan import (
    ApplyMapping,
    ChoiceSpec,
    Filter,
    FromTables,
    Mapping,
    PlanNode,
    ResolveChoice,
)
from glueworks.runtime.record import DynamicRecord, records_from_table
from glueworks.runtime.schema import choice_paths, conform_table

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.executors.base import Executed

_log = logging.getLogger(__name__)
_ACTIONS = ("cast", "project", "make_struct", "make_cols", "match_catalog")


class DynamicFrame:
    """A distributed collection of records whose schema is computed when asked for.

    Args:
        plan: The plan node this frame is the result of.
        glue_ctx: The `GlueContext` that runs it.
        name: A name for messages and error frames.
    """

    def __init__(self, plan: PlanNode, glue_ctx: GlueContext, name: str = "") -> None:
        self._plan = plan
        self.glue_ctx = glue_ctx
        self.name = name
        self._schema: pa.Schema | None = None

    def __repr__(self) -> str:
        return f"DynamicFrame(name={self.name!r}, plan={type(self._plan).__name__})"

    @property
    def plan(self) -> PlanNode:
        """The plan node this frame stands for."""
        return self._plan

    @classmethod
    def fromDF(cls, dataframe: pa.Table, glue_ctx: GlueContext, name: str) -> DynamicFrame:
        """Wrap an Arrow table (glueworks' stand-in for a Spark DataFrame) as a frame."""
        if not isinstance(dataframe, pa.Table):
            raise InvalidOptionError("dataframe", f"must be a pyarrow.Table, got {type(dataframe).__name__}")
        return cls(FromTables(name, (dataframe,)), glue_ctx, name)

    # --- transforms: build plan nodes ----------------------------------------------------

    def apply_mapping(
        self,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Select, rename and cast fields; only mapped fields are kept.

        Args:
            mappings: Tuples ``(source_path, source_type, target_path, target_type)``. A
                3-tuple ``(source_path, source_type, target_path)`` keeps the type, casting to
                `source_type`; a 2-tuple ``(source_path, target_path)`` keeps the value as it
                is. Dotted paths reach into structs; a dotted target builds nested structs.
            case_sensitive: Match source names exactly (by default a name that differs only
                in case also matches).
            transformation_ctx, info, stageThreshold, totalThreshold: As in Glue (thresholds
                are not enforced yet).

        Raises:
            InvalidOptionError: A mapping is malformed, names an unknown type, or two
                mappings write the same target.
        """
        _check_thresholds(stageThreshold, totalThreshold)
        parsed = _parse_mappings(mappings)
        node = ApplyMapping(self._plan, parsed, bool(case_sensitive))
        return self._derive(node, transformation_ctx)

    applyMapping = apply_mapping

    def resolveChoice(
        self,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """Resolve Choice columns.

        Pass exactly one of `specs` (``[(path, action), …]``) or `choice` (one action for every
        Choice in the frame). Actions: ``cast:<type>``, ``project:<type>``, ``make_struct``,
        ``make_cols``. With `choice`, the frame schema is computed now (one pass over the input)
        to find the Choice paths.

        Raises:
            InvalidOptionError: Both or neither of specs and choice, a malformed spec, or
                ``match_catalog`` (the Data Catalog is not supported yet).
        """
        _check_thresholds(stageThreshold, totalThreshold)
        if database is not None or table_name is not None or catalog_id is not None:
            raise InvalidOptionError("database", "resolving against the Data Catalog is not supported yet")
        if specs and choice:
            raise InvalidOptionError("specs", "pass either specs or choice, not both")
        if not specs and not choice:
            raise InvalidOptionError("specs", "pass specs=[(path, action), ...] or choice=<action>")
        if specs:
            if isinstance(specs, str | bytes) or not isinstance(specs, Sequence):
                raise InvalidOptionError("specs", "must be a list of (path, action) tuples")
            parsed = tuple(_parse_spec(spec, f"specs[{i}]") for i, spec in enumerate(specs))
        else:
            action, target = _parse_action(choice, "choice")
            paths = [parse_path(p, "choice") for p in choice_paths(self.schema())]
            parsed = tuple(ChoiceSpec(path, action, target) for path in paths)
        return self._derive(ResolveChoice(self._plan, parsed), transformation_ctx)

    def filter(
        self,
        f: Callable[[DynamicRecord], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Keep records for which ``f(record)`` is true (record-level Python: the slow path).

        `f` gets a `DynamicRecord` (a dict). A `KeyError`, `ValueError` or `TypeError` from
        `f` rejects the record; any other exception makes it an error record (stage
        ``filter``), as in Glue.
        """
        _check_thresholds(stageThreshold, totalThreshold)
        if not callable(f):
            raise InvalidOptionError("f", f"must be callable, got {type(f).__name__}")
        return self._derive(Filter(self._plan, f), transformation_ctx)

    def _derive(self, node: PlanNode, transformation_ctx: str) -> DynamicFrame:
        return DynamicFrame(node, self.glue_ctx, transformation_ctx or self.name)

    # --- actions: run the plan -----------------------------------------------------------

    def _execute(self) -> Executed:
        executed = self.glue_ctx.execute_plan(self._plan)
        if self._schema is None:
            self._schema = executed.schema
        return executed

    def count(self) -> int:
        """Number of records (runs the plan; blocks are not brought to the driver)."""
        return self._execute().num_rows

    def schema(self) -> pa.Schema:
        """The frame schema: the merge of every block schema, Choices included.

        Computed by running the plan the first time, then cached. Choice fields are Arrow
        structs marked as choices (see `glueworks.runtime.gluetypes`).
        """
        if self._schema is None:
            self._execute()
        assert self._schema is not None
        return self._schema

    def printSchema(self) -> None:
        """Print the schema the way Glue does (``root`` / ``|-- name: type``)."""
        sys.stdout.write(format_schema(self.schema()) + "\n")

    def toDF(self, options: Sequence[Any] | None = None) -> pa.Table:
        """The frame as one `pyarrow.Table` (glueworks has no Spark DataFrame).

        Every block is conformed to the frame schema; unresolved Choices stay Choice structs.
        Brings all data to the driver.

        Raises:
            InvalidOptionError: `options` were passed (ResolveOption is not supported yet; use
                resolveChoice first).
        """
        if options:
            raise InvalidOptionError("options", "toDF options are not supported yet; call resolveChoice first")
        executed = self._execute()
        schema = executed.schema
        blocks = [conform_table(b, schema) for part in self.glue_ctx.executor.fetch(executed.parts) for b in part]
        if not blocks:
            return schema.empty_table()
        return pa.concat_tables(blocks)

    def show(self, num_rows: int = 20) -> None:
        """Print the first `num_rows` records as JSON, one per line (runs the whole plan)."""
        table = self.toDF().slice(0, max(0, num_rows))
        for record in records_from_table(table):
            sys.stdout.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")

    def errorsCount(self) -> int:
        """Number of error records behind this frame (bad input lines, failed records)."""
        return len(self._execute().errors)

    def errorsAsDynamicFrame(self) -> DynamicFrame:
        """The error records behind this frame, as a frame with columns file, line, reason,
        raw, stage."""
        table = errors_table(self._execute().errors)
        name = f"{self.name}_errors" if self.name else "errors"
        return DynamicFrame(FromTables(name, (table,)), self.glue_ctx, name)


def _check_thresholds(stage: int, total: int) -> None:
    for option, value in (("stageThreshold", stage), ("totalThreshold", total)):
        if not isinstance(value, int) or value < 0:
            raise InvalidOptionError(option, f"must be an integer >= 0, got {value!r}")
        if value:
            _log.warning("%s=%d is accepted but not enforced yet", option, value)


def _parse_mappings(mappings: Sequence[Sequence[str]]) -> tuple[Mapping, ...]:
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
            Mapping(parse_path(source, f"{option} source"), source_type, parse_path(target, f"{option} target"), cast)
        )
    _check_targets(parsed)
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


def _parse_spec(spec: object, option: str) -> ChoiceSpec:
    if isinstance(spec, str | bytes) or not isinstance(spec, Sequence) or len(spec) != 2:
        raise InvalidOptionError(option, "must be a (path, action) tuple")
    path, action_text = spec
    if not isinstance(action_text, str):
        raise InvalidOptionError(option, "the action must be a string such as 'cast:long'")
    action, target = _parse_action(action_text, option)
    return ChoiceSpec(parse_path(path, option), action, target)


def _parse_action(text: str, option: str) -> tuple[str, pa.DataType | None]:
    if not isinstance(text, str) or not text:
        raise InvalidOptionError(option, "the action must be a string such as 'cast:long'")
    action, _, type_name = text.strip().partition(":")
    action = action.strip().lower()
    if action not in _ACTIONS:
        raise InvalidOptionError(
            option, f"unknown action {text!r}; use cast:<type>, project:<type>, make_struct, make_cols"
        )
    if action == "match_catalog":
        raise InvalidOptionError(option, "match_catalog needs the Data Catalog, which is not supported yet")
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
