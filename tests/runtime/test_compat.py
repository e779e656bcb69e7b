"""The awsglue names: the usual Glue preamble and transform classes run on the runtime."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from glueworks.runtime import DynamicFrame, GlueContext, Job, install_awsglue_modules, uninstall_awsglue_modules
from glueworks.runtime.spark_stub import SparkUnavailableError
from glueworks.runtime.utils import getResolvedOptions
from tests.runtime.conftest import read_json, write_json_lines


@pytest.fixture
def awsglue() -> Iterator[None]:
    install_awsglue_modules()
    yield
    uninstall_awsglue_modules()


@pytest.mark.usefixtures("awsglue")
def test_modules_resolve_to_the_runtime() -> None:
    assert importlib.import_module("awsglue.context").GlueContext is GlueContext
    assert importlib.import_module("awsglue.dynamicframe").DynamicFrame is DynamicFrame
    assert importlib.import_module("awsglue.job").Job is Job
    assert importlib.import_module("awsglue.utils").getResolvedOptions is getResolvedOptions
    transforms = importlib.import_module("awsglue.transforms")
    assert {"ApplyMapping", "Filter", "ResolveChoice"} <= set(transforms.__all__)
    namespace: dict[str, object] = {}
    exec("from awsglue.transforms import *", namespace)
    assert "ApplyMapping" in namespace


@pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is not None, reason="a real pyspark is installed (bench extra): no placeholders"
)
@pytest.mark.usefixtures("awsglue")
def test_spark_placeholders_are_harmless_until_used() -> None:
    spark_context = importlib.import_module("pyspark.context").SparkContext
    sc = spark_context.getOrCreate()
    sc.setLogLevel("WARN")
    glue = GlueContext(sc)
    with pytest.raises(SparkUnavailableError, match=r"SparkSession.sql: Spark is not available"):
        glue.spark_session.sql("select 1")
    with pytest.raises(AttributeError):
        sc.parallelize([1])


def test_uninstall_removes_the_names() -> None:
    install_awsglue_modules()
    uninstall_awsglue_modules()
    assert "awsglue" not in sys.modules and "awsglue.transforms" not in sys.modules


@pytest.mark.usefixtures("awsglue")
def test_transform_classes_delegate_to_frame_methods(local_ctx: GlueContext, tmp_path: Path) -> None:
    transforms = importlib.import_module("awsglue.transforms")
    path = write_json_lines(tmp_path / "a.json", [{"n": 1, "k": "a"}, {"n": "2", "k": "b"}, {"n": 3, "k": "c"}])
    frame = read_json(local_ctx, path)
    resolved = transforms.ResolveChoice.apply(frame=frame, specs=[("n", "cast:long")])
    mapped = transforms.ApplyMapping.apply(frame=resolved, mappings=[("n", "long", "value", "int"), ("k", "key")])
    kept = transforms.Filter.apply(frame=mapped, f=lambda r: r["value"] >= 2)
    assert kept.toDF().to_pylist() == [{"value": 2, "key": "b"}, {"value": 3, "key": "c"}]
    assert transforms.ApplyMapping.name() == "ApplyMapping"


def test_the_glue_preamble_runs_unchanged(tmp_path: Path) -> None:
    from glueworks.runtime import run_script

    path = tmp_path / "glue_job.py"
    path.write_text(
        textwrap.dedent(
            """
            import sys
            from awsglue.transforms import *
            from awsglue.utils import getResolvedOptions
            from pyspark.context import SparkContext
            from awsglue.context import GlueContext
            from awsglue.job import Job

            args = getResolvedOptions(sys.argv, ["JOB_NAME"])
            sc = SparkContext.getOrCreate()
            glueContext = GlueContext(sc)
            spark = glueContext.spark_session
            job = Job(glueContext)
            job.init(args["JOB_NAME"], args)
            glueContext.get_logger().info("hello from " + args["JOB_NAME"])
            job.commit()
            assert job.committed
            """
        )
    )
    try:
        run_script(str(path), ["--JOB_NAME", "preamble"])
    finally:
        uninstall_awsglue_modules()
