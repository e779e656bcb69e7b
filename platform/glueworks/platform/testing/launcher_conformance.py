"""The conformance suite of the :class:`~glueworks.platform.launchers.Launcher` contract.

Subclass :class:`LauncherConformance` in a test module and provide a ``launcher`` fixture that yields a
started launcher together with the :class:`RecordingListener` it reports to::

    class TestRayDriverPool(LauncherConformance):
        @pytest.fixture
        def launcher(self, tmp_path): ...  # yield (launcher, listener)

Every launcher must pass the same tests: a script runs and succeeds with its arguments, a failing script
fails with its error, a stop ends the run STOPPED, a timeout ends it TIMEOUT, and ``active_runs`` tracks it.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from glueworks.platform.launchers import LaunchRequest, RunOutcome


class RecordingListener:
    """A LaunchListener that records events and lets a test wait for them."""

    def __init__(self) -> None:
        self.running: dict[str, float] = {}
        self.finished: dict[str, RunOutcome] = {}
        self._changed = threading.Condition()

    def on_running(self, tenant_id: str, run_id: str, at: float) -> None:
        with self._changed:
            self.running[run_id] = at
            self._changed.notify_all()

    def on_finished(self, tenant_id: str, run_id: str, outcome: RunOutcome) -> None:
        with self._changed:
            self.finished[run_id] = outcome
            self._changed.notify_all()

    def wait_running(self, run_id: str, timeout: float = 60) -> float:
        with self._changed:
            if not self._changed.wait_for(lambda: run_id in self.running or run_id in self.finished, timeout):
                raise AssertionError(f"run {run_id} never reported RUNNING")
        return self.running.get(run_id, 0.0)

    def wait_finished(self, run_id: str, timeout: float = 120) -> RunOutcome:
        with self._changed:
            if not self._changed.wait_for(lambda: run_id in self.finished, timeout):
                raise AssertionError(f"run {run_id} never finished")
        return self.finished[run_id]


class LauncherConformance:
    """Tests every Launcher must pass. Needs a ``launcher`` fixture yielding (launcher, listener)."""

    @staticmethod
    def request(folder: Path, source: str, *args: str, timeout: float | None = None) -> LaunchRequest:
        run_id = "jr_" + uuid.uuid4().hex
        script = folder / f"{run_id}.py"
        script.write_text(source)
        return LaunchRequest(
            run_id=run_id,
            tenant_id="default",
            job_name="conformance",
            attempt=0,
            script_path=str(script),
            argv=list(args),
            log_path=str(folder / f"{run_id}.log"),
            error_records_location=str(folder / f"{run_id}-errors"),
            max_parallelism=2,
            timeout_seconds=timeout,
        )

    def test_success_with_arguments_and_log(self, launcher: Any, tmp_path: Path) -> None:
        impl, listener = launcher
        request = self.request(tmp_path, "import sys\nprint('got', sys.argv[1:], flush=True)\n", "--day", "mon")
        impl.submit(request)
        listener.wait_running(request.run_id)
        outcome = listener.wait_finished(request.run_id)
        assert outcome.state == "SUCCEEDED", outcome.error_message
        assert "got ['--day', 'mon']" in Path(request.log_path).read_text()
        assert request.run_id not in impl.active_runs()

    def test_failure_names_exception_and_line(self, launcher: Any, tmp_path: Path) -> None:
        impl, listener = launcher
        request = self.request(tmp_path, "a = 1\nraise KeyError('missing column')\n")
        impl.submit(request)
        outcome = listener.wait_finished(request.run_id)
        assert outcome.state == "FAILED"
        assert outcome.error_message is not None
        assert "KeyError" in outcome.error_message and "missing column" in outcome.error_message
        assert "line 2" in outcome.error_message

    def test_stop(self, launcher: Any, tmp_path: Path) -> None:
        impl, listener = launcher
        request = self.request(tmp_path, "import time\nwhile True:\n    time.sleep(0.05)\n")
        impl.submit(request)
        listener.wait_running(request.run_id)
        assert request.run_id in impl.active_runs()
        assert impl.stop(request.run_id)
        assert listener.wait_finished(request.run_id).state == "STOPPED"
        assert not impl.stop(request.run_id)  # unknown once ended

    def test_timeout(self, launcher: Any, tmp_path: Path) -> None:
        impl, listener = launcher
        request = self.request(tmp_path, "import time\ntime.sleep(60)\n", timeout=1.0)
        started = time.monotonic()
        impl.submit(request)
        outcome = listener.wait_finished(request.run_id)
        assert outcome.state == "TIMEOUT"
        assert outcome.error_message is not None and "timeout" in outcome.error_message
        assert time.monotonic() - started < 60

    def test_unknown_run_cannot_be_stopped(self, launcher: Any) -> None:
        impl, _ = launcher
        assert impl.stop("jr_unknown") is False
        assert impl.progress("jr_unknown") is None

    @pytest.fixture
    def launcher(self) -> Any:  # pragma: no cover - subclasses provide it
        pytest.fail("a LauncherConformance subclass must provide a `launcher` fixture")
