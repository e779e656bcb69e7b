"""Run one command in a fresh process and measure its whole process tree.

* **wall**: from spawn to the command's exit;
* **CPU seconds**: user + system of the whole tree, every process however it ended (see below);
* **peak PSS / RSS**: the sum over every live descendant. RSS is read every ``interval`` seconds from
  ``/proc/<pid>/statm`` (kernel counters: cheap). PSS shares pages between the processes that map them, so
  Ray's object store is not counted once per worker; but it comes from ``/proc/<pid>/smaps_rollup``,
  which walks every mapped page: ~30 ms of harness CPU for a Ray tree of ten processes. The harness
  runs at normal priority and Ray's workers at nice 15, so every CPU second it spends while the engine
  keeps both cores busy is taken from the engine (and a 1-worker run leaves it an idle core, which
  skews the 2-vs-1-worker speed-up). So PSS is read when the tree's RSS grew by more than 1 % since
  the last PSS sample, at most every ``pss_gap`` seconds while it keeps growing and once more when it
  turns down, and at least every ``pss_every`` seconds; a sample reads again only the processes whose
  own RSS moved (`PssCache`). Between samples, the last PSS plus the RSS growth since estimates PSS
  (exact while the new pages are private, as a worker's allocations are; not when a sharer's exit moves
  shared pages onto the others): its highest value is ``peak_pss_estimate_mb``, to compare with the
  sampled peak.

How CPU seconds are counted. The kernel adds a process's times to its parent's ``cutime``/``cstime``
(and so, up the chain, to the harness's ``RUSAGE_CHILDREN``) only when that parent *waits* for it. The
harness makes itself a *child subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``), so orphans (a daemonised
raylet or GCS, a JVM) are re-parented to it and reaped here: the **reaped** figure. But a parent that
ignores ``SIGCHLD`` has its children reaped by the kernel and their times thrown away: Ray's raylet does
exactly that, so every Ray worker's CPU (most of a Ray run's work) never reaches any ``cutime``. So,
alongside the PSS loop, the harness reads ``/proc/<pid>/stat`` of every live descendant (processes keyed
by pid and start time) and keeps the last ``utime + stime`` and ``cutime + cstime`` seen of each:

* **lost**: the processes last seen under a parent that ignores ``SIGCHLD`` (``SigIgn`` in
  ``/proc/<ppid>/status``) and not reaped by the harness: their own times plus their ``cutime``/``cstime``
  (what they had reaped themselves). Such a process cannot be in any ``cutime``, so it is not in the
  reaped figure, and its reaped children are in its ``cutime`` only (never also in the lost sum, since
  their parent waited for them);
* **sampled**: the sum of the last own ``utime + stime`` of every process seen. It counts each process
  once and nothing twice, whatever way the processes ended (a fallback for losses the ``SigIgn`` test
  cannot see, e.g. ``SA_NOCLDWAIT``).

The figure reported is ``max(reaped + lost, sampled)``: both are lower bounds of the true CPU time with
nothing counted twice, so the larger is the closer. Error bound: of a process whose times are not
reaped here, the CPU of its last sampling interval (at most ``interval`` times its runnable threads, capped
by the cores) is lost, and so is all of such a process that lived less than one interval; a process
the harness or a waiting parent reaps is exact. The three parts are in :class:`Measurement`.

Descendants still alive ``grace`` seconds after the command exits are killed (by pid; they are this
run's). Linux only.
"""

from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def _exit_watch(pid: int) -> tuple[int, select.poll] | None:
    """A pidfd of process `pid` and a poll object it turns readable in when the process exits (None where
    pidfds are missing)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
    watch = select.poll()
    watch.register(fd, select.POLLIN)
    return fd, watch


def become_subreaper() -> None:
    """Make orphaned descendants of this process re-parent to it (so their CPU time is reaped here)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


Stat = tuple[int, int, int, int]  # (ppid, utime + stime, cutime + cstime, start time), in clock ticks


def _stat_fields(pid: int) -> list[bytes] | None:
    """The fields of ``/proc/<pid>/stat`` from its state on (``fields[1]`` is the parent pid); None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields proper start after the last ")".
    fields = text[text.rindex(b")") + 2 :].split()
    return fields if len(fields) >= 20 else None


def _read_stat(pid: int) -> Stat | None:
    """One process's `Stat`; None if it is gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), int(fields[19])


def own_times(pid: int) -> tuple[int, int] | None:
    """One process's own (user, system) CPU clock ticks so far; None if it is gone."""
    fields = _stat_fields(pid)
    return None if fields is None else (int(fields[11]), int(fields[12]))


def process_table() -> dict[int, Stat]:
    """`Stat` of every process on the machine, from one pass over ``/proc``.

    One small read per process (~2 ms for ~70 processes). Walking ``/proc/<pid>/task/*/children`` instead
    reads a file per *thread*: ~10 ms for a Ray tree of ten processes and 220 threads, every interval,
    taken from the engine under test when it keeps both cores busy.
    """
    table: dict[int, Stat] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _read_stat(int(name))
            if stat is not None:
                table[int(name)] = stat
    return table


def descendants(root: int, table: Mapping[int, Stat] | None = None) -> list[int]:
    """Every live descendant of `root` (by parent pid in `table`, read now if not given)."""
    if table is None:
        table = process_table()
    children: dict[int, list[int]] = {}
    for pid, stat in table.items():
        children.setdefault(stat[0], []).append(pid)
    seen: list[int] = []
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        seen.append(pid)
        stack.extend(children.get(pid, ()))
    return seen


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    """RSS of one process in KiB from the kernel's counters; zero if it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_SIGCHLD_MASK = 1 << (signal.SIGCHLD - 1)


@dataclass
class ProcessTimes:
    """The last sighting of one process: its parent and CPU clock ticks then."""

    ppid: int
    own_ticks: int  # utime + stime
    children_ticks: int  # cutime + cstime: the children it waited for
    ignores_sigchld: bool
    parent_ignores_sigchld: bool = False
    reaped_here: bool = False


def _ignores_sigchld(pid: int) -> bool:
    """Whether `pid` ignores SIGCHLD (so the kernel reaps its children and discards their times)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("SigIgn:"):
                    return bool(int(line.split()[1], 16) & _SIGCHLD_MASK)
    except (OSError, ValueError):
        pass
    return False


class CpuSampler:
    """The CPU ticks of every process of a tree, from its last sighting (see the module docstring)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, int], ProcessTimes] = {}  # (pid, start time): pids are reused
        self._latest: dict[int, tuple[int, int]] = {}

    def sample(self, pids: Sequence[int], table: Mapping[int, Stat]) -> None:
        """Record one sighting of each of `pids` (live descendants, with their `Stat` in `table`)."""
        now: dict[int, ProcessTimes] = {}
        for pid in pids:
            stat = table.get(pid)
            if stat is None:
                continue
            ppid, own, children, start = stat
            key = (pid, start)
            times = ProcessTimes(ppid, own, children, _ignores_sigchld(pid))
            previous = self.seen.get(key)
            if previous is not None:  # a zombie or a racing read must not move a figure backwards
                times.own_ticks = max(times.own_ticks, previous.own_ticks)
                times.children_ticks = max(times.children_ticks, previous.children_ticks)
            self.seen[key] = times
            self._latest[pid] = key
            now[pid] = times
        for times in now.values():
            parent = now.get(times.ppid)  # the harness (or anything outside the tree) is not in `now`
            times.parent_ignores_sigchld = parent is not None and parent.ignores_sigchld

    def reaped(self, pid: int) -> None:
        """`pid` was reaped by the harness: its times are in ``RUSAGE_CHILDREN``, not lost."""
        key = self._latest.get(pid)
        if key is not None:
            self.seen[key].reaped_here = True

    def lost_s(self) -> float:
        """CPU seconds of processes reaped by a parent ignoring SIGCHLD (with what they had reaped)."""
        ticks = sum(
            t.own_ticks + t.children_ticks for t in self.seen.values() if t.parent_ignores_sigchld and not t.reaped_here
        )
        return ticks / CLOCK_TICKS

    def sampled_s(self) -> float:
        """The last own CPU seconds seen of every process: each counted once."""
        return sum(t.own_ticks for t in self.seen.values()) / CLOCK_TICKS


class PssCache:
    """The tree's PSS, reading ``smaps_rollup`` only of the processes whose memory moved.

    A PSS read walks every page a process maps (~1-4 ms for each of Ray's daemons and idle workers), and
    most of a tree (the raylet, the GCS, the agents, an idle driver) barely changes within a run. So a
    process whose RSS is within 1 % (and 1 MiB) of what it was at its last read, and was read less than
    `refresh` seconds ago, counts that read's PSS plus its RSS change since. What this misses is the
    re-division of pages shared with a process that started or exited in between: a few MB of shared
    libraries at most, and up to `refresh` seconds late.
    """

    def __init__(self, refresh: float) -> None:
        self.refresh = refresh
        self._read: dict[tuple[int, int], tuple[int, int, float]] = {}  # (pid, start) -> (PSS, RSS, when)

    def tree(self, rss_of: Mapping[int, int], table: Mapping[int, Stat], now: float) -> tuple[int, int]:
        """(PSS, RSS) in KiB summed over the processes of `rss_of` (their RSS from ``statm``)."""
        pss = rss = 0
        for pid, statm_rss in rss_of.items():
            stat = table.get(pid)
            key = (pid, stat[3] if stat is not None else -1)
            last = self._read.get(key)
            if last is not None and self._reusable(last, statm_rss, now):
                pss += last[0] + statm_rss - last[1]
                rss += statm_rss
                continue
            p, r = _memory_kb(pid)
            self._read[key] = (p, r, now)
            pss += p
            rss += r
        return pss, rss

    def _reusable(self, last: tuple[int, int, float], rss: int, now: float) -> bool:
        """Whether a read (PSS, RSS, when) still stands for a process whose RSS is now `rss`."""
        return now - last[2] < self.refresh and abs(rss - last[1]) <= min(1024, last[1] // 100)


@dataclass
class Measurement:
    """What one measured run gave."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_pss_mb: float
    peak_rss_mb: float
    leftovers_killed: int
    cpu_reaped_s: float = 0.0  # RUSAGE_CHILDREN: every process whose reaping reached the harness
    cpu_lost_s: float = 0.0  # sampled: processes reaped by a parent ignoring SIGCHLD
    cpu_sampled_s: float = 0.0  # sampled: the last own times of every process seen
    peak_pss_estimate_mb: float = 0.0  # between PSS samples (see the module docstring)
    steal_s: float | None = None  # the host's steal over the run (`host_steal_s`)


def host_steal_s() -> float | None:
    """CPU seconds so far, summed over this machine's CPUs, in which a CPU had work but its hypervisor ran
    something else ("steal" in ``/proc/stat``); None where the kernel does not say.

    On a shared VM steal is one way the host slows a run that no engine controls. It is not the only one
    (vCPUs that run, but slower, do not show here), so a slow run with no steal is not thereby the engine's.
    """
    try:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    return int(fields[8]) / CLOCK_TICKS


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    log: Path,
    timeout: float = 3600.0,
    interval: float = 0.2,
    pss_every: float = 1.0,
    pss_gap: float = 0.6,
    pss_refresh: float = 5.0,
    grace: float = 20.0,
) -> Measurement:
    """Run `argv` with stdout and stderr to `log`; measure it (see the module docstring)."""
    me = os.getpid()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_pss = peak_rss = pss_estimate = 0
    returncode: int | None = None
    killed = 0
    cpu = CpuSampler()
    pss_cache = PssCache(pss_refresh)
    steal_before = host_steal_s()
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), env=dict(env) if env is not None else None, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
        ended = started
        exited_at: float | None = None
        # The command's exit wakes the loop at once (a pidfd is readable when its process ends), so the wall
        # time does not include up to `interval` of the loop's sleep, which short runs (DuckDB's ~3 s) felt.
        exit_watch = _exit_watch(proc.pid)
        deadline = started + timeout
        leftover_deadline: float | None = None
        pss = pss_rss = 0  # the tree's PSS and RSS at the last PSS sample
        pss_at = float("-inf")
        last_rss = 0
        while True:
            table = process_table()
            pids = descendants(me, table)
            rss_of = {pid: _rss_kb(pid) for pid in pids}
            rss = sum(rss_of.values())
            sampled_at = time.perf_counter()
            grown = rss > pss_rss * 1.01
            # While RSS grows, PSS is read at most every `pss_gap` seconds, and once more as RSS turns down.
            if (grown and (sampled_at - pss_at >= pss_gap or rss < last_rss)) or sampled_at - pss_at >= pss_every:
                pss, rss = pss_cache.tree(rss_of, table, sampled_at)
                peak_pss = max(peak_pss, pss)
                pss_rss, pss_at = rss, sampled_at
            peak_rss = max(peak_rss, rss)
            pss_estimate = max(pss_estimate, pss + rss - pss_rss)
            last_rss = rss
            cpu.sample(pids, table)
            while True:  # reap whatever ended: the command and any orphan re-parented here
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    pid = 0
                if pid == 0:
                    break
                cpu.reaped(pid)
                if pid == proc.pid:
                    returncode = os.waitstatus_to_exitcode(status)
                    proc.returncode = returncode
                    ended = exited_at if exited_at is not None else time.perf_counter()
                    leftover_deadline = ended + grace
            now = time.perf_counter()
            if returncode is None and now > deadline:
                os.kill(proc.pid, signal.SIGKILL)
            left = descendants(me) if returncode is not None else []
            if returncode is not None and not left:
                break
            if leftover_deadline is not None and now > leftover_deadline:
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed += 1
                    except ProcessLookupError:
                        pass
                leftover_deadline = now + grace
            if returncode is None and exit_watch is not None:
                if exit_watch[1].poll(interval * 1000) and exited_at is None:
                    exited_at = time.perf_counter()
            else:
                time.sleep(interval)
    if exit_watch is not None:
        os.close(exit_watch[0])
    steal_after = host_steal_s()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lost, sampled = cpu.lost_s(), cpu.sampled_s()
    assert returncode is not None
    return Measurement(
        returncode,
        ended - started,
        max(reaped + lost, sampled),
        peak_pss / 1024,
        peak_rss / 1024,
        killed,
        cpu_reaped_s=reaped,
        cpu_lost_s=lost,
        cpu_sampled_s=sampled,
        peak_pss_estimate_mb=max(pss_estimate, peak_pss) / 1024,
        steal_s=None if steal_before is None or steal_after is None else steal_after - steal_before,
    )
