"""The per-block field and record transforms of `DynamicFrame`: select_fields, drop_fields,
rename_field, split_fields, split_rows, drop_null_fields, map and unbox.

They live in a base class of `DynamicFrame` so that frame.py stays small; each method only
validates its arguments and adds a plan node (the work is in ``glueworks.runtime.transforms``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.paths import parse_path
from glueworks.runtime.plan import DropFields, Map, RenameField, SelectFields, SplitRows, Unbox
from glueworks.runtime.thresholds import validate_thresholds
from glueworks.runtime.transforms.drop_fields import check_drop_paths
from glueworks.runtime.transforms.drop_null_fields import null_paths
from glueworks.runtime.transforms.rename_field import check_rename_paths
from glueworks.runtime.transforms.select_fields import outermost, parse_paths
from glueworks.runtime.transforms.split_rows import parse_comparisons
from glueworks.runtime.transforms.unbox import check_format

if TYPE_CHECKING:
    import pyarrow as pa

    from glueworks.runtime.collection import DynamicFrameCollection
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.frame import DynamicFrame
    from glueworks.runtime.plan import PlanNode
    from glueworks.runtime.record import DynamicRecord


class FieldTransforms:
    """Transforms that reshape fields or records block by block (a base of `DynamicFrame`)."""

    if TYPE_CHECKING:
        # Provided by DynamicFrame.
        _plan: PlanNode
        glue_ctx: GlueContext

        def _derive(
            self,
            node: PlanNode,
            transformation_ctx: str,
            stageThreshold: int = 0,
            totalThreshold: int = 0,
            name: str = "",
        ) -> DynamicFrame: ...

        def schema(self) -> pa.Schema: ...

    def select_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Keep only the fields at `paths` (``a.b`` keeps just ``b`` inside struct ``a``;
        ``items[].sku`` keeps just ``sku`` inside each element of array ``items``).

        A path no record has selects nothing (no error, as in Glue). Columnar.

        Raises:
            InvalidOptionError: `paths` is empty or a path is malformed.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        node = SelectFields(self._plan, parse_paths(paths, arrays=True))
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold)

    def drop_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Remove the fields at `paths`; a path no record has is ignored (as in Glue). Columnar.

        ``items[].qty`` removes ``qty`` from every element of array ``items``.

        Raises:
            InvalidOptionError: `paths` is empty or a path is malformed.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        parsed = parse_paths(paths, arrays=True)
        check_drop_paths(parsed)
        node = DropFields(self._plan, outermost(parsed))
        return self._derive(node, transformation_ctx, stageThreshold, totalThreshold)

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Rename (or move) the field at full path `oldName` to full path `newName`.

        Back-tick names that hold dots (```a.b```). An unknown `oldName` changes nothing (as in
        Glue); a field already at `newName` is replaced. Columnar.

        Raises:
            InvalidOptionError: A path is malformed, or `newName` lies inside `oldName`.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        old, new = parse_path(oldName, "oldName", arrays=True), parse_path(newName, "newName", arrays=True)
        check_rename_paths(old, new)
        if len(new) > len(old) and new[: len(old)] == old:
            raise InvalidOptionError("newName", f"{newName!r} lies inside the field it renames ({oldName!r})")
        return self._derive(RenameField(self._plan, old, new), transformation_ctx, stageThreshold, totalThreshold)

    def split_fields(
        self,
        paths: Sequence[str],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Split the fields in two frames: `name1` holds the fields at `paths`, `name2` the rest.

        Returns:
            A `DynamicFrameCollection` ``{name1: …, name2: …}``; each frame runs on its own.

        Raises:
            InvalidOptionError: Bad paths, or names that are empty or equal.
        """
        from glueworks.runtime.collection import DynamicFrameCollection

        validate_thresholds(stageThreshold, totalThreshold)
        _check_names(name1, name2)
        parsed = parse_paths(paths)
        selected = SelectFields(self._plan, parsed)
        rest = DropFields(self._plan, outermost(parsed))
        frames = {
            name1: self._derive(selected, transformation_ctx, stageThreshold, totalThreshold, name1),
            name2: self._derive(rest, transformation_ctx, stageThreshold, totalThreshold, name2),
        }
        return DynamicFrameCollection(frames, self.glue_ctx)

    def split_rows(
        self,
        comparison_dict: dict[str, dict[str, Any]],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Split the records in two frames by comparisons, e.g. ``{"age": {">": 10, "<": 20}}``.

        `name1` gets the records meeting every comparison, `name2` all others (null, missing
        or incomparable values included), so every record lands in exactly one. Columnar.

        Raises:
            InvalidOptionError: A malformed comparison (unknown operator, non-scalar value), or
                names that are empty or equal.
        """
        from glueworks.runtime.collection import DynamicFrameCollection

        validate_thresholds(stageThreshold, totalThreshold)
        _check_names(name1, name2)
        comparisons = parse_comparisons(comparison_dict)
        matching, others = SplitRows(self._plan, comparisons, True), SplitRows(self._plan, comparisons, False)
        frames = {
            name1: self._derive(matching, transformation_ctx, stageThreshold, totalThreshold, name1),
            name2: self._derive(others, transformation_ctx, stageThreshold, totalThreshold, name2),
        }
        return DynamicFrameCollection(frames, self.glue_ctx)

    def drop_null_fields(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Drop the fields that are null or missing in every record (null-typed in the schema).

        Cost: computes the frame schema now (one pass over the input unless cached); the
        drop itself is columnar. A typed column (Parquet) holding only nulls stays, as in Glue.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        paths = null_paths(self.schema())
        return self._derive(DropFields(self._plan, tuple(paths)), transformation_ctx, stageThreshold, totalThreshold)

    def map(
        self,
        f: Callable[[DynamicRecord], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Replace each record by ``f(record)`` (record-level Python: the slow path).

        `f` gets a `DynamicRecord` (a dict) and returns a dict. If it raises, returns None or
        returns a non-dict, that record becomes an error record (stage ``map``) with the
        reason; the job goes on. Output types are inferred from the returned values.
        """
        validate_thresholds(stageThreshold, totalThreshold)
        if not callable(f):
            raise InvalidOptionError("f", f"must be callable, got {type(f).__name__}")
        return self._derive(Map(self._plan, f), transformation_ctx, stageThreshold, totalThreshold)

    def unbox(
        self,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        """Parse the JSON text in the string field at `path` into structured values.

        A value that is not valid JSON makes its record an error record (stage ``unbox``).

        Raises:
            InvalidOptionError: A malformed path, a format other than ``json``, or options
                (json takes none).
        """
        validate_thresholds(stageThreshold, totalThreshold)
        parsed = parse_path(path, "path")
        fmt = check_format(format)
        if options:
            raise InvalidOptionError(sorted(options)[0], f"unbox format {fmt!r} takes no options")
        return self._derive(Unbox(self._plan, parsed, fmt), transformation_ctx, stageThreshold, totalThreshold)


def _check_names(name1: str, name2: str) -> None:
    for option, value in (("name1", name1), ("name2", name2)):
        if not isinstance(value, str) or not value:
            raise InvalidOptionError(option, "must be a non-empty string")
    if name1 == name2:
        raise InvalidOptionError("name2", f"must differ from name1 ({name1!r})")
