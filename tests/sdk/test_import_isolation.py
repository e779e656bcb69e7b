"""The SDK and CLI import with only their light dependencies: no Ray, FastAPI, SQLAlchemy or pyarrow."""

from __future__ import annotations

import subprocess
import sys
import textwrap

HEAVY = ("ray", "fastapi", "sqlalchemy", "pyarrow")

PROBE = textwrap.dedent(
    """
    import sys

    HEAVY = {heavy!r}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HEAVY:
                raise ImportError(f"blocked heavy import: {{name}}")
            return None

    sys.meta_path.insert(0, Blocker())

    # The blocker works: a heavy import fails here.
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        assert "blocked" in str(exc), exc
    else:
        raise SystemExit("the blocker did not block pyarrow")

    import glueworks.sdk
    import glueworks.sdk.cli
    from glueworks.sdk.cli import create_cli

    create_cli()  # building the app must not reach the platform either
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY or m.startswith("glueworks.platform"))
    assert not loaded, loaded
    print("ok", glueworks.sdk.Client.__name__)
    """
)


def test_sdk_and_cli_import_without_heavy_dependencies() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok Client"


def test_the_console_script_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from glueworks.sdk.cli import main; main(['--help'])"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "jobs" in result.stdout and "runs" in result.stdout
