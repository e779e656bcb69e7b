"""Glue's transform classes (``awsglue.transforms``): ``Cls.apply(frame=..., ...)``.

Each class delegates to the `DynamicFrame` method of the same meaning.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

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


ALL_TRANSFORMS = (ApplyMapping, ResolveChoice, Filter)
