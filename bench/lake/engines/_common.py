"""What every engine script shares: the command line, the pipeline's constants, the result file.

Each engine is a script run in a fresh process by ``bench/lake/run.py``:

    python bench/lake/engines/<engine>.py --input DIR --output DIR --result FILE [--workers N]

It reads every file under ``--input`` (JSON lines, ``.gz`` compressed too), runs the pipeline and writes
``<output>/root/date=<day>/…parquet`` (the events) and ``<output>/items/date=<day>/…parquet`` (one row
per element of ``items``), then a small JSON result (malformed lines it quarantined, its set-up and
work seconds) to ``--result``. The harness checks the Parquet against the ground truth.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The filter every engine applies (same as the generator's truth).
DROP_EVENT_TYPE = "logout"
MIN_AMOUNT = 100


@dataclass
class EngineArgs:
    """Parsed command line of an engine script."""

    input: Path
    output: Path
    result: Path
    workers: int
    variant: str


@dataclass
class Clock:
    """Set-up (engine start: sessions, clusters) and work time of one engine run."""

    started: float = field(default_factory=time.perf_counter)
    setup_done: float | None = None

    def setup_finished(self) -> None:
        self.setup_done = time.perf_counter()

    def seconds(self) -> tuple[float, float]:
        now = time.perf_counter()
        ready = self.setup_done if self.setup_done is not None else self.started
        return ready - self.started, now - ready


def parse_args(argv: Sequence[str] | None = None, variants: Sequence[str] = ("default",)) -> EngineArgs:
    """Parse the common engine options."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variant", choices=list(variants), default=variants[0])
    ns = parser.parse_args(argv)
    ns.output.mkdir(parents=True, exist_ok=True)
    return EngineArgs(ns.input, ns.output, ns.result, ns.workers, ns.variant)


def input_files(folder: Path) -> list[Path]:
    """The input files, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and (p.suffix == ".json" or p.name.endswith(".json.gz")))


def good_lines(data: bytes) -> tuple[bytes, int]:
    """Keep the lines that are JSON objects (checked one by one with ``json.loads``); count the rest.

    Blank lines are neither kept nor counted. This is the row path: engines use it only for a block
    their own reader refused.
    """
    good: list[bytes] = []
    bad = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:  # includes invalid UTF-8 and trailing garbage
            bad += 1
            continue
        if isinstance(value, dict):
            good.append(line)
        else:
            bad += 1
    return b"\n".join(good), bad


def patient_ray_start(limit_s: float = 300.0) -> None:
    """Let a local Ray node take up to `limit_s` to register, instead of Ray's fixed 30 s.

    On a heavily shared machine the raylet can take longer than the 30 s Ray allows before it gives
    up ("The current node timed out during startup"). Ray waits in a loop around
    ``ray._private.services.get_node``; this wraps that call so it keeps retrying for up to `limit_s`
    before raising. It changes only how long this process waits; the wait is part of the set-up time.
    """
    import ray._private.services as services

    original: Any = services.get_node
    if getattr(original, "_lake_patient", False):
        return

    def get_node(*args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + limit_s
        while True:
            try:
                return original(*args, **kwargs)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    get_node._lake_patient = True  # type: ignore[attr-defined]
    services.get_node = get_node


def write_result(args: EngineArgs, clock: Clock, malformed: int, **extra: Any) -> None:
    """Write the engine's result file."""
    setup, work = clock.seconds()
    payload = {"malformed": malformed, "setup_s": round(setup, 4), "work_s": round(work, 4), **extra}
    args.result.write_text(json.dumps(payload))
