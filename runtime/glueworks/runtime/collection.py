"""DynamicFrameCollection: named DynamicFrames, as `split_fields`, `split_rows` and
`relationalize` return them.

A read-only mapping of name to frame with Glue's methods: ``keys()``, ``values()``, ``[name]``,
``select(name)``, ``map(f)`` and ``flatmap(f)``. Frames stay lazy; nothing runs until an action
on one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.frame import DynamicFrame
from glueworks.runtime.plan import FromTables

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext


class DynamicFrameCollection(Mapping[str, DynamicFrame]):
    """Frames by name.

    Args:
        dynamic_frames: A dict of name to frame, or a list of frames (keyed by their names).
        glue_ctx: The `GlueContext` the frames run on.

    Raises:
        InvalidOptionError: `dynamic_frames` is neither, holds something other than frames, or
            a list holds two frames of one name.

    Example:
        >>> parts = frame.split_fields(["id", "name"], "ids", "rest")  # doctest: +SKIP
        >>> sorted(parts.keys())  # doctest: +SKIP
        ['ids', 'rest']
    """

    def __init__(
        self, dynamic_frames: Mapping[str, DynamicFrame] | Sequence[DynamicFrame], glue_ctx: GlueContext
    ) -> None:
        frames: dict[str, DynamicFrame] = {}
        if isinstance(dynamic_frames, Mapping):
            frames = dict(dynamic_frames)
        elif isinstance(dynamic_frames, Sequence) and not isinstance(dynamic_frames, str | bytes):
            for index, frame in enumerate(dynamic_frames):
                name = frame.name if isinstance(frame, DynamicFrame) else ""
                if name in frames:
                    raise InvalidOptionError(f"dynamic_frames[{index}]", f"a second frame named {name!r}")
                frames[name] = frame
        else:
            raise InvalidOptionError("dynamic_frames", f"must be a dict or list, got {type(dynamic_frames).__name__}")
        for key, frame in frames.items():
            if not isinstance(frame, DynamicFrame):
                raise InvalidOptionError(
                    f"dynamic_frames[{key!r}]", f"must be a DynamicFrame, got {type(frame).__name__}"
                )
        self._frames = frames
        self.glue_ctx = glue_ctx

    def __getitem__(self, key: str) -> DynamicFrame:
        return self._frames[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def __repr__(self) -> str:
        return f"DynamicFrameCollection({list(self._frames)!r})"

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        """The frame named `key`; as in Glue, an unknown key gives an empty frame (no records,
        no fields) rather than an error."""
        if key in self._frames:
            return self._frames[key]
        return DynamicFrame(FromTables(key, ()), self.glue_ctx, key)

    def map(self, callable: Callable[[DynamicFrame, str], Any], transformation_ctx: str = "") -> DynamicFrameCollection:
        """Apply ``callable(frame, ctx)`` to every frame; the results keep their keys.

        `ctx` is ``"<transformation_ctx>:<key>"``.

        Raises:
            TypeError: `callable` returned something other than a DynamicFrame.
        """
        out: dict[str, DynamicFrame] = {}
        for key, frame in self._frames.items():
            result = callable(frame, f"{transformation_ctx}:{key}")
            if not isinstance(result, DynamicFrame):
                raise TypeError(
                    f"map: the function must return a DynamicFrame, got {type(result).__name__} for {key!r}"
                )
            out[key] = result
        return DynamicFrameCollection(out, self.glue_ctx)

    def flatmap(self, f: Callable[[DynamicFrame, str], Any], transformation_ctx: str = "") -> DynamicFrameCollection:
        """Apply ``f(frame, ctx)`` to every frame and gather the results in one collection.

        A returned frame is keyed by its name; a returned collection adds all its frames (a
        later name replaces an earlier one, as in Glue). `ctx` is ``"<transformation_ctx>:<name>"``.

        Raises:
            TypeError: `f` returned neither a DynamicFrame nor a DynamicFrameCollection.
        """
        out: dict[str, DynamicFrame] = {}
        for frame in self._frames.values():
            result = f(frame, f"{transformation_ctx}:{frame.name}")
            if isinstance(result, DynamicFrame):
                out[result.name] = result
            elif isinstance(result, DynamicFrameCollection):
                out.update(result)
            else:
                raise TypeError(
                    "flatmap: the function must return a DynamicFrame or DynamicFrameCollection, "
                    f"got {type(result).__name__} for {frame.name!r}"
                )
        return DynamicFrameCollection(out, self.glue_ctx)
