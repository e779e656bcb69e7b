"""The lake harness's process-tree CPU figure counts processes whose times the kernel never reaps upward.

The cases mimic Ray: a parent that ignores SIGCHLD (as the raylet does) SIGKILLs a child that burned CPU,
so the child's times never reach any ``cutime`` nor the harness's ``RUSAGE_CHILDREN``. Bounds are loose
(CPU seconds, not wall time), so a loaded machine does not make them flaky.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.bench.bench_modules import in_fresh_process, load_lake_module

BURN_S = 1.5

# The parent starts a grandchild that burns CPU, waits until /proc shows BURN_S seconds of it, SIGKILLs it
# and then waits for it (its times go to the parent's cutime), never does because SIGCHLD is ignored (the
# kernel reaps it and its times are gone) or exits at once leaving it a zombie orphan (reaped by whichever
# ancestor is a subreaper: not the test process). The parent itself mostly sleeps.
PARENT = """
import os, signal, subprocess, sys, time
ignore = sys.argv[1] == "ignore"
if ignore:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
ticks = os.sysconf("SC_CLK_TCK")
while True:
    fields = open(f"/proc/{burner.pid}/stat").read().rsplit(")", 1)[1].split()
    if (int(fields[11]) + int(fields[12])) / ticks >= float(sys.argv[2]):
        break
    time.sleep(0.05)
os.kill(burner.pid, signal.SIGKILL)
if sys.argv[1] == "orphan":
    os._exit(0)
if not ignore:
    burner.wait()
time.sleep(0.3)
"""


@pytest.fixture(scope="module")
def measure() -> ModuleType:
    return load_lake_module("measure")


def run_measured(argv: list[str], log: Path, **options: float) -> Any:
    """`measure.run_measured` (sampling every 0.05 s, 5 s grace) in a fresh process, never in this one: the
    harness takes every descendant of its process for the run's (see `in_fresh_process`)."""
    settings = {"interval": 0.05, "grace": 5.0, **options}
    return in_fresh_process("measure", "run_measured", argv, log=log, **settings)


def test_cpu_of_a_child_killed_under_a_parent_ignoring_sigchld_is_counted(tmp_path: Path) -> None:
    m = run_measured([sys.executable, "-c", PARENT, "ignore", str(BURN_S)], tmp_path / "log")
    assert m.returncode == 0, (tmp_path / "log").read_text()
    # RUSAGE_CHILDREN only has the sleeping parent: the burner's times went nowhere.
    assert m.cpu_reaped_s < BURN_S / 2
    assert m.cpu_lost_s >= BURN_S / 2
    assert m.cpu_s >= BURN_S / 2
    assert m.cpu_s >= m.cpu_reaped_s


def test_cpu_of_a_waited_child_is_counted_once(tmp_path: Path) -> None:
    m = run_measured([sys.executable, "-c", PARENT, "wait", str(BURN_S)], tmp_path / "log")
    assert m.returncode == 0, (tmp_path / "log").read_text()
    assert m.cpu_lost_s == 0.0  # reaped by a parent that waits: RUSAGE_CHILDREN has it
    assert m.cpu_reaped_s >= BURN_S
    # Counted twice (the sampled burner on top of the parent's cutime) would be at least 2 x BURN_S; two
    # interpreter start-ups and a mostly sleeping parent stay far below BURN_S / 2 of CPU.
    assert m.cpu_s < BURN_S * 1.5


def test_cpu_of_an_orphan_never_reaped_here_is_counted(tmp_path: Path) -> None:
    m = run_measured([sys.executable, "-c", PARENT, "orphan", str(BURN_S)], tmp_path / "log")
    assert m.returncode == 0, (tmp_path / "log").read_text()
    assert m.cpu_sampled_s >= BURN_S / 2  # the sampled figure counts it whoever reaps it
    assert m.cpu_s >= BURN_S / 2


def test_a_measured_run_leaves_the_other_children_of_the_test_process_alone(tmp_path: Path) -> None:
    # Run in this process, the harness would reap this sibling or kill it after the grace, as it did the
    # session's Ray (whose driver then died in a later test).
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        m = run_measured([sys.executable, "-c", "pass"], tmp_path / "log", grace=0.5)
        assert m.returncode == 0 and m.leftovers_killed == 0
        assert sibling.poll() is None
    finally:
        sibling.kill()
        sibling.wait()


def test_sampler_keys_processes_by_start_time_and_skips_the_reaped(measure: ModuleType) -> None:
    sampler = measure.CpuSampler()
    sampler.seen[(100, 1)] = measure.ProcessTimes(1, 300, 50, False, parent_ignores_sigchld=True)
    sampler.seen[(100, 2)] = measure.ProcessTimes(1, 200, 0, False, parent_ignores_sigchld=True)  # pid reused
    sampler.seen[(101, 1)] = measure.ProcessTimes(1, 100, 0, False, parent_ignores_sigchld=False)
    sampler._latest[100] = (100, 2)
    ticks = measure.CLOCK_TICKS
    assert sampler.sampled_s() == pytest.approx(600 / ticks)
    assert sampler.lost_s() == pytest.approx(550 / ticks)
    sampler.reaped(100)  # the harness reaped the newer process with that pid: in RUSAGE_CHILDREN, not lost
    assert sampler.lost_s() == pytest.approx(350 / ticks)


def test_pss_cache_reads_again_only_the_processes_whose_memory_moved(
    measure: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []

    def memory_kb(pid: int) -> tuple[int, int]:
        reads.append(pid)
        return 500 + pid, 10_000  # (PSS, RSS) in KiB

    monkeypatch.setattr(measure, "_memory_kb", memory_kb)
    cache = measure.PssCache(refresh=5.0)
    table = {1: (0, 0, 0, 11), 2: (0, 0, 0, 12)}
    assert cache.tree({1: 10_000, 2: 10_000}, table, now=0.0) == (1003, 20_000)
    assert reads == [1, 2]
    # Process 2 grew by 2 MiB: read again; process 1 moved by 50 KiB: its last PSS plus that move.
    assert cache.tree({1: 10_050, 2: 12_048}, table, now=1.0) == (501 + 50 + 502, 10_050 + 10_000)
    assert reads == [1, 2, 2]
    # A read older than `refresh` seconds is not reused; nor is one of another process with that pid.
    cache.tree({1: 10_000, 2: 10_000}, {1: (0, 0, 0, 11), 2: (0, 0, 0, 99)}, now=5.5)
    assert reads == [1, 2, 2, 1, 2]


GROW = """
import time
time.sleep(0.3)
block = bytearray(200 * 1024 * 1024)  # zero-filled: every page touched
time.sleep(1.0)
del block
time.sleep(0.5)
"""


def test_peak_pss_is_caught_by_rss_growth_without_periodic_pss_samples(tmp_path: Path) -> None:
    # PSS is read only when the tree's RSS grew (no periodic PSS sample within the run): the peak is still seen.
    m = run_measured([sys.executable, "-c", GROW], tmp_path / "log", pss_every=3600.0)
    assert m.returncode == 0, (tmp_path / "log").read_text()
    assert m.peak_pss_mb >= 190
    assert m.peak_rss_mb >= m.peak_pss_mb


def test_descendants_walk_the_process_table_by_parent_pid(measure: ModuleType) -> None:
    # (ppid, own ticks, children ticks, start time) as `process_table` reads them.
    table = {10: (1, 0, 0, 5), 11: (10, 0, 0, 6), 12: (11, 0, 0, 7), 13: (1, 0, 0, 8), 14: (13, 0, 0, 9)}
    assert sorted(measure.descendants(10, table)) == [11, 12]
    assert measure.descendants(12, table) == []
    live = measure.process_table()  # the real /proc: this test's own process is in it, under its parent
    assert os.getpid() in measure.descendants(os.getppid(), live)
