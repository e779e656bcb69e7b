"""`client.scripts`: upload job scripts to the platform's script store."""

from __future__ import annotations

from glueworks.sdk._transport import Transport, path_segment
from glueworks.sdk.models import ScriptUpload


class Scripts:
    """Operations on job scripts; reached as `client.scripts`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def upload(self, filename: str, source: str | bytes) -> ScriptUpload:
        """Store a script; uploading the same name again replaces it (so the request is safe to retry).

        Args:
            filename: Name to store it under, e.g. `etl.py` (a name, not a path).
            source: The script; text is sent as UTF-8.

        Returns:
            Where it was stored; use `script_location` as the job's `command.script_location`.

        Raises:
            ValueError: If `filename` is empty or contains a slash.
            InvalidInputException: The script does not parse (the message has the line).
        """
        if "/" in filename or "\\" in filename:
            raise ValueError(f"filename must be a bare file name, got {filename!r}")
        body = source.encode("utf-8") if isinstance(source, str) else source
        content_type = "text/x-python" if filename.endswith(".py") else "application/octet-stream"
        return self._transport.request_model(
            ScriptUpload,
            "PUT",
            f"/scripts/{path_segment(filename, 'filename')}",
            content=body,
            content_type=content_type,
        )
