"""Stand-ins for Spark objects, so the usual Glue preamble runs where Spark does not exist.

``SparkContext.getOrCreate()``, ``sc.setLogLevel(...)`` and ``glueContext.spark_session``
work; using Spark for real raises `SparkUnavailableError` naming what was asked for.
"""

from __future__ import annotations

from typing import Any

from glueworks.runtime.errors import GlueworksError


class SparkUnavailableError(GlueworksError, AttributeError):
    """A script used a Spark feature; glueworks runs DynamicFrames on Arrow, without Spark."""


class SparkPlaceholder:
    """A harmless stand-in: a few no-op calls, a clear error for anything else."""

    _NO_OPS = frozenset({"setLogLevel", "stop", "setJobGroup", "setLocalProperty"})

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<{self._name}: Spark is not available in glueworks>"

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if attribute in self._NO_OPS:
            return _no_op
        raise SparkUnavailableError(
            f"{self._name}.{attribute}: Spark is not available in glueworks; "
            "use DynamicFrame methods (toDF() returns a pyarrow.Table)"
        )


def _no_op(*args: Any, **kwargs: Any) -> None:
    return None


class SparkContext(SparkPlaceholder):
    """Placeholder for ``pyspark.context.SparkContext``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("SparkContext")

    @classmethod
    def getOrCreate(cls, conf: Any = None) -> SparkContext:
        """Return a placeholder context."""
        return cls()


class SparkSession(SparkPlaceholder):
    """Placeholder for ``pyspark.sql.SparkSession``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("SparkSession")
