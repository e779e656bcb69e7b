"""What `DataSource` and `DataSink` share: a connection type, its options and a format set now or later."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext


class Connection:
    """Options now, I/O later (``getFrame`` on a source, ``writeFrame`` on a sink).

    Args:
        glue_context: The context that reads or writes.
        connection_type: ``"s3"``.
        options: Connection options (``paths``/``path``, ``partitionKeys``, ``compression`` …).
        format: The format name, or None until `setFormat`.
        format_options: Format options.
        transformation_ctx: Names the frame; kept for Glue compatibility.
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
        """Set the format and its options (``setFormat("csv", withHeader=True)``)."""
        self._format = format
        self._format_options = dict(options)
