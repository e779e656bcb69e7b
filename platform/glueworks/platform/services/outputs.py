"""Exactly-once output commit, the platform's half: record, publish, roll forward, clean up.

A platform run's driver stages its outputs and returns their manifests instead of publishing them
(`glueworks.runtime.commit_log`). Then:

1. ``on_terminal`` (a RunService terminal hook, inside the transaction that records the run's end):
   for a SUCCEEDED run, one ``run_outputs`` row per manifest in state COMMITTED. The run is SUCCEEDED
   if and only if its outputs are COMMITTED: they are written in one transaction.
2. Right after that transaction commits, the outputs are published (staged files moved into place,
   then the commit-log entry written; readers see old or new, never a mix) and marked PUBLISHED.
   Until then a reader of the run's state publishes first (``settle``): SUCCEEDED is never seen
   before the output is in place.
3. ``sweep`` (at platform start and periodically) rolls forward: any COMMITTED output is published
   (a crash between 1 and 2 loses nothing), and staging of terminal runs that did not succeed is
   removed, using the staging journal the driver wrote before writing any file (a stopped or timed-out
   run's driver was killed and could not clean up itself).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from glueworks.platform.db import Database, JobRunRow
from glueworks.platform.db.commit_models import RunOutputRow
from glueworks.platform.launchers import RunOutcome
from glueworks.runtime import commit_log
from glueworks.runtime.commit_log import OutputManifest
from glueworks.runtime.locations import parse_location

log = logging.getLogger(__name__)

COMMITTED, PUBLISHED = "COMMITTED", "PUBLISHED"
JOURNAL_NAME = "staging.jsonl"
_TERMINAL = ("STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED")
_AFTER_COMMIT_KEY = "glueworks_outputs_after_commit"


class OutputService:
    """Commits, publishes and cleans up the outputs of job runs.

    Args:
        db: The platform database.
        storage_root: Local folder holding ``runs/<tenant>/<run>/`` (where drivers keep staging journals).
        clock: Current time (UTC).
        storage_options: Filesystem options per protocol (an S3 endpoint), as the drivers get them.
        cleanup_grace: How long after a run ended its staging journal is kept, so a write task still
            finishing on a killed driver's worker is cleaned up too.
    """

    def __init__(
        self,
        db: Database,
        storage_root: str,
        *,
        clock: Callable[[], datetime],
        storage_options: Mapping[str, Mapping[str, Any]] | None = None,
        cleanup_grace: timedelta = timedelta(seconds=30),
    ) -> None:
        self._db = db
        self._root = Path(storage_root)
        self._clock = clock
        self._storage_options = dict(storage_options or {})
        self._grace = cleanup_grace
        self._publish_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the RunService terminal hook ---------------------------------------------------------------------

    def on_terminal(self, session: Session, run: JobRunRow, outcome: RunOutcome) -> None:
        """Record a SUCCEEDED run's outputs as COMMITTED, in the run's own transaction.

        A manifest that does not parse fails the run (nothing of it is published). After the transaction
        commits, the outputs are published (SUCCEEDED) or the run's staging removed (any other end).
        """
        manifests: list[OutputManifest] = []
        if run.state == "SUCCEEDED":
            try:
                manifests = [self._check(run, OutputManifest.from_dict(item)) for item in outcome.outputs]
            except ValueError as exc:
                run.state = "FAILED"
                run.error_message = f"the run's output could not be committed: {exc}"
                manifests = []
        now = self._clock()
        for manifest in manifests:
            session.add(
                RunOutputRow(
                    tenant_id=run.tenant_id,
                    run_id=run.id,
                    job_name=run.job_name,
                    location=manifest.location,
                    token=manifest.token,
                    manifest=manifest.to_dict(),
                    state=COMMITTED,
                    committed_on=now,
                    published_on=None,
                    last_error=None,
                )
            )
        tenant_id, run_id = run.tenant_id, run.id

        def after(_session: Session) -> None:
            # The run's state is durable now: publish (or clean up). Failures are left to the sweep.
            try:
                if manifests and run.state == "SUCCEEDED":
                    self.publish_run(tenant_id, run_id)
                else:
                    self.clean_staging(tenant_id, run_id)
            except Exception:
                log.exception("publishing or cleaning outputs of run %s failed; the sweep will retry", run_id)

        event.listen(session, "after_commit", after, once=True)

    def _check(self, run: JobRunRow, manifest: OutputManifest) -> OutputManifest:
        parse_location(manifest.location, "outputs.location", self._storage_options)
        if not manifest.token.startswith(_safe(run.id)):
            raise ValueError(f"outputs.token: {manifest.token!r} does not belong to run {run.id}")
        return manifest

    # -- publication ----------------------------------------------------------------------------------------

    def publish_run(self, tenant_id: str, run_id: str) -> int:
        """Publish the COMMITTED outputs of one run; return how many were published."""
        return self.settle(tenant_id, [run_id])

    def settle(self, tenant_id: str, run_ids: Sequence[str] | None = None) -> int:
        """Publish what is still COMMITTED of these runs (None: of all the tenant's runs); return how many.

        The read barrier (a `RunService` settle hook): a SUCCEEDED run's outputs are published right after
        its transaction commits, and a reader that sees SUCCEEDED in between would find them missing. A
        reader calls this first, and waits for (or does) the publication.
        """
        query = select(RunOutputRow).where(RunOutputRow.tenant_id == tenant_id, RunOutputRow.state == COMMITTED)
        if run_ids is not None:
            query = query.where(RunOutputRow.run_id.in_(list(run_ids)))
        with self._db.transaction() as session:
            if session.scalars(query.with_only_columns(RunOutputRow.id).limit(1)).first() is None:
                return 0  # the common case: nothing pending, no lock taken
        return self._publish(query)

    def publish_pending(self) -> int:
        """Roll forward: publish every COMMITTED output of every tenant; return how many."""
        return self._publish(select(RunOutputRow).where(RunOutputRow.state == COMMITTED))

    def _publish(self, query: Any) -> int:
        with self._publish_lock:  # one publisher at a time in this process; publishing twice is harmless anyway
            with self._db.transaction() as session:
                found = session.scalars(query.order_by(RunOutputRow.id))
                rows = [(row.id, row.run_id, dict(row.manifest)) for row in found]
            done = 0
            for row_id, run_id, data in rows:
                manifest = OutputManifest.from_dict(data)
                location = parse_location(manifest.location, "location", self._storage_options)
                error: str | None = None
                try:
                    commit_log.publish(location.filesystem(), location.path, manifest, run_id=run_id)
                except OSError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("could not publish output %s of run %s: %s", manifest.location, run_id, error)
                with self._db.transaction() as session:
                    row = session.get(RunOutputRow, row_id)
                    if row is None:
                        continue
                    if error is None:
                        row.state, row.published_on, row.last_error = PUBLISHED, self._clock(), None
                        done += 1
                    else:
                        row.last_error = error
            return done

    def outputs(self, tenant_id: str, run_id: str) -> list[dict[str, Any]]:
        """The outputs of a run: location, token, state, files and counts."""
        with self._db.transaction() as session:
            rows = session.scalars(
                select(RunOutputRow)
                .where(RunOutputRow.tenant_id == tenant_id, RunOutputRow.run_id == run_id)
                .order_by(RunOutputRow.id)
            )
            return [
                {
                    "location": row.location,
                    "token": row.token,
                    "state": row.state,
                    "records": int(row.manifest.get("records", 0)),
                    "size": int(row.manifest.get("size", 0)),
                    "files": [f["relative_path"] for f in row.manifest.get("files", [])],
                    "last_error": row.last_error,
                }
                for row in rows
            ]

    # -- staging cleanup ------------------------------------------------------------------------------------

    def clean_staging(self, tenant_id: str, run_id: str) -> int:
        """Remove the staging folders a run's journal lists, except those of its committed outputs.

        Returns:
            How many staging folders were removed.
        """
        journal = self._journal(tenant_id, run_id)
        if not journal.exists():
            return 0
        with self._db.transaction() as session:
            keep = set(
                session.scalars(
                    select(RunOutputRow.token).where(
                        RunOutputRow.tenant_id == tenant_id,
                        RunOutputRow.run_id == run_id,
                        RunOutputRow.state == COMMITTED,
                    )
                )
            )
        removed = 0
        for url in _journal_urls(journal):
            location = parse_location(url, "staging", self._storage_options)
            root, _, token = location.path.rstrip("/").rpartition(f"/{commit_log.STAGING_DIR}/")
            if not root or token in keep:
                continue
            commit_log.remove_staging(location.filesystem(), root, token)
            removed += 1
        return removed

    def sweep(self) -> None:
        """Roll forward COMMITTED outputs, and clean staging of runs that ended more than the grace ago."""
        self.publish_pending()
        runs_dir = self._root / "runs"
        if not runs_dir.exists():
            return
        cutoff = self._clock() - self._grace
        for journal in sorted(runs_dir.glob(f"*/*/{JOURNAL_NAME}")):
            tenant_id, run_id = journal.parent.parent.name, journal.parent.name
            with self._db.transaction() as session:
                run = session.scalars(
                    select(JobRunRow).where(JobRunRow.tenant_id == tenant_id, JobRunRow.id == run_id)
                ).first()
                pending = session.scalars(
                    select(RunOutputRow.id).where(
                        RunOutputRow.tenant_id == tenant_id,
                        RunOutputRow.run_id == run_id,
                        RunOutputRow.state == COMMITTED,
                    )
                ).first()
            if run is None or run.state not in _TERMINAL or pending is not None:
                continue
            if run.completed_on is not None and run.completed_on > cutoff:
                continue
            try:
                self.clean_staging(tenant_id, run_id)
                journal.unlink()
            except OSError:
                log.exception("could not clean staging of run %s", run_id)

    def start(self, interval: float) -> None:
        """Sweep now (roll forward what an earlier process committed), then every `interval` seconds."""
        self.sweep()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="glueworks-outputs", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the periodic sweep."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.sweep()
            except Exception:  # keep sweeping; one bad pass must not stop the loop
                log.exception("output sweep failed")

    def _journal(self, tenant_id: str, run_id: str) -> Path:
        return self._root / "runs" / tenant_id / run_id / JOURNAL_NAME


def _journal_urls(journal: Path) -> list[str]:
    urls: list[str] = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed driver
        if isinstance(value, dict) and isinstance(value.get("staging"), str):
            urls.append(value["staging"])
    return urls


def _safe(run_id: str) -> str:
    # The runtime's run token: the run id with anything but [A-Za-z0-9_.-] replaced by "_".
    return re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)
