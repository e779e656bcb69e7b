"""``glueworks scheduler``: the scheduler as its own process, beside servers running with ``scheduler.role=dispatch``.

It fires due cron ticks, evaluates conditional triggers and moves workflow runs along, leaving each firing's
actions PENDING for a server to start (servers own the launcher and Ray). Run one on SQLite (the lease lets one
lead), or several on PostgreSQL (they share the work through row locks). Settings come from ``GLUEWORKS_*``.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import replace
from datetime import UTC, datetime
from types import FrameType

from glueworks.platform.db import Database
from glueworks.platform.scheduling.scheduler import Scheduler
from glueworks.platform.scheduling.wiring import scheduler_config
from glueworks.platform.settings import load_settings

__all__ = ["main"]


def main() -> None:
    """Run scheduler passes until SIGINT or SIGTERM."""
    settings = load_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = Database.connect(settings.database_url, echo=settings.database.echo)
    config = replace(scheduler_config(settings), fire=True)
    scheduler = Scheduler(db, None, clock=lambda: datetime.now(UTC), config=config)
    done = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    logging.getLogger(__name__).info(
        "glueworks scheduler %s on %s", scheduler.holder, settings.database_url.split("@")[-1]
    )
    scheduler.start()
    done.wait()
    scheduler.stop()
    db.dispose()
