"""``Job``: the ``job.init(...)`` / ``job.commit()`` bracket of a Glue script."""

from __future__ import annotations

from collections.abc import Mapping

from glueworks.runtime.context import GlueContext
from glueworks.runtime.errors import InvalidOptionError


class Job:
    """Marks the start and the successful end of a script's work.

    ``commit()`` records that the script reached its end; inside a job, output becomes visible
    when the run finishes successfully, and the job bookmark advances only if ``commit()`` was
    called (Glue's rule; see `glueworks.runtime.bookmarks`).

    Args:
        glue_context: The script's `GlueContext`.
    """

    def __init__(self, glue_context: GlueContext) -> None:
        if not isinstance(glue_context, GlueContext):
            raise InvalidOptionError("glue_context", f"must be a GlueContext, got {type(glue_context).__name__}")
        self._glue_context = glue_context
        self.name: str | None = None
        self.args: dict[str, str] = {}
        self._committed = False

    def init(self, job_name: str, args: Mapping[str, str] | None = None) -> None:
        """Start the job.

        Args:
            job_name: The job's name, usually ``args["JOB_NAME"]``.
            args: The resolved arguments.

        Raises:
            InvalidOptionError: `job_name` is empty or `args` is not a dict.
        """
        if not isinstance(job_name, str) or not job_name:
            raise InvalidOptionError("job_name", "must be a non-empty string")
        if args is not None and not isinstance(args, Mapping):
            raise InvalidOptionError("args", f"must be a dict, got {type(args).__name__}")
        self.name = job_name
        self.args = dict(args or {})

    def commit(self) -> None:
        """Record that the script finished its work (calling it twice is harmless)."""
        self._committed = True
        self._glue_context.run_context.mark_job_committed()

    @property
    def committed(self) -> bool:
        """Whether `commit` was called."""
        return self._committed
