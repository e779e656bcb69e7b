"""StartJobRun -> RUNNING and -> SUCCEEDED for a no-op job: glueworks beside raw Ray Jobs, on one warm Ray head.

Run from the repository root::

    .venv/bin/python bench/startrun_latency.py              # 30 runs each, 3 interleaved rounds
    .venv/bin/python bench/startrun_latency.py --runs 60 --rounds 6 --json /tmp/result.json

One Ray head (2 CPUs, dashboard on) serves both sides. Ray Jobs submits ``python -c pass``; glueworks runs a
no-op Glue script through its REST door (and through boto3's ``start_job_run`` on the Glue door, when that
door answers). Each side is timed client-side with a 10 ms poll; glueworks' server-side timestamps are
recorded too. The sides alternate in rounds so machine noise hits both. Nothing is asserted: the script prints
a table and writes a JSON result (default ``bench/results/``). See ``bench/README.md`` for the caveats.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from _ray_head import RayHead, configure_ray_auth, ray_head
from _stats import Row, Summary, ratio, render_table

BENCH_DIR = Path(__file__).resolve().parent
GOAL_P50_SECONDS = 0.5
GOAL_RATIO = 3.0
POLL_SECONDS = 0.01
JOB_NAME = "bench-noop"
DRIVER_CLASS = "JobDriver"  # the class the warm pool's actors are made from (glueworks.runtime.driver)
NOOP_SCRIPT = """\
# A no-op Glue job: resolve the arguments every Glue script reads, then end.
import sys

from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
"""
GW_PENDING = frozenset({"STARTING", "WAITING"})
GW_TERMINAL = frozenset({"STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED"})
RAY_PENDING = frozenset({"PENDING"})
RAY_TERMINAL = frozenset({"STOPPED", "SUCCEEDED", "FAILED"})
SERIES_TITLES = {
    "ray_jobs": "Ray Jobs submit_job",
    "glueworks_rest": "glueworks StartJobRun (REST /v1)",
    "glueworks_boto3": "glueworks StartJobRun (boto3, Glue door)",
    "glueworks_rest_back_to_back": "glueworks StartJobRun (REST, back-to-back)",
}


class BenchError(RuntimeError):
    """The benchmark cannot go on (a warm-up failed, the cluster broke); the message says why."""


@dataclass
class Sample:
    """One timed run. Client-side times are seconds from just before the start call."""

    series: str
    round: int
    run_id: str
    call_s: float  # the start call returned
    running_s: float  # first poll that saw RUNNING, or a terminal state if RUNNING was never seen
    done_s: float | None  # first poll that saw a terminal state; None if we gave up waiting
    seen_running: bool
    final_state: str
    server_running_s: float | None = None  # glueworks: started_on -> the driver began the script
    server_done_s: float | None = None  # glueworks: started_on -> completed_on; Ray: start_time -> end_time
    pool_wait_s: float = 0.0  # waited before this run for the warm pool to refill
    error: str | None = None


@dataclass(frozen=True)
class Timeline:
    running_s: float
    done_s: float | None
    seen_running: bool
    final_state: str


def follow(
    poll: Callable[[], str],
    t0: float,
    *,
    pending: frozenset[str],
    terminal: frozenset[str],
    timeout: float,
    first: tuple[str, float] | None = None,
) -> Timeline:
    """Poll a run's state every 10 ms until it is terminal; times are taken when each answer arrives.

    Args:
        poll: returns the run's current state.
        t0: ``perf_counter()`` just before the start call.
        pending: states before RUNNING.
        terminal: states a run ends in.
        timeout: seconds after ``t0`` to give up (the timeline then has ``done_s=None``).
        first: a state already known, and when (e.g. the start call's own answer).
    """
    running_at: float | None = None
    seen_running = False
    state, at = first if first is not None else (poll(), time.perf_counter())
    while True:
        seen_running = seen_running or state == "RUNNING"
        if running_at is None and state not in pending:
            running_at = at
        if state in terminal:
            assert running_at is not None
            return Timeline(running_at - t0, at - t0, seen_running, state)
        if at - t0 > timeout:
            return Timeline(at - t0 if running_at is None else running_at - t0, None, seen_running, f"{state}?")
        time.sleep(POLL_SECONDS)
        state, at = poll(), time.perf_counter()


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    # SQLite hands datetimes back without a zone; the platform writes UTC.
    start, end = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (start, end))
    return (end - start).total_seconds()


class Bench:
    """The measurements, on a started head and an embedded platform."""

    def __init__(self, args: argparse.Namespace, head: RayHead, url: str, platform: Any) -> None:
        import boto3
        from botocore.config import Config
        from ray.job_submission import JobSubmissionClient

        from glueworks.platform.settings import DEFAULT_TENANT
        from glueworks.sdk import Client

        self.args = args
        self.tenant = DEFAULT_TENANT
        self.head = head
        self.platform = platform
        self.client = Client(url, timeout=30)
        self.jobs = JobSubmissionClient(head.dashboard_url)
        # Dummy credentials: embedded mode needs no key on loopback, but botocore signs every request.
        self.glue: Any = boto3.client(
            "glue",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(retries={"total_max_attempts": 1}),
        )
        self.glue_door_error: str | None = None
        self.entrypoint = f"{shlex.quote(sys.executable)} -c pass"
        self.samples: dict[str, list[Sample]] = {name: [] for name in SERIES_TITLES}

    # -- one run of each kind --------------------------------------------------------------------------

    def ray_once(self, round_no: int) -> Sample:
        t0 = time.perf_counter()
        job_id = self.jobs.submit_job(entrypoint=self.entrypoint)
        call = time.perf_counter() - t0
        line = follow(
            lambda: str(self.jobs.get_job_status(job_id).value),
            t0,
            pending=RAY_PENDING,
            terminal=RAY_TERMINAL,
            timeout=self.args.run_timeout,
        )
        info = self.jobs.get_job_info(job_id)
        server = (info.end_time - info.start_time) / 1000 if info.end_time and info.start_time else None
        error = None if line.final_state == "SUCCEEDED" else f"{info.message} {self._ray_log_tail(job_id)}"
        return Sample("ray_jobs", round_no, job_id, call, line.running_s, line.done_s, line.seen_running,
                      line.final_state, server_done_s=server, error=error)

    def glueworks_once(self, series: str, round_no: int) -> Sample:
        t0 = time.perf_counter()
        if series == "glueworks_boto3":
            run_id = str(self.glue.start_job_run(JobName=JOB_NAME)["JobRunId"])
            call = time.perf_counter() - t0
            first = None
        else:
            run = self.client.runs.start(JOB_NAME)
            call = time.perf_counter() - t0
            run_id, first = run.id, (run.job_run_state.value, t0 + call)
        # Polled through REST for every series, so the series differ only in the start call's door.
        line = follow(
            lambda: str(self.client.runs.get(run_id).job_run_state.value),
            t0,
            pending=GW_PENDING,
            terminal=GW_TERMINAL,
            timeout=self.args.run_timeout,
            first=first,
        )
        row = self.platform.runs.get(self.tenant, run_id)  # in-process read: running_on is not on the wire
        error = None
        if line.final_state != "SUCCEEDED":
            error = f"{row.error_message or ''} {self._run_log_tail(run_id)}".strip()
        return Sample(series, round_no, run_id, call, line.running_s, line.done_s, line.seen_running,
                      line.final_state, server_running_s=_seconds_between(row.started_on, row.running_on),
                      server_done_s=_seconds_between(row.started_on, row.completed_on), error=error)

    def _ray_log_tail(self, job_id: str) -> str:
        try:
            return str(self.jobs.get_job_logs(job_id))[-2000:]
        except Exception as exc:  # the logs are a hint for the reader, not needed for the figures
            return f"(no logs: {exc})"

    def _run_log_tail(self, run_id: str) -> str:
        try:
            return self.client.runs.logs(run_id).text[-2000:]
        except Exception as exc:  # as above
            return f"(no log: {exc})"

    # -- between runs ----------------------------------------------------------------------------------

    def wait_for_warm_pool(self) -> float:
        """Wait until ``warm_drivers`` drivers answer a call, and no driver is still starting.

        ALIVE in Ray's state API means a driver's constructor (its imports) is done; this process hears of it
        a little later. A ``ready()`` call through the driver's name, from this process (which is also the
        launcher's), confirms the driver takes calls from here; the launcher's own readiness check agreed within
        a few ms whenever this was checked.
        """
        import ray
        from ray.util.state import list_actors

        t0 = time.perf_counter()
        deadline = t0 + self.args.run_timeout
        while True:
            actors = list_actors(
                address=self.head.dashboard_url,
                filters=[("class_name", "=", DRIVER_CLASS), ("state", "!=", "DEAD")],
                limit=1000,
                raise_on_missing_output=False,
            )
            states = [str(actor.state) for actor in actors]
            if states.count("ALIVE") >= self.args.warm_drivers and all(s == "ALIVE" for s in states):
                answered = 0
                for actor in actors:
                    if not actor.name:  # the launcher names every driver; anything else is not ours
                        continue
                    try:
                        handle = ray.get_actor(actor.name, namespace=actor.ray_namespace)
                        ray.get(handle.ready.remote(), timeout=max(0.1, deadline - time.perf_counter()))
                        answered += 1
                    except Exception:  # the driver of the run that just ended, being killed: not in the pool
                        continue
                if answered >= self.args.warm_drivers:
                    return time.perf_counter() - t0
            if time.perf_counter() > deadline:
                raise BenchError(
                    f"the warm pool did not refill within {self.args.run_timeout:g} s (driver states {states}); "
                    f"last driver death: {self._driver_death()}"
                )
            time.sleep(0.05)

    def _driver_death(self) -> str:
        from ray.util.state import list_actors

        dead = list_actors(
            address=self.head.dashboard_url,
            filters=[("class_name", "=", DRIVER_CLASS), ("state", "=", "DEAD")],
            limit=1,
            detail=True,
            raise_on_missing_output=False,
        )
        return str(dead[0].death_cause)[-1500:] if dead else "none died"

    def measure(self, series: str, round_no: int) -> Sample:
        waited = 0.0
        if series != "ray_jobs" and self.args.warm_drivers > 0:
            waited = self.wait_for_warm_pool()
        time.sleep(self.args.settle)
        sample = self.ray_once(round_no) if series == "ray_jobs" else self.glueworks_once(series, round_no)
        sample.pool_wait_s = waited
        return sample

    # -- set-up ----------------------------------------------------------------------------------------

    def prepare(self) -> None:
        from glueworks.sdk.models import ExecutionProperty, JobCommand, JobCreate

        upload = self.client.scripts.upload("bench_noop.py", NOOP_SCRIPT)
        self.client.jobs.create(
            JobCreate(
                name=JOB_NAME,
                description="latency benchmark: a no-op Glue script",
                command=JobCommand(script_location=upload.script_location),
                execution_property=ExecutionProperty(max_concurrent_runs=100),
            )
        )
        say(f"warming up: {self.args.warmup} untimed runs per series")
        for _ in range(self.args.warmup):
            self._check_warmup(self.ray_once(0))
            self._check_warmup(self.measure("glueworks_rest", 0))
        try:
            self.glue.get_job(JobName=JOB_NAME)
            for _ in range(self.args.warmup):
                self._check_warmup(self.measure("glueworks_boto3", 0))
        except BenchError:
            raise
        except Exception as exc:  # the Glue door is optional here: report why it was left out
            self.glue_door_error = f"{type(exc).__name__}: {exc}"
            say(f"Glue door (boto3) left out: {self.glue_door_error}")

    @staticmethod
    def _check_warmup(sample: Sample) -> None:
        if sample.final_state != "SUCCEEDED":
            raise BenchError(f"warm-up {sample.series} run {sample.run_id} ended {sample.final_state}: {sample.error}")

    # -- the measurement -------------------------------------------------------------------------------

    def run(self) -> None:
        self.prepare()
        series = ["ray_jobs", "glueworks_rest"] + ([] if self.glue_door_error else ["glueworks_boto3"])
        rounds = self.args.rounds
        sizes = [self.args.runs // rounds + (1 if r < self.args.runs % rounds else 0) for r in range(rounds)]
        for round_no, size in enumerate(sizes, start=1):
            order = series[round_no % len(series):] + series[: round_no % len(series)]  # rotate: no side always first
            for name in order:
                for _ in range(size):
                    self.samples[name].append(self.measure(name, round_no))
            say(f"round {round_no}/{rounds}: " + ", ".join(
                f"{name} RUNNING p50 {self._p50(name):.3f} s" for name in series
            ))
        if self.args.back_to_back:
            say(f"back-to-back: {self.args.back_to_back} REST runs, each started as soon as the last ended")
            self.wait_for_warm_pool()
            name = "glueworks_rest_back_to_back"
            for _ in range(self.args.back_to_back):
                self.samples[name].append(self.glueworks_once(name, 0))

    def _p50(self, series: str) -> float:
        summary = Summary.of([s.running_s for s in self.samples[series]])
        return float("nan") if summary is None else summary.p50


def say(message: str) -> None:
    print(message, flush=True)


def summarise(samples: list[Sample]) -> dict[str, Summary | None]:
    """Per metric, over the runs that SUCCEEDED (the others are counted in the notes and kept in the JSON)."""
    ended = [s for s in samples if s.done_s is not None and s.final_state == "SUCCEEDED"]
    return {
        "call": Summary.of([s.call_s for s in ended]),
        "running": Summary.of([s.running_s for s in ended]),
        "succeeded": Summary.of([s.done_s for s in ended if s.done_s is not None]),
        "server_running": Summary.of([s.server_running_s for s in ended if s.server_running_s is not None]),
        "server_done": Summary.of([s.server_done_s for s in ended if s.server_done_s is not None]),
        "pool_wait": Summary.of([s.pool_wait_s for s in ended]),
    }


def table_rows(stats: dict[str, dict[str, Summary | None]]) -> list[Row]:
    ray, rest, boto, b2b = (stats[k] for k in ("ray_jobs", "glueworks_rest", "glueworks_boto3",
                                               "glueworks_rest_back_to_back"))
    rows = [
        Row("StartJobRun -> RUNNING (REST)", rest["running"], ray["running"]),
        Row("StartJobRun -> SUCCEEDED (REST)", rest["succeeded"], ray["succeeded"]),
        Row("start call returned (REST)", rest["call"], ray["call"]),
        Row("server: started_on -> script began", rest["server_running"], None),
        Row("server: started_on -> completed_on", rest["server_done"], ray["server_done"]),
    ]
    if boto["running"] is not None:
        rows += [
            Row("StartJobRun -> RUNNING (boto3)", boto["running"], ray["running"]),
            Row("StartJobRun -> SUCCEEDED (boto3)", boto["succeeded"], ray["succeeded"]),
            Row("start call returned (boto3)", boto["call"], ray["call"]),
        ]
    if b2b["running"] is not None:
        rows += [
            Row("back-to-back -> RUNNING (REST)", b2b["running"], ray["running"]),
            Row("back-to-back -> SUCCEEDED (REST)", b2b["succeeded"], ray["succeeded"]),
        ]
    return rows


def goals(stats: dict[str, dict[str, Summary | None]]) -> dict[str, dict[str, Any]]:
    """Whether StartJobRun -> RUNNING meets p50 <= 0.5 s and is >= 3x faster than Ray Jobs at p50."""
    result: dict[str, dict[str, Any]] = {}
    for series in ("glueworks_rest", "glueworks_boto3"):
        ours = stats[series]["running"]
        if ours is None:
            continue
        speedup = ratio(stats["ray_jobs"]["running"], ours, "p50")
        result[series] = {
            "running_p50_s": ours.p50,
            "p50_goal_s": GOAL_P50_SECONDS,
            "p50_goal_met": ours.p50 <= GOAL_P50_SECONDS,
            "ray_over_glueworks_p50": speedup,
            "ratio_goal": GOAL_RATIO,
            "ratio_goal_met": speedup is not None and speedup >= GOAL_RATIO,
        }
    return result


def report(bench: Bench, *, started: datetime, elapsed: float) -> dict[str, Any]:
    """Print the table and notes; return the JSON result."""
    stats = {name: summarise(samples) for name, samples in bench.samples.items()}
    goal = goals(stats)
    args = bench.args
    say("")
    say(f"StartJobRun latency: no-op job, warm local Ray head ({args.num_cpus} CPUs, dashboard on), "
        f"{args.runs} runs per series in {args.rounds} interleaved rounds, {POLL_SECONDS * 1000:g} ms client poll")
    say(render_table(table_rows(stats)))
    say("")
    for series, verdict in goal.items():
        speed = verdict["ray_over_glueworks_p50"]
        say(f"goal ({SERIES_TITLES[series]}): RUNNING p50 {verdict['running_p50_s']:.3f} s <= "
            f"{GOAL_P50_SECONDS} s: {'MET' if verdict['p50_goal_met'] else 'NOT MET'}; "
            f"Ray Jobs / glueworks p50 = {'-' if speed is None else f'{speed:.1f}x'} >= {GOAL_RATIO:g}x: "
            f"{'MET' if verdict['ratio_goal_met'] else 'NOT MET'}")
    notes = _notes(bench, stats)
    for note in notes:
        say(f"note: {note}")
    return {
        "benchmark": "startrun_latency",
        "created_at": started.isoformat(),
        "elapsed_s": elapsed,
        "config": {
            "runs": args.runs, "rounds": args.rounds, "warmup": args.warmup, "back_to_back": args.back_to_back,
            "warm_drivers": args.warm_drivers, "settle_s": args.settle, "poll_s": POLL_SECONDS,
            "num_cpus": args.num_cpus, "ray_auth": args.ray_auth, "ray_entrypoint": "python -c pass",
            "glue_script": NOOP_SCRIPT,
        },
        "environment": _environment(),
        "glue_door": {"measured": bench.glue_door_error is None, "error": bench.glue_door_error},
        "goal": goal,
        "summary": {
            name: {metric: None if s is None else s.as_dict() for metric, s in metrics.items()}
            for name, metrics in stats.items()
        },
        "notes": notes,
        "samples": {name: [asdict(s) for s in samples] for name, samples in bench.samples.items()},
    }


def _notes(bench: Bench, stats: dict[str, dict[str, Summary | None]]) -> list[str]:
    notes = [
        f"before each glueworks run (not back-to-back) the bench waited for the warm pool to hold "
        f"{bench.args.warm_drivers} ready drivers, then {bench.args.settle:g} s; before each Ray Jobs submit "
        f"it waited {bench.args.settle:g} s",
        "all glueworks series are polled through REST GET /v1/runs/{id}; Ray Jobs through get_job_status",
    ]
    wait = stats["glueworks_rest"]["pool_wait"]
    if wait is not None:
        notes.append(f"pool refill wait before REST runs: p50 {wait.p50:.3f} s, max {wait.max:.3f} s")
    for name, samples in bench.samples.items():
        if not samples:
            continue
        unseen = sum(1 for s in samples if not s.seen_running)
        if unseen:
            notes.append(f"{SERIES_TITLES[name]}: {unseen} of {len(samples)} runs were never seen RUNNING "
                         f"(ended between two polls); their RUNNING time is when the end was seen")
        bad = [s for s in samples if s.final_state != "SUCCEEDED"]
        if bad:
            notes.append(f"{SERIES_TITLES[name]}: {len(bad)} of {len(samples)} runs did not succeed, e.g. "
                         f"{bad[0].run_id} {bad[0].final_state}: {(bad[0].error or '')[:300]}")
    if bench.glue_door_error:
        notes.append(f"boto3 / Glue door not measured: {bench.glue_door_error}")
    return notes


def _environment() -> dict[str, Any]:
    import ray

    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=BENCH_DIR, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "python": sys.version.split()[0],
        "ray": ray.__version__,
        "cpus": os.cpu_count(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per series (>= 1; default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds the runs are split into")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON result "
                        "(default: bench/results/startrun_latency-<UTC time>.json)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per series first (default 3)")
    parser.add_argument("--back-to-back", type=int, default=10,
                        help="extra REST runs with no wait between them (0: skip; default 10)")
    parser.add_argument("--warm-drivers", type=int, default=2, help="the platform's warm pool size (default 2)")
    parser.add_argument("--settle", type=float, default=0.2, help="seconds of quiet before each timed run")
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of the Ray head (default 2)")
    parser.add_argument("--run-timeout", type=float, default=60.0, help="seconds before giving up on one run")
    parser.add_argument("--ray-auth", choices=("token", "disabled"), default="token",
                        help="Ray token authentication on the head (default token, as `ray.init()` does)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temp folder (Ray logs, database)")
    args = parser.parse_args(argv)
    for name in ("runs", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    if args.rounds > args.runs:
        parser.error("--rounds must be <= --runs")
    for name in ("warmup", "back_to_back", "warm_drivers", "settle"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be >= 0")
    if args.warmup < 1:
        parser.error("--warmup must be >= 1: the first runs pay one-time costs")
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # so every `finally` below runs and the head is stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.basicConfig(level=logging.WARNING)
    temp = Path(tempfile.mkdtemp(prefix="gwbench-"))
    started, t0 = datetime.now(UTC), time.perf_counter()
    try:
        configure_ray_auth(args.ray_auth, temp)  # before Ray is imported: both sides read it
        import ray

        from glueworks.platform.embedded import embedded_platform
        from glueworks.platform.settings import RaySettings, Settings, StorageSettings

        say(f"starting a Ray head ({args.num_cpus} CPUs, dashboard on) in {temp}")
        with ray_head(temp, num_cpus=args.num_cpus) as head:
            try:
                data = temp / "data"
                settings = Settings(
                    data_dir=data,
                    port=0,
                    ray=RaySettings(address=head.address, warm_drivers=args.warm_drivers),
                    storage=StorageSettings(allowed_file_roots=[str(data)]),
                )
                with embedded_platform(settings) as (url, platform):
                    # Connecting to Ray installs Ray's own SIGTERM handler, which aborts the process; put
                    # ours back so a SIGTERM still unwinds through the `finally` blocks and stops the head.
                    signal.signal(signal.SIGTERM, _interrupt)
                    say(f"glueworks at {url}, Ray head {head.address}, dashboard {head.dashboard_url}")
                    bench = Bench(args, head, url, platform)
                    try:
                        bench.run()
                    finally:
                        bench.client.close()
            finally:
                if ray.is_initialized():
                    ray.shutdown()
        result = report(bench, started=started, elapsed=time.perf_counter() - t0)
    except BenchError as exc:
        say(f"benchmark failed: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted: the Ray head and everything it started were stopped; no result written")
        return 130
    finally:
        if args.keep_temp:
            say(f"kept {temp}")
        else:
            shutil.rmtree(temp, ignore_errors=True)
    path = args.json or BENCH_DIR / "results" / f"startrun_latency-{started:%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    say(f"result written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
