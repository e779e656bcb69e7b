"""run-local: a Glue script runs in process on the local executor, as one job run, without a server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from glueworks.runtime import DynamicFrame, GlueContext, install_awsglue_modules, run_local
from glueworks.runtime.local_run import EXIT_FAILED, EXIT_USAGE, glue_arguments, main
from glueworks.sdk.cli import create_cli
from tests.runtime.conftest import write_json_lines

# The script of docs/local-development.md: logic in a function, the job under __main__.
ETL = """
import sys

from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.transforms import ApplyMapping, Filter, ResolveChoice


def clean_orders(orders: DynamicFrame) -> DynamicFrame:
    orders = ResolveChoice.apply(frame=orders, specs=[("total", "cast:double")])
    orders = ApplyMapping.apply(
        frame=orders,
        mappings=[
            ("order_id", "string", "order_id", "string"),
            ("total", "double", "total", "double"),
            ("status", "string", "status", "string"),
        ],
    )
    return Filter.apply(frame=orders, f=lambda o: o["status"] == "paid" and o["total"] is not None)


if __name__ == "__main__":
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "output_path"])
    glue = GlueContext(SparkContext.getOrCreate())
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    raw = glue.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [args["input_path"]]}, format="json"
    )
    glue.write_dynamic_frame.from_options(
        frame=clean_orders(raw), connection_type="s3",
        connection_options={"path": args["output_path"]}, format="parquet",
    )
    job.commit()
"""

# Records its arguments, writes output, then fails when asked to (after the write).
ECHO = """
import json, sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "input_path", "output_path", "fail"])
with open(args["output_path"] + ".args.json", "w") as handle:
    json.dump(args, handle)
glue = GlueContext()
frame = glue.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [args["input_path"]]}, format="json")
glue.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3", connection_options={"path": args["output_path"]}, format="parquet")
if args["fail"] == "yes":
    raise ValueError(f"asked to fail after writing {frame.count()} records")
"""


def write_script(folder: Path, source: str, name: str = "echo_job.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def orders_input(folder: Path) -> Path:
    return write_json_lines(
        folder / "in" / "orders.json",
        [
            {"order_id": "o-1", "total": "12.50", "status": "paid"},
            {"order_id": "o-2", "total": 3, "status": "cancelled"},
            b"not json",
            {"order_id": "o-3", "total": "n/a", "status": "paid"},
            {"order_id": "o-4", "total": 8, "status": "paid"},
        ],
    )


def test_a_script_runs_as_a_job_run_with_glue_arguments(tmp_path: Path) -> None:
    script = write_script(tmp_path, ECHO)
    source = orders_input(tmp_path)
    out, errors = tmp_path / "out", tmp_path / "errors.jsonl"
    args = ["--input_path", str(source), "--output_path", str(out), "--fail", "no"]

    result = run_local(script, args, error_records_location=str(errors))

    assert result.succeeded, result.error
    passed = json.loads((tmp_path / "out.args.json").read_text())
    assert passed["JOB_NAME"] == result.job_name == "echo_job"  # the script's stem
    assert passed["JOB_RUN_ID"] == result.run_id and result.run_id.startswith("local-")
    assert result.metrics["records_read"] == 4
    assert result.metrics["records_written"] == pq.read_table(out).num_rows == 4
    assert result.metrics["error_records"] == 1
    assert result.metrics["output_locations"] == [str(out)]
    assert result.metrics["error_records_location"] == str(errors)
    (error,) = [json.loads(line) for line in errors.read_text().splitlines()]
    assert (error["file"].endswith("orders.json"), error["line"], error["raw"]) == (True, 3, "not json")
    assert "awsglue" not in sys.modules  # the run cleans up the names it installed


def test_a_failing_script_reports_type_message_line_and_leaves_no_output(tmp_path: Path) -> None:
    script = write_script(tmp_path, ECHO)
    out = tmp_path / "out"
    args = ["--input_path", str(orders_input(tmp_path)), "--output_path", str(out), "--fail", "yes"]
    printed = io.StringIO()

    status = main(str(script), args, error_records_location=str(tmp_path / "errors"), out=printed)

    assert status == EXIT_FAILED
    text = printed.getvalue()
    assert "state            FAILED" in text
    line = (
        textwrap.dedent(ECHO)
        .lstrip()
        .splitlines()
        .index('    raise ValueError(f"asked to fail after writing {frame.count()} records")')
        + 1
    )
    assert f"error            ValueError: asked to fail after writing 4 records (echo_job.py, line {line})" in text
    assert not out.exists()  # staged output was removed, never committed
    # The error records of a failed run are still kept.
    (errors_file,) = (tmp_path / "errors").glob("*.jsonl")
    assert len(errors_file.read_text().splitlines()) == 1
    assert f"error records    1  (kept at {errors_file})" in text


def test_given_job_name_and_run_id_are_kept() -> None:
    argv, job_name, run_id = glue_arguments("jobs/etl.py", ["--JOB_NAME=nightly", "--x", "1"], run_id="r1")
    assert (job_name, run_id) == ("nightly", "r1")
    assert argv == ["--JOB_NAME=nightly", "--x", "1", "--JOB_RUN_ID", "r1"]
    argv, job_name, run_id = glue_arguments("etl.py", ["--JOB_RUN_ID", "jr_7"])
    assert (job_name, run_id) == ("etl", "jr_7")
    assert argv == ["--JOB_RUN_ID", "jr_7", "--JOB_NAME", "etl"]


def test_a_missing_script_is_a_usage_error(tmp_path: Path) -> None:
    assert main(str(tmp_path / "nope.py"), []) == EXIT_USAGE


def test_the_cli_passes_everything_after_the_script_to_it(tmp_path: Path) -> None:
    script = write_script(tmp_path, ECHO)
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["--input_path", str(orders_input(tmp_path)), "--output_path", str(out)]
    cli = create_cli()

    ok = runner.invoke(
        cli, ["run-local", "--error-records", str(tmp_path / "e.jsonl"), str(script), *args, "--fail", "no"]
    )
    assert ok.exit_code == 0, ok.output
    assert "state            SUCCEEDED" in ok.output and "records written  4" in ok.output
    assert f"kept at {tmp_path / 'e.jsonl'}" in ok.output

    errors = tmp_path / "e2.jsonl"
    failed = runner.invoke(
        cli, ["run-local", "--error-records", str(errors), str(script), *args, "--fail", "yes", "--error-records", "x"]
    )
    assert failed.exit_code == EXIT_FAILED, failed.output
    assert "ValueError: asked to fail" in failed.output
    # An option after the script belongs to the script, which ignores it: run-local's came first.
    assert f"kept at {errors}" in failed.output and errors.is_file()

    missing = runner.invoke(cli, ["run-local", str(tmp_path / "nope.py")])
    assert missing.exit_code == EXIT_USAGE


def test_the_cli_names_the_runtime_extra_when_it_is_missing(tmp_path: Path) -> None:
    probe = textwrap.dedent(
        f"""
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "pyarrow":
                    raise ImportError("blocked", name=name)
                return None

        sys.meta_path.insert(0, Blocker())
        from glueworks.sdk.cli import main
        main(["run-local", {str(tmp_path / "job.py")!r}])
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "needs the runtime extra" in result.stderr and "glueworks[runtime]" in result.stderr


def test_the_console_command_runs_a_script(tmp_path: Path) -> None:
    script = write_script(tmp_path, "import sys\nprint('ARGS', sys.argv[1:])\n", name="hello.py")
    result = subprocess.run(
        [sys.executable, "-c", "from glueworks.sdk.cli import main; main()", "run-local", str(script), "--day", "mon"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "ARGS ['--day', 'mon', '--JOB_NAME', 'hello', '--JOB_RUN_ID', 'local-" in result.stdout
    assert "state            SUCCEEDED" in result.stdout


def test_the_documented_unit_test_of_a_glue_function(tmp_path: Path) -> None:
    """docs/local-development.md: test a script's function with fromDF and toDF."""
    write_script(tmp_path, ETL, name="etl_doc.py")
    install_awsglue_modules()
    sys.path.insert(0, str(tmp_path))
    try:
        from etl_doc import clean_orders  # type: ignore[import-not-found]

        glue = GlueContext(executor="local")
        orders = pa.table(
            {
                "order_id": ["o-1", "o-2", "o-3"],
                "total": [12.5, None, 7.0],
                "status": ["paid", "paid", "cancelled"],
                "items": [["a"], ["b"], ["c"]],
            }
        )
        result = clean_orders(DynamicFrame.fromDF(orders, glue, "orders")).toDF()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("etl_doc", None)
    assert result.column_names == ["order_id", "total", "status"]
    assert result.to_pylist() == [{"order_id": "o-1", "total": 12.5, "status": "paid"}]


def test_the_documented_end_to_end_test_of_a_glue_script(tmp_path: Path) -> None:
    script = write_script(tmp_path, ETL, name="etl.py")
    (tmp_path / "in.json").write_text(
        '{"order_id": "o-1", "total": "12.50", "status": "paid"}\n'
        '{"order_id": "o-2", "total": 3, "status": "cancelled"}\n'
        "not json\n"
    )
    result = run_local(
        script,
        ["--input_path", str(tmp_path / "in.json"), "--output_path", str(tmp_path / "out")],
        error_records_location=str(tmp_path / "errors.jsonl"),
    )
    assert result.succeeded, result.error
    assert result.metrics["error_records"] == 1
    assert pq.read_table(tmp_path / "out").to_pylist() == [{"order_id": "o-1", "total": 12.5, "status": "paid"}]
