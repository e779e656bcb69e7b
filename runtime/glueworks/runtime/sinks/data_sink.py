"""`DataSink`: what ``GlueContext.getSink`` returns (``setFormat`` then ``writeFrame``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.frame import DynamicFrame


class DataSink:
    """Options now, a write on `writeFrame` (through ``write_dynamic_frame.from_options``).

    Args:
        glue_context: The context that writes.
        connection_type: ``"s3"``.
        options: Connection options (``path``, ``partitionKeys``, ``compression``).
        format: The format name, or None until `setFormat`.
        format_options: Format options.
        transformation_ctx: Accepted for Glue compatibility.
    """

    def __init__(
        self,
        glue_context: GlueContext,
        connection_type: str,
        options: Mapping[str, Any],
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> None:
        self._glue_context = glue_context
        self._connection_type = connection_type
        self._options = dict(options)
        self._format = format
        self._format_options = dict(format_options or {})
        self._transformation_ctx = transformation_ctx

    def setFormat(self, format: str, **options: Any) -> None:
        """Set the format and its options (``setFormat("csv", writeHeader=False)``)."""
        self._format = format
        self._format_options = dict(options)

    def setCatalogInfo(self, catalogDatabase: str, catalogTableName: str, catalogId: str = "") -> None:
        """Not supported yet: updating the Data Catalog from a job."""
        from glueworks.runtime.errors import InvalidOptionError

        raise InvalidOptionError("setCatalogInfo", "updating the Data Catalog from a job is not supported yet")

    def writeFrame(self, dynamic_frame: DynamicFrame, info: str = "") -> DynamicFrame:
        """Write the frame (runs its plan once); returns it unchanged."""
        return self._glue_context.write_dynamic_frame.from_options(
            frame=dynamic_frame,
            connection_type=self._connection_type,
            connection_options=self._options,
            format=self._format,
            format_options=self._format_options,
            transformation_ctx=self._transformation_ctx,
        )

    write = writeFrame
