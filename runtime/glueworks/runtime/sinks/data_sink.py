"""`DataSink`: what ``GlueContext.getSink`` returns (``setFormat`` then ``writeFrame``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glueworks.runtime.connection import Connection

if TYPE_CHECKING:
    from glueworks.runtime.frame import DynamicFrame


class DataSink(Connection):
    """What ``GlueContext.getSink`` returns: options now, a write on `writeFrame` (``from_options``)."""

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
