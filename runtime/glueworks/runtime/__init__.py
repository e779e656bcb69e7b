"""glueworks.runtime: what runs inside a job.

DynamicFrames over Arrow blocks, Glue's GlueContext/Job/getResolvedOptions surface, readers
and writers on fsspec, local and Ray executors, run metrics, and the script runner the job
driver uses. Nothing connects or builds anything at import time.
"""

from glueworks.runtime.catalog_client import CatalogClient, HttpCatalogClient, use_catalog
from glueworks.runtime.collection import DynamicFrameCollection
from glueworks.runtime.compat import install_awsglue_modules, uninstall_awsglue_modules
from glueworks.runtime.context import GlueContext, GlueLogger
from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.errors import (
    ErrorThresholdExceededError,
    GlueworksError,
    InvalidOptionError,
    MissingArgumentError,
    SchemaError,
    ScriptFailedError,
    ScriptSyntaxError,
    UnsafePathError,
)
from glueworks.runtime.executors import Executor, LocalExecutor, RayExecutor
from glueworks.runtime.frame import DynamicFrame
from glueworks.runtime.job import Job
from glueworks.runtime.local_run import LocalRunResult, run_local
from glueworks.runtime.metrics import RunMetrics
from glueworks.runtime.record import DynamicRecord
from glueworks.runtime.run_context import JobRunContext, activate, current_context
from glueworks.runtime.script_runner import check_script_syntax, run_script
from glueworks.runtime.utils import getResolvedOptions

__all__ = [
    "CatalogClient",
    "DynamicFrame",
    "DynamicFrameCollection",
    "DynamicRecord",
    "ErrorRecord",
    "ErrorThresholdExceededError",
    "Executor",
    "GlueContext",
    "GlueLogger",
    "GlueworksError",
    "HttpCatalogClient",
    "InvalidOptionError",
    "Job",
    "JobRunContext",
    "LocalExecutor",
    "LocalRunResult",
    "MissingArgumentError",
    "RayExecutor",
    "RunMetrics",
    "SchemaError",
    "ScriptFailedError",
    "ScriptSyntaxError",
    "UnsafePathError",
    "activate",
    "check_script_syntax",
    "current_context",
    "getResolvedOptions",
    "install_awsglue_modules",
    "run_local",
    "run_script",
    "uninstall_awsglue_modules",
    "use_catalog",
]
