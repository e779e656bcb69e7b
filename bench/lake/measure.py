"""Run one command in a fresh process and measure its whole process tree.

* **wall**: from spawn to the command's exit;
* **CPU seconds**: user + system of the whole tree. The harness makes itself a *child subreaper*
  (Linux ``PR_SET_CHILD_SUBREAPER``), so processes the command leaves behind or daemonises (Ray's raylet
  and workers, a JVM) are re-parented to it and reaped here; ``RUSAGE_CHILDREN`` then covers all of them;
* **peak PSS / RSS**: the sum over every live descendant, sampled every ``interval`` seconds from
  ``/proc/<pid>/smaps_rollup``. PSS shares pages between the processes that map them, so Ray's object
  store is not counted once per worker.

Descendants still alive ``grace`` seconds after the command exits are killed (by pid; they are this
run's). Linux only.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Make orphaned descendants of this process re-parent to it (so their CPU time is reaped here)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _children_of(pid: int) -> list[int]:
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def descendants(root: int) -> list[int]:
    """Every live descendant of `root` (from ``/proc/<pid>/task/*/children``)."""
    seen: list[int] = []
    stack = _children_of(root)
    while stack:
        pid = stack.pop()
        seen.append(pid)
        stack.extend(_children_of(pid))
    return seen


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; zeros if it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


@dataclass
class Measurement:
    """What one measured run gave."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_pss_mb: float
    peak_rss_mb: float
    leftovers_killed: int


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    log: Path,
    timeout: float = 3600.0,
    interval: float = 0.2,
    grace: float = 20.0,
) -> Measurement:
    """Run `argv` with stdout and stderr to `log`; measure it (see the module docstring)."""
    me = os.getpid()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_pss = peak_rss = 0
    returncode: int | None = None
    killed = 0
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), env=dict(env) if env is not None else None, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
        ended = started
        deadline = started + timeout
        leftover_deadline: float | None = None
        while True:
            pids = descendants(me)
            pss = rss = 0
            for pid in pids:
                p, r = _memory_kb(pid)
                pss += p
                rss += r
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            while True:  # reap whatever ended: the command and any orphan re-parented here
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    pid = 0
                if pid == 0:
                    break
                if pid == proc.pid:
                    returncode = os.waitstatus_to_exitcode(status)
                    proc.returncode = returncode
                    ended = time.perf_counter()
                    leftover_deadline = ended + grace
            now = time.perf_counter()
            if returncode is None and now > deadline:
                os.kill(proc.pid, signal.SIGKILL)
            if returncode is not None and not descendants(me):
                break
            if leftover_deadline is not None and now > leftover_deadline:
                for pid in descendants(me):
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed += 1
                    except ProcessLookupError:
                        pass
                leftover_deadline = now + grace
            time.sleep(interval)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert returncode is not None
    return Measurement(returncode, ended - started, cpu, peak_pss / 1024, peak_rss / 1024, killed)
