"""The lean local Ray head: the daemons it stops are gone, and Ray still runs tasks on it."""

from __future__ import annotations

import os

import psutil
import pytest

from glueworks.runtime.executors.local_ray import start_local_ray, stop_unused_daemons

#: Command-line marks of the stopped daemons' processes (Ray's own script names).
STOPPED_SCRIPTS = ("log_monitor.py", "dashboard/dashboard.py", "autoscaler/_private/monitor.py")


@pytest.mark.ray
def test_the_session_head_runs_tasks_without_the_stopped_daemons(ray_cluster: None) -> None:
    import ray

    node = ray._private.worker._global_node
    assert not {"log_monitor", "dashboard", "monitor"} & set(node.all_processes)
    assert {"gcs_server", "raylet"} <= set(node.all_processes)  # what runs the cluster stays
    commands = _descendant_commands()
    assert commands, "the head's processes are children of this process"
    for script in STOPPED_SCRIPTS:
        assert not [c for c in commands if script in c], script

    @ray.remote(num_cpus=1)
    def double(x: int) -> int:
        return 2 * x

    assert ray.get([double.remote(i) for i in range(8)]) == [2 * i for i in range(8)]


@pytest.mark.parametrize("option", ["address", "include_dashboard", "log_to_driver"])
def test_options_that_make_stopping_safe_cannot_be_overridden(option: str) -> None:
    with pytest.raises(ValueError, match=option):
        start_local_ray(1, **{option: None})


def test_a_node_without_a_stop_method_keeps_that_daemon() -> None:
    calls: list[tuple[str, bool]] = []

    class OlderNode:  # a Ray release with only one of the methods
        def kill_log_monitor(self, check_alive: bool = True) -> None:
            calls.append(("kill_log_monitor", check_alive))

    assert stop_unused_daemons(OlderNode()) == ["kill_log_monitor"]
    assert calls == [("kill_log_monitor", False)]
    assert stop_unused_daemons(None) == []


def _descendant_commands() -> list[str]:
    """Command lines of this process's live descendants (other tests leave zombies and exiting processes)."""
    commands = []
    for process in psutil.Process(os.getpid()).children(recursive=True):
        try:
            commands.append(" ".join(process.cmdline()))
        except psutil.Error:
            continue
    return commands
