"""glueworks: the pipeline as a Glue script (``bench/lake/glue_job.py``), three ways.

* ``--variant local``: in this process on the local executor (``--workers`` threads);
* ``--variant ray``: in this process on the Ray executor, after ``start_local_ray(--workers)`` (the local Ray
  the platform starts) and one primed task worker per CPU, as the platform's warm pool leaves them (both are
  set-up time);
* ``--variant job``: submitted through a live platform (embedded in this process: SQLite, the REST door,
  its own local Ray) with the SDK, waited for until it ends. The platform start is the set-up time; the
  work time is StartJobRun → SUCCEEDED as the client sees it.

Malformed lines are error records; their count comes from the run's metrics.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from _common import Clock, EngineArgs, parse_args, patient_ray_start, write_result

SCRIPT = Path(__file__).resolve().parent.parent / "glue_job.py"


def run_in_process(args: EngineArgs, clock: Clock) -> dict[str, Any]:
    import glueworks.runtime  # noqa: F401  # its import is set-up, as Ray's start is

    if args.variant == "ray":
        start_ray(args.workers)
    clock.setup_finished()
    return run_pipeline(args.input, args.output, args.variant, args.workers)


def start_ray(workers: int) -> list[int]:
    """A local Ray of `workers` CPUs with one primed task worker per CPU; the workers' process ids.

    Primed as the platform's warm pool leaves them: Ray starts workers lazily and their ~1 s import is
    start-up, which the 2-vs-1-worker speed-up is to exclude.
    """
    import ray

    from glueworks.runtime.executors.local_ray import start_local_ray
    from glueworks.runtime.executors.ray import prime_task_workers

    patient_ray_start()
    start_local_ray(workers)  # as the platform starts its own local Ray
    return list(ray.get(prime_task_workers(workers)))


def run_pipeline(dataset: Path, output: Path, executor: str, workers: int) -> dict[str, Any]:
    """Run the lake script once in this process on `executor` (``local`` or ``ray``, already started); its metrics."""
    from glueworks.runtime import JobRunContext, activate, run_script, uninstall_awsglue_modules

    run_id = f"lake-{uuid.uuid4().hex[:8]}"
    ctx = JobRunContext(
        run_id=run_id,
        job_name="lake",
        attempt=0,
        executor=executor,
        max_parallelism=workers,
        error_records_location=str(output / "_errors" / "errors.jsonl"),
    )
    argv = [str(SCRIPT), "--JOB_NAME", "lake", "--JOB_RUN_ID", run_id]
    argv += ["--input_path", str(dataset), "--output_path", str(output)]
    try:
        with activate(ctx):
            run_script(str(SCRIPT), argv)
            metrics = ctx.finish(succeeded=True)
    finally:
        uninstall_awsglue_modules()
    return dict(metrics)


def run_as_job(args: EngineArgs, clock: Clock) -> dict[str, Any]:
    from glueworks.platform.embedded import embedded_platform
    from glueworks.platform.settings import load_settings
    from glueworks.sdk import Client
    from glueworks.sdk.models import JobCommand, JobCreate, JobRunState, WorkerType

    patient_ray_start()  # the platform starts its own local Ray in this process
    with tempfile.TemporaryDirectory(prefix="lake-platform-") as data_dir:
        settings = load_settings(
            port=0,
            data_dir=Path(data_dir),
            ray={"num_cpus": args.workers, "warm_drivers": 1},
            storage={"allowed_file_roots": [str(args.input.parent), str(args.output.parent), data_dir]},
        )
        with embedded_platform(settings) as (url, _platform), Client(url) as client:
            upload = client.scripts.upload("lake_job.py", SCRIPT.read_bytes())
            client.jobs.create(
                JobCreate(
                    name="lake",
                    command=JobCommand(script_location=upload.script_location),
                    worker_type=WorkerType.G_1X,
                    number_of_workers=args.workers,
                )
            )
            # The platform start includes its warm pool: a driver still importing, or task workers still
            # starting, when the run is submitted would be charged to the run instead.
            wait_ready = getattr(_platform.launcher, "wait_ready", None)
            if wait_ready is not None:
                wait_ready(300)
            clock.setup_finished()
            run = client.runs.start(
                "lake", arguments={"--input_path": str(args.input), "--output_path": str(args.output)}
            )
            # A long poll: the server answers as soon as the run ends, so no short polling interval is needed
            # (10 polls a second cost the platform ~0.4 CPU s of a 7 s run, on the run's CPUs).
            final = client.runs.wait(run.id, timeout=3600, poll_interval=10)
            if final.job_run_state != JobRunState.SUCCEEDED:
                raise RuntimeError(f"run {run.id} ended {final.job_run_state.value}: {final.error_message}")
            metrics = client.runs.metrics(run.id)
            dumped: dict[str, Any] = json.loads(metrics.model_dump_json())
            # Written here, not after the platform has stopped: the work is StartJobRun -> SUCCEEDED, as the
            # in-process variants' work does not include a Ray shutdown either.
            write_result(args, clock, int(dumped.get("error_records", -1)), metrics=dumped)
            return dumped


def main() -> int:
    clock = Clock()
    args = parse_args(variants=("local", "ray", "job"))
    if args.variant == "job":
        run_as_job(args, clock)  # writes its result before the platform stops
        return 0
    metrics = run_in_process(args, clock)
    write_result(args, clock, int(metrics.get("error_records", -1)), metrics=metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
