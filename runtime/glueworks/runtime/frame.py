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
from glueworks.runtime.executors.base import merge_block_schemas
from glueworks.runtime.frame_options import parse_choice_action, parse_choice_spec, parse_mappings
from glueworks.runtime.frame_transforms import FieldTransforms
from glueworks.runtime.gluetypes import format_schema
from glueworks.runtime.paths import parse_path
from glueworks.runtime.plan import (
    ApplyMapping,
    ChoiceSpec,
    Filter,
    FromTables,
    PlanNode,
    ResolveChoice,
)
from glueworks.runtime.plan import Join as JoinNode
from glueworks.runtime.plan import MergeFrames as MergeFramesNode
from glueworks.runtime.plan import Repartition as RepartitionNode
from glueworks.runtime.plan import Spigot as SpigotNode
from glueworks.runtime.plan import Union as UnionNode
from glueworks.runtime.record import DynamicRecord, records_from_table
from glueworks.runtime.schema import choice_paths, conform_table
from glueworks.runtime.thresholds import ThresholdCheck, enforce, stage_counts, validate_thresholds

if TYPE_CHECKING:
    from glueworks.runtime.collection import DynamicFrameCollection
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.executors.base import Executed

_log = logging.getLogger(__name__)


class DynamicFrame(FieldTransforms):
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
        # Block schemas of the first run, merged into `_schema` only when asked for (an action
        # such as count() needs no frame schema).
        self._block_schemas: tuple[pa.Schema, ...] | None = None
        # Error thresholds of every transform this frame derives from (see thresholds.py).
        self._checks: tuple[ThresholdCheck, ...] = ()

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

    def with_frame_schema(self, schema: pa.Schema) -> DynamicFrame:
        """The same frame with its schema given instead of computed.

        `schema()` then answers at once without running the plan, and actions that need the frame
        schema (`toDF`, writes) conform every block to it: a field missing from a block is null, and a
        block with a field the schema lacks fails the action with a SchemaError naming it (data is never
        dropped silently). Costs nothing; the caller vouches for the schema.

        Example:
            >>> frame = frame.with_frame_schema(pa.schema([("id", pa.int64()), ("name", pa.string())]))
        """
        if not isinstance(schema, pa.Schema):
            raise InvalidOptionError("schema", f"must be a pyarrow.Schema, got {type(schema).__name__}")
        frame = DynamicFrame(self._plan, self.glue_ctx, self.name)
        frame._checks = self._checks
        frame._schema = schema
        return frame

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
                is. Dotted paths reach into structs; a dotted target builds nested structs;
                ``[]`` steps into array elements (``("items[].sku", "string", "skus[]",
                "string")``; see `glueworks.runtime.transforms.apply_mapping`).
            case_sensitive: Match source names exactly (by default a name that differs only
                in case also matches).
            transformation_ctx, info, stageThreshold, totalThreshold: As in Glue.

        Raises:
            InvalidOptionError: A mapping is malformed, names an unknown type, two mappings
                write the same target, or their ``[]`` steps do not fit together.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        parsed = parse_mappings(mappings)
        node = ApplyMapping(self._plan, parsed, bool(case_sensitive))
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold)

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
        to find the Choice paths (those reachable through structs). A spec path may step into
        arrays (``("myList[].price", "make_struct")``): every element is resolved in place,
        except by ``make_cols``, which is refused there.

        ``choice="match_catalog"`` with `database` and `table_name` casts each Choice to the type
        of the catalog table's column of the same path (a catalog lookup now).

        Raises:
            InvalidOptionError: Both or neither of specs and choice, a malformed spec, or
                ``match_catalog`` without a table (or with a Choice the table has no column for).
        """
        validate_thresholds(stageThreshold, totalThreshold)
        if isinstance(choice, str) and choice.strip().lower() == "match_catalog" and not specs:
            from glueworks.runtime.catalog_io import match_catalog_types

            paths = [parse_path(p, "choice") for p in choice_paths(self.schema())]
            types = match_catalog_types(self.glue_ctx.catalog_client, database or "", table_name or "", paths)
            matched = tuple(ChoiceSpec(path, "cast", dtype) for path, dtype in zip(paths, types, strict=True))
            return self._derive(ResolveChoice(self._plan, matched), transformation_ctx, stageThreshold, totalThreshold)
        if database is not None or table_name is not None:
            raise InvalidOptionError("database", "database and table_name are only used with choice='match_catalog'")
        if specs and choice:
            raise InvalidOptionError("specs", "pass either specs or choice, not both")
        if not specs and not choice:
            raise InvalidOptionError("specs", "pass specs=[(path, action), ...] or choice=<action>")
        if specs:
            if isinstance(specs, str | bytes) or not isinstance(specs, Sequence):
                raise InvalidOptionError("specs", "must be a list of (path, action) tuples")
            parsed = tuple(parse_choice_spec(spec, f"specs[{i}]") for i, spec in enumerate(specs))
        else:
            action, target = parse_choice_action(choice, "choice")
            paths = [parse_path(p, "choice") for p in choice_paths(self.schema())]
            parsed = tuple(ChoiceSpec(path, action, target) for path in paths)
        return self._derive(ResolveChoice(self._plan, parsed), transformation_ctx, stageThreshold, totalThreshold)

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
        validate_thresholds(stageThreshold, totalThreshold)
        if not callable(f):
            raise InvalidOptionError("f", f"must be callable, got {type(f).__name__}")
        return self._derive(Filter(self._plan, f), transformation_ctx, stageThreshold, totalThreshold)

    def _derive(
        self,
        node: PlanNode,
        transformation_ctx: str,
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        name: str = "",
        other: DynamicFrame | None = None,
    ) -> DynamicFrame:
        """A frame over `node` that keeps this frame's error thresholds (and those of `other`,
        the second input of a join, union or merge) and adds the new ones."""
        frame = DynamicFrame(node, self.glue_ctx, name or transformation_ctx or self.name)
        frame._checks = self._checks
        if other is not None:
            frame._checks += tuple(c for c in other._checks if c not in self._checks)
        if stageThreshold or totalThreshold:
            label = type(node).__name__ + (f" ({transformation_ctx})" if transformation_ctx else "")
            frame._checks += (ThresholdCheck(node, label, stageThreshold, totalThreshold),)
        return frame

    # --- actions: run the plan -----------------------------------------------------------

    def _execute(self, check_thresholds: bool = True) -> Executed:
        executed = self.glue_ctx.execute_plan(self._plan)
        if self._schema is None and self._block_schemas is None:
            self._block_schemas = executed.block_schemas
        if check_thresholds:
            enforce(self._plan, executed, self._checks)
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
            if self._block_schemas is None:
                self._execute()
            assert self._block_schemas is not None
            self._schema = merge_block_schemas(self._block_schemas)
            self._block_schemas = None
        return self._schema

    def _schema_of(self, executed: Executed) -> pa.Schema:
        """The schema blocks are conformed to: the one given by `with_frame_schema`, else the merge."""
        return executed.schema if self._schema is None else self._schema

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
        schema = self._schema_of(executed)
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
        """Number of error records behind this frame (bad input lines, failed records), over
        every stage. Runs the plan; does not check error thresholds."""
        return len(self._execute(check_thresholds=False).errors)

    def stageErrorsCount(self) -> int:
        """Number of error records the transform that made this frame produced (for a frame
        just read: the bad input records). Runs the plan; does not check error thresholds."""
        executed = self._execute(check_thresholds=False)
        counts = stage_counts(self._plan, executed.metas)
        return len(executed.errors) if counts is None else counts[-1]

    def assertErrorThreshold(self) -> None:
        """Run the plan and check the stageThreshold/totalThreshold of every transform behind
        this frame (every action does this too).

        Raises:
            ErrorThresholdExceededError: A threshold is exceeded; the message gives the counts.
        """
        self._execute()

    def errorsAsDynamicFrame(self) -> DynamicFrame:
        """The error records behind this frame, as a frame with columns file, line, reason,
        raw, stage. Does not check error thresholds."""
        table = errors_table(self._execute(check_thresholds=False).errors)
        name = f"{self.name}_errors" if self.name else "errors"
        return DynamicFrame(FromTables(name, (table,)), self.glue_ctx, name)

    def unnest(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Flatten nested structs into top-level ``a.b.c`` columns; arrays and maps stay as
        they are. Columnar and per block (see `glueworks.runtime.transforms.unnest`)."""
        from glueworks.runtime.plan import Unnest

        validate_thresholds(stageThreshold, totalThreshold)
        return self._derive(Unnest(self._plan), transformation_ctx, stageThreshold, totalThreshold)

    def relationalize(
        self,
        root_table_name: str,
        staging_path: str | None,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Flatten the frame into a root table plus one table per array path, as Glue does.

        The collection holds `root_table_name` (structs flattened to ``a.b`` columns, each
        array replaced by a bigint join key) and ``<root>_<array column>`` tables with ``id``,
        ``index`` and ``<column>.val…`` columns; see `glueworks.runtime.transforms.relationalize`.

        Cost: runs the plan now (Glue also works eagerly, staging to `staging_path`), as executor
        work: one task per input split reads it, runs the transforms, pivots its blocks
        (columnar) by their own schema and stages each table (Arrow IPC). Once the frame schema
        is known, a part whose pivot would differ under it (its shape changes, e.g. a Choice)
        is read and pivoted again in a second round; usually none is. The driver receives only file
        locations, row counts per table and schemas; the output frames read the staged tables
        lazily, adding each part's key offsets as they read. Files go under a unique folder
        below `staging_path` (checked like any output path, before any I/O), or a temporary
        folder when it is None or empty; they are removed when the run finishes (outside a
        job: once the output frames are gone). On a multi-node Ray cluster give a shared
        `staging_path` (``s3://``). The output frames carry no error records: look at this
        frame's ``errorsAsDynamicFrame()`` for those.

        Raises:
            InvalidOptionError: An empty root name, a non-string staging path or any option.
            UnsafePathError: A `staging_path` the path rules refuse.
            ErrorThresholdExceededError: The error records behind this frame exceed
                `totalThreshold` (relationalize itself makes none, so `stageThreshold` holds).
        """
        from glueworks.runtime.collection import DynamicFrameCollection
        from glueworks.runtime.errors import ErrorThresholdExceededError
        from glueworks.runtime.executors.relationalize import pivot_parts, stage_input
        from glueworks.runtime.plan import FromStaged
        from glueworks.runtime.staging import StagingArea
        from glueworks.runtime.transforms.relationalize import check_options, check_root_name

        validate_thresholds(stageThreshold, totalThreshold)
        root = check_root_name(root_table_name)
        check_options(staging_path, options)
        ctx = self.glue_ctx.run_context
        area = StagingArea.create(staging_path, ctx, "relationalize")
        self.glue_ctx.executor.check_location(area.location, "staging_path")

        def on_done(meta: Any, counts_input: bool) -> None:
            ctx.record_split(meta.split_id, meta.records_read if counts_input else 0, meta.bytes_read, meta.errors)

        try:
            staged = stage_input(self.glue_ctx.executor, self._plan, area, root, on_done)
            executed = staged.executed
            if self._schema is None and self._block_schemas is None:
                self._block_schemas = executed.block_schemas
            enforce(self._plan, executed, self._checks)
            errors = len(executed.errors)
            if totalThreshold and errors > totalThreshold:
                label = "Relationalize" + (f" ({transformation_ctx})" if transformation_ctx else "")
                raise ErrorThresholdExceededError(label, "totalThreshold", totalThreshold, 0, errors)
            tables = pivot_parts(self.glue_ctx.executor, staged, self._schema_of(executed), root, area)
        except BaseException:
            area.cleanup()  # nothing will read what was staged
            raise
        frames: dict[str, DynamicFrame] = {}
        for name, table in tables.items():
            if table.splits:
                frame = DynamicFrame(FromStaged(name, table.splits, area, table.links), self.glue_ctx, name)
                # Every staged part of a table has its schema: schema() needs no run.
                frame._block_schemas = (table.schema,) * len(table.splits)
            else:
                frame = DynamicFrame(FromTables(name, (table.schema.empty_table(),)), self.glue_ctx, name)
            frames[name] = frame
        return DynamicFrameCollection(frames, self.glue_ctx)

    # --- multi-input and all-to-all transforms (run by executors/stages.py) ---------------

    def join(
        self,
        paths1: str | Sequence[str],
        paths2: str | Sequence[str],
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Inner equi-join with `frame2`: records where ``paths1[i] == paths2[i]`` for every key.

        Every field of both records is kept; on a top-level name clash frame2's value wins
        (rename first to keep both). Records with a null or missing key match nothing. The
        error records of both frames flow through; the join makes none. Keys of one family
        (int/long) compare in the wider type. See `glueworks.runtime.transforms.join`.

        Cost: both frames run, then a hash shuffle by key (on Ray, blocks go through the
        object store, never the driver).

        Raises:
            InvalidOptionError: Empty or malformed keys, or not as many in `paths2` as in
                `paths1`; when the plan runs, a key path missing from a frame that has fields.
            SchemaError: When the plan runs, keys of different types (message names both),
                a Choice key or a struct/array key.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        keys1, keys2 = _parse_keys(paths1, "paths1"), _parse_keys(paths2, "paths2")
        if len(keys1) != len(keys2):
            raise InvalidOptionError("paths2", f"must name as many keys as paths1 ({len(keys1)}), got {len(keys2)}")
        other = _other_frame(frame2, "frame2")
        node = JoinNode(self._plan, other.plan, keys1, keys2)
        name = self.name + other.name
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold, name=name, other=other)

    def union(
        self,
        other_frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Every record of this frame and of `other_frame` (duplicates kept, no data moves).

        The schema is the merge of both (a Choice where a field's types differ); error records
        of both flow through, so records in = records out + error records.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        other = _other_frame(other_frame, "other_frame")
        node = UnionNode(self._plan, other.plan)
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold, other=other)

    def repartition(
        self,
        numPartitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Exactly `numPartitions` parts of balanced size, records kept in order.

        Cost: every block moves once between tasks.

        Raises:
            InvalidOptionError: `numPartitions` is not an integer >= 1.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        count = _check_partitions(numPartitions)
        node = RepartitionNode(self._plan, count, shuffle=True)
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold)

    def coalesce(
        self,
        numPartitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """At most `numPartitions` parts, by merging neighbouring parts (``shuffle=True``: as
        `repartition`). A frame with fewer parts is left as it is.

        Raises:
            InvalidOptionError: `numPartitions` is not an integer >= 1.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        count = _check_partitions(numPartitions)
        node = RepartitionNode(self._plan, count, shuffle=bool(shuffle))
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold)

    def getNumPartitions(self) -> int:
        """How many parts (blocks lists, one per task) the frame has. Runs the plan."""
        return len(self._execute().parts)

    def mergeDynamicFrame(
        self,
        stage_dynamic_frame: DynamicFrame,
        primary_keys: str | Sequence[str],
        transformation_ctx: str = "",
        options: dict[str, Any] | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Upsert `stage_dynamic_frame` into this frame by `primary_keys`.

        Records of this frame whose keys match a staging record are replaced by it; unmatched
        records (duplicates included) are kept; unmatched staging records are added. Of several
        staging records with one key only the first (in staging order) is kept. A null key
        matches nothing. See `glueworks.runtime.transforms.merge`.

        Raises:
            InvalidOptionError: No or malformed keys, or any `options` (none are supported).
            SchemaError: When the plan runs, a key whose types differ between the frames.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        keys = _parse_keys(primary_keys, "primary_keys")
        if options:
            raise InvalidOptionError(f"options.{sorted(options)[0]}", "mergeDynamicFrame takes no options")
        other = _other_frame(stage_dynamic_frame, "stage_dynamic_frame")
        node = MergeFramesNode(self._plan, other.plan, keys)
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold, other=other)

    def spigot(
        self,
        path: str,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Write a sample of the records as JSON lines into folder `path`; the frame is unchanged.

        `options`: ``{"topk": k}`` (the first k records; default 100) or ``{"prob": p}`` (each
        record with probability p, seeded by ``"seed"``, default 0). The sample is written each
        time the returned frame runs, at once (not staged). See
        `glueworks.runtime.transforms.spigot`.

        Raises:
            InvalidOptionError: A bad path or option; the message names it.
        """
        from glueworks.runtime.locations import parse_location
        from glueworks.runtime.transforms.spigot import parse_spigot_options

        validate_thresholds(stageThreshold, totalThreshold)
        location = parse_location(path, "path", self.glue_ctx.run_context.storage_options)
        topk, prob, seed = parse_spigot_options(options)
        node = SpigotNode(self._plan, location, topk, prob, seed)
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold)


def _parse_keys(paths: object, option: str) -> tuple[tuple[str, ...], ...]:
    """Key paths: one path string or a non-empty list of them."""
    if isinstance(paths, str):
        return (parse_path(paths, option),)
    if not isinstance(paths, Sequence) or not paths:
        raise InvalidOptionError(option, "must be a field path or a non-empty list of field paths")
    return tuple(parse_path(path, f"{option}[{index}]") for index, path in enumerate(paths))


def _other_frame(frame: object, option: str) -> DynamicFrame:
    # The whole plan, `frame`'s part included, runs on the calling frame's context.
    if not isinstance(frame, DynamicFrame):
        raise InvalidOptionError(option, f"must be a DynamicFrame, got {type(frame).__name__}")
    return frame


def _check_partitions(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidOptionError("numPartitions", f"must be an integer >= 1, got {value!r}")
    return value
