"""GlueContext: the entry point scripts use to read and write DynamicFrames.

Inside a job run the context picks up the active `JobRunContext` (its executor, metrics and
run id); outside a job it makes its own, with the local executor, and commits each write at
once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from glueworks.runtime.bookmarks import apply_key_bookmark, split_key_options, with_bookmark
from glueworks.runtime.catalog_client import CatalogClient
from glueworks.runtime.catalog_io import CatalogDataSink, read_catalog_table, write_catalog_table
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.executors import Executed, Executor, make_executor
from glueworks.runtime.executors.stages import run_plan
from glueworks.runtime.executors.writing import write_frame
from glueworks.runtime.frame import DynamicFrame
from glueworks.runtime.io_options import parse_read_options, parse_write_options
from glueworks.runtime.plan import PlanNode, Read
from glueworks.runtime.run_context import JobRunContext, current_context
from glueworks.runtime.sinks.data_sink import DataSink
from glueworks.runtime.sources import DataSource
from glueworks.runtime.spark_stub import SparkSession

_GLUE_KWARGS = frozenset({"minPartitions", "targetPartitions"})


class GlueLogger:
    """The logger `GlueContext.get_logger` returns: Glue's ``info``/``warn``/``error`` names
    over the standard `logging` logger ``glueworks.job``."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def debug(self, message: object) -> None:
        """Log at DEBUG."""
        self._logger.debug("%s", message)

    def info(self, message: object) -> None:
        """Log at INFO."""
        self._logger.info("%s", message)

    def warn(self, message: object) -> None:
        """Log at WARNING (Glue's spelling)."""
        self._logger.warning("%s", message)

    warning = warn

    def error(self, message: object) -> None:
        """Log at ERROR."""
        self._logger.error("%s", message)


class GlueContext:
    """Reads and writes DynamicFrames for a script.

    Args:
        spark_context: Accepted for Glue compatibility (``GlueContext(sc)``) and ignored.
        executor: An `Executor`, or ``"local"``/``"ray"``; by default the run context's.
        run_context: The run to report to; by default the active one, else a standalone one.
        catalog_client: The Data Catalog for ``from_catalog``; by default the one the job driver
            (or ``run-local --catalog-url``) made active.
        **kwargs: Glue's ``minPartitions``/``targetPartitions``, accepted and ignored.

    Attributes:
        create_dynamic_frame: Readers (``from_options``).
        write_dynamic_frame: Writers (``from_options``).
        spark_session: A placeholder; Spark is not available.
    """

    def __init__(
        self,
        spark_context: object = None,
        *,
        executor: Executor | str | None = None,
        run_context: JobRunContext | None = None,
        catalog_client: CatalogClient | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = sorted(set(kwargs) - _GLUE_KWARGS)
        if unknown:
            raise TypeError(f"GlueContext() got unexpected keyword arguments: {', '.join(unknown)}")
        ctx = run_context or current_context()
        if ctx is None:
            ctx = JobRunContext.standalone(executor=executor if isinstance(executor, str) else "local")
        self.run_context = ctx
        if isinstance(executor, Executor):
            self.executor = executor
        else:
            self.executor = make_executor(executor or ctx.executor, ctx.max_parallelism)
        self.spark_context = spark_context
        self.catalog_client = catalog_client
        self.spark_session = SparkSession()
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self._writes = 0

    def __repr__(self) -> str:
        return f"GlueContext(run_id={self.run_context.run_id!r}, executor={self.executor!r})"

    def get_logger(self) -> GlueLogger:
        """A logger for script messages (``logger.info(...)``, ``logger.warn(...)``)."""
        logger = logging.getLogger("glueworks.job")
        if logger.level == logging.NOTSET:
            # Script messages at INFO belong in the run's log, as in Glue.
            logger.setLevel(logging.INFO)
        if not logger.handlers and not logging.getLogger().handlers:
            # Nobody configured logging (a bare job process): write to stderr, which is the run's
            # log. A process that configured logging keeps its own handlers.
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            logger.addHandler(handler)
        return GlueLogger(logger)

    def create_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Same as ``create_dynamic_frame.from_options``."""
        return self.create_dynamic_frame.from_options(*args, **kwargs)

    def write_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Same as ``write_dynamic_frame.from_options``."""
        return self.write_dynamic_frame.from_options(*args, **kwargs)

    def getSource(
        self, connection_type: str, format: str | None = None, transformation_ctx: str = "", **options: Any
    ) -> DataSource:
        """A `DataSource` over files (``setFormat`` then ``getFrame``), as in Glue."""
        return DataSource(self, connection_type, options, format, None, transformation_ctx)

    def getSink(
        self, connection_type: str, format: str | None = None, transformation_ctx: str = "", **options: Any
    ) -> DataSink:
        """A `DataSink` to files (``setFormat`` then ``writeFrame``), as in Glue; with
        ``enableUpdateCatalog=True`` and ``setCatalogInfo(...)`` the output is registered in the
        Data Catalog when committed (see `glueworks.runtime.catalog_io`)."""
        return CatalogDataSink(self, connection_type, options, format, None, transformation_ctx)

    def execute_plan(self, plan: PlanNode) -> Executed:
        """Run a plan on this context's executor, reporting each part to the run context."""
        ctx = self.run_context

        def on_done(meta: Any, counts_input: bool) -> None:
            records = meta.records_read if counts_input else 0
            ctx.record_split(meta.split_id, records, meta.bytes_read, meta.errors)

        return run_plan(self.executor, plan, on_done)

    def next_write_token(self) -> str:
        """A token naming the next write of this context (staging folder and file names)."""
        self._writes += 1
        return f"{self.run_context.run_token}-w{self._writes}"


class DynamicFrameReader:
    """``glueContext.create_dynamic_frame``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context

    def from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """A frame over files (lazy: paths are checked now, listed and read when it runs).

        Args:
            connection_type: ``"s3"`` (any fsspec path the allow-list accepts: local, file://,
                s3://, and memory:// on the local executor).
            connection_options: ``paths``, ``recurse``, ``exclusions``, ``compressionType``,
                ``groupFiles``, ``groupSize`` (see `glueworks.runtime.io_options`).
            format: ``"json"``, ``"csv"``, ``"parquet"``, ``"orc"`` or ``"avro"``.
            format_options: Glue's options of the format (json: ``multiLine``, ``jsonPath``;
                csv: ``separator``, ``quoteChar``, ``escaper``, ``withHeader``, ``skipFirst``,
                ``multiLine``).
            transformation_ctx: Names the frame (bookmarks are not supported yet).
            push_down_predicate: Not supported yet; must be empty.

        Raises:
            InvalidOptionError: An option is missing or invalid; the message names it.
        """
        ctx = self._glue_context.run_context
        # Job bookmarks (H): key columns are a bookmark option, not a read option.
        connection_options, bookmark_keys, keys_order = split_key_options(connection_options)
        source = parse_read_options(
            connection_type,
            connection_options,
            format,
            format_options,
            push_down_predicate,
            kwargs,
            ctx.storage_options,
        )
        for index, location in enumerate(source.locations):
            self._glue_context.executor.check_location(location, f"connection_options.paths[{index}]")
        if bookmark_keys:  # rows past the saved key are new (the whole input is listed and read)
            frame = DynamicFrame(Read(source), self._glue_context, transformation_ctx)
            return apply_key_bookmark(frame, transformation_ctx, bookmark_keys, keys_order)
        # Job bookmarks (H): the source lists only files new since the bookmark of `transformation_ctx`.
        source = with_bookmark(source, transformation_ctx, connection_options)
        return DynamicFrame(Read(source), self._glue_context, transformation_ctx)

    def from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        name_space: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """A frame over a Data Catalog table (its location, format and SerDe options).

        Partitions are chosen now, before any file is listed: ``catalogPartitionPredicate``
        (GetPartitions Expression grammar) is evaluated by the catalog, then
        `push_down_predicate` (Spark SQL over partition columns) here. Rows get the partition
        columns with their catalog types. See `glueworks.runtime.catalog_io`.

        Args:
            database: The database (``name_space`` is Glue's legacy alias).
            table_name: The table.
            redshift_tmp_dir: Accepted for Glue compatibility; must be empty.
            transformation_ctx: Names the frame.
            push_down_predicate: Filter over partition columns, e.g. ``"year = '2026' AND month IN ('10','11')"``.
            additional_options: ``catalogPartitionPredicate``, ``recurse``.
            catalog_id: Accepted for Glue compatibility (one catalog per tenant).

        Raises:
            CatalogNotConfiguredError: No Data Catalog is reachable (the message says how to set one).
            InvalidOptionError: No such table, a bad predicate or option; the message names it.
        """
        if kwargs:
            raise InvalidOptionError(sorted(kwargs)[0], "unknown argument")
        if redshift_tmp_dir:
            raise InvalidOptionError("redshift_tmp_dir", "Redshift is not supported")
        return read_catalog_table(
            self._glue_context,
            str(database if database is not None else name_space or ""),
            str(table_name or ""),
            push_down_predicate,
            additional_options,
            transformation_ctx,
            self._glue_context.catalog_client,
        )


class DynamicFrameWriter:
    """``glueContext.write_dynamic_frame``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context

    def from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Write a frame as files of a format (runs the plan once).

        Files are written to a staging prefix and moved into place on commit: at once outside
        a job, at the end of a successful run inside one.

        Args:
            frame: The frame to write.
            connection_type: ``"s3"``.
            connection_options: ``{"path": ..., "partitionKeys": [...], "compression": ...}``.
            format: ``"parquet"`` (or ``"glueparquet"``), ``"json"``, ``"csv"``, ``"orc"``, ``"avro"``.
            format_options: ``compression`` (per format: see `glueworks.runtime.io_options`);
                csv: ``separator``, ``quoteChar``, ``escaper``, ``writeHeader``.
            transformation_ctx: Accepted for Glue compatibility.

        Returns:
            `frame`, unchanged.

        Raises:
            InvalidOptionError: An option is missing or invalid, or a partition key is not a
                plain top-level column of the frame.
        """
        if not isinstance(frame, DynamicFrame):
            raise InvalidOptionError("frame", f"must be a DynamicFrame, got {type(frame).__name__}")
        glue_context = self._glue_context
        ctx = glue_context.run_context
        options = parse_write_options(
            connection_type, connection_options, format, format_options, kwargs, ctx.storage_options
        )
        glue_context.executor.check_location(options.location, "connection_options.path")
        sink = options.make_sink(glue_context.next_write_token())
        sink.start()
        try:
            ctx.output_started(sink)  # noted before any file is staged: a lost driver's staging is found again
            # Reads, transforms and writes in the same tasks (executors/writing.py); thresholds
            # and partition keys are checked before anything is committed.
            results = write_frame(glue_context, frame, sink, options.check_partition_keys)
            ctx.output_written(sink, results)
        except BaseException:
            sink.abort()
            raise
        return frame

    def from_catalog(
        self,
        frame: DynamicFrame,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        name_space: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Write a frame to a Data Catalog table's location, in the table's format.

        With ``additional_options={"enableUpdateCatalog": True, "partitionKeys": [...],
        "updateBehavior": "UPDATE_IN_DATABASE"}`` new partitions and schema changes are
        registered when the output is committed; the table is created if missing (give a
        ``path`` then). See `glueworks.runtime.catalog_io`.

        Returns:
            `frame`, unchanged.

        Raises:
            CatalogNotConfiguredError: No Data Catalog is reachable.
            InvalidOptionError: No such table, or a bad option; the message names it.
        """
        if kwargs:
            raise InvalidOptionError(sorted(kwargs)[0], "unknown argument")
        if redshift_tmp_dir:
            raise InvalidOptionError("redshift_tmp_dir", "Redshift is not supported")
        return write_catalog_table(
            self._glue_context,
            frame,
            str(database if database is not None else name_space or ""),
            str(table_name or ""),
            additional_options,
            client=self._glue_context.catalog_client,
        )
