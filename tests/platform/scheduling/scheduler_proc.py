"""A scheduler process for the multi-process test: ``python -m tests.platform.scheduling.scheduler_proc``.

Arguments: database URL, data folder, the fixed "now" (ISO 8601). It builds the real platform services with a
launcher that accepts runs and never starts them (each run row the scheduler creates stays STARTING instead of
starting Ray work), and runs scheduler passes until it is killed.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from glueworks.platform.context import build_platform
from glueworks.platform.launchers import Launcher, LaunchListener, LaunchRequest
from glueworks.platform.settings import Settings


class IdleLauncher(Launcher):
    """A backend that accepts runs and never starts them: the run rows stay STARTING (no Ray work)."""

    def start(self, listener: LaunchListener) -> None:
        self.listener = listener

    def submit(self, request: LaunchRequest) -> None:
        pass

    def stop(self, run_id: str) -> bool:
        return False

    def active_runs(self) -> set[str]:
        return set()

    def close(self) -> None:
        pass


def settings_for(url: str, root: Path) -> Settings:
    return Settings(
        data_dir=root,
        port=0,
        database={"url": url},
        storage={"allowed_file_roots": [str(root)]},
        scheduler={"enabled": False, "interval": 0.01},
    )


def main(url: str, root: str, now: str) -> None:
    at = datetime.fromisoformat(now)
    launcher = IdleLauncher()
    platform = build_platform(settings_for(url, Path(root)), launcher=launcher, clock=lambda: at)
    launcher.start(platform.runs)
    print("ready", flush=True)
    while True:
        platform.scheduler.run_once()
        time.sleep(0.02)


if __name__ == "__main__":
    main(*sys.argv[1:4])
