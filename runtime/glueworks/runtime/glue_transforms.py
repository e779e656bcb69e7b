"""Glue's transform classes (``awsglue.transforms``): ``Cls.apply(frame=..., ...)``.

Each class delegates to the `DynamicFrame` method of the same meaning.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from glueworks.runtime.collection import DynamicFrameCollection
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.frame import DynamicFrame
from glueworks.runtime.record import DynamicRecord


class GlueTransform(ABC):
    """Base of the transform classes: ``apply`` builds an instance and calls it."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Run the transform, e.g. ``ApplyMapping.apply(frame=f, mappings=[...])``."""
        return cls()(*args, **kwargs)  # type: ignore[no-any-return]

    @classmethod
    def name(cls) -> str:
        """The transform's name."""
        return cls.__name__

    @abstractmethod
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Apply the transform to a frame."""


def _frame(frame: object) -> DynamicFrame:
    if not isinstance(frame, DynamicFrame):
        raise InvalidOptionError("frame", f"must be a DynamicFrame, got {type(frame).__name__}")
    return frame


class ApplyMapping(GlueTransform):
    """Select, rename and cast fields (`DynamicFrame.apply_mapping`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).apply_mapping(
            mappings, case_sensitive, transformation_ctx, info, stageThreshold, totalThreshold
        )


class ResolveChoice(GlueTransform):
    """Resolve Choice columns (`DynamicFrame.resolveChoice`)."""

    def __call__(
        self,
        frame: DynamicFrame,
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
        return _frame(frame).resolveChoice(
            specs, choice, database, table_name, transformation_ctx, info, stageThreshold, totalThreshold, catalog_id
        )


class Filter(GlueTransform):
    """Keep records a predicate accepts (`DynamicFrame.filter`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable[[DynamicRecord], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).filter(f, transformation_ctx, info, stageThreshold, totalThreshold)


class SelectFields(GlueTransform):
    """Keep only the listed fields (`DynamicFrame.select_fields`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).select_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class DropFields(GlueTransform):
    """Remove the listed fields (`DynamicFrame.drop_fields`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).drop_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class RenameField(GlueTransform):
    """Rename or move one field (`DynamicFrame.rename_field`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        old_name: str,
        new_name: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).rename_field(old_name, new_name, transformation_ctx, info, stageThreshold, totalThreshold)


class SplitFields(GlueTransform):
    """Split fields into two frames (`DynamicFrame.split_fields`); returns a collection."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        name1: str | None = None,
        name2: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        source = _frame(frame)
        # Without names: the frame's name with _1 and _2.
        first = name1 if name1 is not None else f"{source.name}_1"
        second = name2 if name2 is not None else f"{source.name}_2"
        return source.split_fields(paths, first, second, transformation_ctx, info, stageThreshold, totalThreshold)


class SplitRows(GlueTransform):
    """Split records into two frames by comparisons (`DynamicFrame.split_rows`); returns a
    collection."""

    def __call__(
        self,
        frame: DynamicFrame,
        comparison_dict: dict[str, dict[str, Any]],
        name1: str = "frame1",
        name2: str = "frame2",
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return _frame(frame).split_rows(
            comparison_dict, name1, name2, transformation_ctx, info, stageThreshold, totalThreshold
        )


class DropNullFields(GlueTransform):
    """Drop fields null in every record (`DynamicFrame.drop_null_fields`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).drop_null_fields(transformation_ctx, info, stageThreshold, totalThreshold)


class Map(GlueTransform):
    """Replace each record by ``f(record)`` (`DynamicFrame.map`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable[[DynamicRecord], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).map(f, preservesPartitioning, transformation_ctx, info, stageThreshold, totalThreshold)


class Unbox(GlueTransform):
    """Parse a JSON string field into structured values (`DynamicFrame.unbox`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        return _frame(frame).unbox(path, format, transformation_ctx, info, stageThreshold, totalThreshold, **options)


class ErrorsAsDynamicFrame(GlueTransform):
    """The error records behind a frame (`DynamicFrame.errorsAsDynamicFrame`)."""

    def __call__(self, frame: DynamicFrame) -> DynamicFrame:
        return _frame(frame).errorsAsDynamicFrame()


def _collection(dfc: object) -> DynamicFrameCollection:
    if not isinstance(dfc, DynamicFrameCollection):
        raise InvalidOptionError("dfc", f"must be a DynamicFrameCollection, got {type(dfc).__name__}")
    return dfc


class SelectFromCollection(GlueTransform):
    """One frame of a collection (`DynamicFrameCollection.select`)."""

    def __call__(self, dfc: DynamicFrameCollection, key: str, transformation_ctx: str = "") -> DynamicFrame:
        return _collection(dfc).select(key, transformation_ctx)


class MapToCollection(GlueTransform):
    """Apply ``callable(frame, ctx)`` to every frame of a collection
    (`DynamicFrameCollection.map`)."""

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        callable: Callable[[DynamicFrame, str], Any],
        transformation_ctx: str = "",
    ) -> DynamicFrameCollection:
        return _collection(dfc).map(callable, transformation_ctx)


class FlatMap(GlueTransform):
    """Apply a transform to every frame of a collection and gather the results
    (`DynamicFrameCollection.flatmap`).

    `BaseTransform` is either a transform class, called as
    ``BaseTransform.apply(**{frame_name: frame}, transformation_ctx=ctx, **base_kwargs)`` as in
    Glue, or a function ``f(frame, ctx)`` returning a frame or a collection.
    """

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        BaseTransform: type[GlueTransform] | Callable[[DynamicFrame, str], Any],
        frame_name: str = "frame",
        transformation_ctx: str = "",
        **base_kwargs: Any,
    ) -> DynamicFrameCollection:
        collection = _collection(dfc)
        if isinstance(BaseTransform, type) and issubclass(BaseTransform, GlueTransform):
            transform = BaseTransform

            def apply_inner(frame: DynamicFrame, ctx: str) -> Any:
                return transform.apply(**{**base_kwargs, frame_name: frame, "transformation_ctx": ctx})

            return collection.flatmap(apply_inner, transformation_ctx)
        if not callable(BaseTransform):
            raise InvalidOptionError("BaseTransform", "must be a transform class or a function (frame, ctx)")
        if base_kwargs:
            raise InvalidOptionError(sorted(base_kwargs)[0], "extra arguments need a transform class, not a function")
        return collection.flatmap(BaseTransform, transformation_ctx)


class Relationalize(GlueTransform):
    """Flatten a frame into a root table and one table per array path
    (`DynamicFrame.relationalize`); returns a collection."""

    def __call__(
        self,
        frame: DynamicFrame,
        staging_path: str | None = None,
        name: str = "roottable",
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return _frame(frame).relationalize(
            name, staging_path, options, transformation_ctx, info, stageThreshold, totalThreshold
        )


class UnnestFrame(GlueTransform):
    """Flatten nested structs into top-level ``a.b`` columns (`DynamicFrame.unnest`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).unnest(transformation_ctx, info, stageThreshold, totalThreshold)


class Join(GlueTransform):
    """Inner equi-join of two frames on ``keys1``/``keys2`` (`DynamicFrame.join`)."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        keys1: str | Sequence[str],
        keys2: str | Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        if not isinstance(frame1, DynamicFrame):
            raise InvalidOptionError("frame1", f"must be a DynamicFrame, got {type(frame1).__name__}")
        return frame1.join(keys1, keys2, frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Union(GlueTransform):
    """Every record of two frames (`DynamicFrame.union`)."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        if not isinstance(frame1, DynamicFrame):
            raise InvalidOptionError("frame1", f"must be a DynamicFrame, got {type(frame1).__name__}")
        return frame1.union(frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Repartition(GlueTransform):
    """Cut a frame into `numPartitions` balanced parts (`DynamicFrame.repartition`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        numPartitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).repartition(numPartitions, transformation_ctx, info, stageThreshold, totalThreshold)


class Coalesce(GlueTransform):
    """Merge a frame's parts into at most `numPartitions` (`DynamicFrame.coalesce`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        numPartitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).coalesce(numPartitions, shuffle, transformation_ctx, info, stageThreshold, totalThreshold)


class Spigot(GlueTransform):
    """Write a sample of a frame's records to `path`; the frame passes on (`DynamicFrame.spigot`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).spigot(path, options, transformation_ctx, info, stageThreshold, totalThreshold)


class MergeDynamicFrame(GlueTransform):
    """Upsert a staging frame into a frame by primary keys (`DynamicFrame.mergeDynamicFrame`)."""

    def __call__(
        self,
        frame: DynamicFrame,
        stage_dynamic_frame: DynamicFrame,
        primary_keys: str | Sequence[str],
        transformation_ctx: str = "",
        options: dict[str, Any] | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return _frame(frame).mergeDynamicFrame(
            stage_dynamic_frame, primary_keys, transformation_ctx, options, info, stageThreshold, totalThreshold
        )


ALL_TRANSFORMS = (
    ApplyMapping,
    ResolveChoice,
    Filter,
    SelectFields,
    DropFields,
    RenameField,
    SplitFields,
    SplitRows,
    DropNullFields,
    Map,
    Unbox,
    ErrorsAsDynamicFrame,
    SelectFromCollection,
    MapToCollection,
    FlatMap,
    Relationalize,
    UnnestFrame,
    Join,
    Union,
    Repartition,
    Coalesce,
    Spigot,
    MergeDynamicFrame,
)
