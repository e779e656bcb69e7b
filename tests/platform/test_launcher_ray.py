"""The warm Ray driver pool passes the launcher conformance suite."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glueworks.platform.launchers import RayDriverPoolLauncher
from glueworks.platform.testing import LauncherConformance, RecordingListener

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def pool(ray_cluster: None) -> Iterator[tuple[RayDriverPoolLauncher, RecordingListener]]:
    listener = RecordingListener()
    launcher = RayDriverPoolLauncher(warm_drivers=1)
    launcher.start(listener)
    yield launcher, listener
    launcher.close()


class TestRayDriverPool(LauncherConformance):
    @pytest.fixture
    def launcher(self, pool: tuple[RayDriverPoolLauncher, RecordingListener]) -> Any:
        return pool


def test_the_pool_refills_when_a_run_ends_not_while_it_runs(
    pool: tuple[RayDriverPoolLauncher, RecordingListener], tmp_path: Path
) -> None:
    launcher, listener = pool
    assert launcher.wait_ready(120)
    assert launcher.idle_drivers == 1
    flag = tmp_path / "go"
    script = f"import pathlib, time\nwhile not pathlib.Path({str(flag)!r}).exists():\n    time.sleep(0.05)\n"
    request = LauncherConformance.request(tmp_path, script)
    launcher.submit(request)
    listener.wait_running(request.run_id)
    # A driver started now would compete with the run for its CPUs and task workers.
    assert launcher.idle_drivers == 0
    flag.touch()
    assert listener.wait_finished(request.run_id).state == "SUCCEEDED"
    assert launcher.idle_drivers == 1
    assert launcher.wait_ready(120)  # the new driver imported, the task workers primed


def test_live_metrics_are_asked_of_the_driver_at_most_once_a_second(
    pool: tuple[RayDriverPoolLauncher, RecordingListener], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each poll of a running run reads its metrics; the driver, busy with the run, is asked once per second."""
    launcher, listener = pool
    assert launcher.wait_ready(120)
    flag = tmp_path / "go"
    script = f"import pathlib, time\nwhile not pathlib.Path({str(flag)!r}).exists():\n    time.sleep(0.05)\n"
    request = LauncherConformance.request(tmp_path, script)
    launcher.submit(request)
    listener.wait_running(request.run_id)
    now = [1000.0]
    monkeypatch.setattr(launcher, "_clock", lambda: now[0])
    first = launcher.progress(request.run_id)
    assert first is not None
    now[0] += 0.5
    assert launcher.progress(request.run_id) is first  # served by the launcher
    now[0] += 1.0
    fresh = launcher.progress(request.run_id)
    assert fresh is not None and fresh is not first  # asked of the driver again
    flag.touch()
    assert listener.wait_finished(request.run_id).state == "SUCCEEDED"


NICE_SCRIPT = """
import os, pathlib, sys
stats = [open(f"/proc/self/task/{tid}/stat").read() for tid in os.listdir("/proc/self/task")]
nice = [int(stat.rsplit(")", 1)[1].split()[16]) for stat in stats]  # field 19 of stat(5)
pathlib.Path(sys.argv[-1]).write_text(" ".join(map(str, nice)))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or os.geteuid() != 0, reason="needs Linux and CAP_SYS_NICE")
def test_a_driver_runs_at_normal_priority_not_at_ray_workers_nice_15(
    pool: tuple[RayDriverPoolLauncher, RecordingListener], tmp_path: Path
) -> None:
    # Ray starts worker processes (warm drivers too) at nice 15; a driver waiting for a CPU behind its
    # own run's workers holds them up, so it gives every thread nice 0 where the OS allows it.
    launcher, listener = pool
    assert launcher.wait_ready(120)
    out = tmp_path / "nice.txt"
    request = LauncherConformance.request(tmp_path, NICE_SCRIPT, str(out))
    launcher.submit(request)
    assert listener.wait_finished(request.run_id).state == "SUCCEEDED"
    values = [int(v) for v in out.read_text().split()]
    assert len(values) > 1 and set(values) == {0}, values


def test_the_monitor_waits_for_a_running_run_instead_of_polling_it(
    pool: tuple[RayDriverPoolLauncher, RecordingListener], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each poll costs CPU on the run's cores: a running run is waited on in 0.1 s slices, an idle pool not at all."""
    import ray

    from glueworks.platform.launchers import ray_driver_pool

    launcher, listener = pool
    assert launcher.wait_ready(120)
    waits: list[tuple[int, float | None, bool]] = []  # (num_returns, timeout, while the run was RUNNING)
    real_wait = ray.wait

    def recording_wait(refs: list[Any], *, num_returns: int = 1, timeout: float | None = None, **kw: Any) -> Any:
        if threading.current_thread().name == "glueworks-launcher":
            waits.append((num_returns, timeout, request.run_id in listener.running))
        return real_wait(refs, num_returns=num_returns, timeout=timeout, **kw)

    flag = tmp_path / "go"
    script = f"import pathlib, time\nwhile not pathlib.Path({str(flag)!r}).exists():\n    time.sleep(0.05)\n"
    request = LauncherConformance.request(tmp_path, script)
    monkeypatch.setattr(ray, "wait", recording_wait)
    launcher.submit(request)
    listener.wait_running(request.run_id)
    time.sleep(0.5)
    flag.touch()
    assert listener.wait_finished(request.run_id).state == "SUCCEEDED"
    assert launcher.wait_ready(120)
    idle_from = len(waits)
    rounds: list[float] = []  # the monitor's loop passes while no run is active
    real_enforce = launcher._enforce_timeouts

    def counting_enforce() -> None:
        rounds.append(time.monotonic())
        real_enforce()

    monkeypatch.setattr(launcher, "_enforce_timeouts", counting_enforce)
    time.sleep(0.5)

    assert waits, "the monitor waited on the run's refs"
    assert {num_returns for num_returns, _, _ in waits} == {1}  # any ready ref ends a wait at once
    assert {timeout for _, timeout, _ in waits} == {ray_driver_pool._RUNNING_POLL_SECONDS}
    assert any(was_running for _, _, was_running in waits)  # it waited on the running run, not only its start
    assert len(waits) == idle_from  # no run, no refs: the monitor sleeps until a submit wakes it
    assert len(rounds) <= 2, f"{len(rounds)} loop passes in 0.5 s with no run (it polled every 20 ms before)"
