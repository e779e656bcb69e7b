"""run_script: scripts run as __main__; failures read "Type: message (file, line N)"."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from glueworks.runtime import (
    JobRunContext,
    ScriptFailedError,
    ScriptSyntaxError,
    activate,
    check_script_syntax,
    run_script,
)
from tests.runtime.conftest import write_json_lines


def script(tmp_path: Path, body: str, name: str = "job.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def test_a_failure_names_type_message_and_script_line(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import sys

        def check(value):
            if value != "ok":
                raise ValueError(f"bad value {value!r}")

        check(sys.argv[1])
        """,
    )
    with pytest.raises(ScriptFailedError) as caught:
        run_script(str(path), ["nope"])
    error = caught.value
    # The deepest frame in the script is inside check(), line 5.
    assert str(error) == "ValueError: bad value 'nope' (job.py, line 5)"
    assert (error.error_type, error.lineno, error.filename) == ("ValueError", 5, "job.py")
    assert isinstance(error.__cause__, ValueError)
    assert "Traceback" in error.traceback_text


def test_an_error_raised_inside_the_runtime_points_at_the_script_line(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        from awsglue.context import GlueContext
        glue = GlueContext()
        frame = glue.create_dynamic_frame.from_options(
            connection_type="s3", connection_options={"paths": ["ftp://x/y"]}, format="json")
        """,
    )
    with pytest.raises(ScriptFailedError) as caught:
        run_script(str(path), [])
    assert str(caught.value) == (
        "UnsafePathError: connection_options.paths[0]: scheme 'ftp' is not allowed; "
        "use one of file, memory, s3 or a local path (job.py, line 3)"
    )


def test_syntax_errors_are_reported_the_same_way(tmp_path: Path) -> None:
    path = script(tmp_path, "x = 1\nif x ==\n    pass\n")
    with pytest.raises(ScriptSyntaxError) as caught:
        run_script(str(path), [])
    assert str(caught.value) == "SyntaxError: invalid syntax (job.py, line 2)"
    assert isinstance(caught.value, ScriptFailedError)
    with pytest.raises(ScriptSyntaxError, match=r"^IndentationError: .* \(etl.py, line 2\)$"):
        check_script_syntax("if True:\nprint(1)\n", "etl.py")
    check_script_syntax("print(1)\n", "etl.py")


def test_sys_exit_zero_succeeds_and_non_zero_fails(tmp_path: Path) -> None:
    run_script(str(script(tmp_path, "import sys\nsys.exit(0)\nraise RuntimeError('unreached')\n")), [])
    with pytest.raises(ScriptFailedError, match=r"^SystemExit: 3 \(job.py, line 2\)$"):
        run_script(str(script(tmp_path, "import sys\nsys.exit(3)\n")), [])


def test_argv_main_and_path_are_set_and_restored(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    out = tmp_path / "seen.txt"
    path = script(
        tmp_path,
        f"""
        import sys, helper
        assert __name__ == "__main__"
        open({str(out)!r}, "w").write(repr((sys.argv, helper.VALUE)))
        """,
    )
    argv_before, main_before, path_before = list(sys.argv), sys.modules["__main__"], list(sys.path)
    run_script(str(path), ["--a", "1"])
    assert out.read_text() == repr(([str(path), "--a", "1"], 42))
    assert sys.argv == argv_before and sys.modules["__main__"] is main_before and sys.path == path_before
    sys.modules.pop("helper", None)


def test_a_failed_script_leaves_no_output(tmp_path: Path) -> None:
    source = write_json_lines(tmp_path / "in" / "a.json", [{"a": 1}, {"a": 2}])
    out = tmp_path / "out"
    path = script(
        tmp_path,
        f"""
        from awsglue.context import GlueContext
        glue = GlueContext()
        frame = glue.create_dynamic_frame.from_options(
            connection_type="s3", connection_options={{"paths": [{str(source)!r}]}}, format="json")
        glue.write_dynamic_frame.from_options(
            frame=frame, connection_type="s3", connection_options={{"path": {str(out)!r}}}, format="parquet")
        raise RuntimeError("after the write")
        """,
    )
    ctx = JobRunContext("jr_9", "job", 1, "local", 2, None)
    with activate(ctx), pytest.raises(ScriptFailedError, match=r"after the write \(job.py, line 7\)"):
        run_script(str(path), [])
    snapshot = ctx.finish()
    assert not out.exists()
    assert snapshot["records_read"] == 2 and snapshot["records_written"] == 0


def test_an_unreadable_script_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run_script(str(tmp_path / "missing.py"), [])
