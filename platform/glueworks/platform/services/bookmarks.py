"""Job bookmarks, the platform's half: the state a run starts from, saving it, reset, rewind and set.

* ``launch_spec`` (called when a run is handed to the launcher) reads the run's ``--job-bookmark-option``
  and gives the driver the saved state and its ``version``; with ``job-bookmark-pause`` and
  ``--job-bookmark-from``/``--job-bookmark-to``, the states saved by those runs.
* ``on_terminal`` (a RunService terminal hook, in the transaction that records SUCCEEDED and the outputs)
  saves the state the driver returned, only if the run SUCCEEDED and the script called ``job.commit()``
  (the driver returns no state otherwise), by compare-and-set on ``version``: if another run saved since
  this one started, this run ends FAILED with a message and nothing of it is committed. So concurrent runs
  of a bookmarked job never corrupt the bookmark; the second to finish fails and can be re-run.
* ``reset`` clears the bookmark (next run reads everything), or with a run id rewinds it to the state that
  run saved (the next run reads what arrived after it). ``put`` sets a state explicitly (beyond Glue).
  Each bumps ``version``, so a run in flight cannot save over a reset. Resets do not touch outputs, as in Glue.
* A bookmark older than its job (the job was deleted and created again) is dropped when next read, as Glue
  deletes a job's bookmark with the job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from glueworks.platform.db import Database, JobRow, JobRunRow
from glueworks.platform.db.commit_models import JobBookmarkHistoryRow, JobBookmarkRow
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError
from glueworks.platform.launchers import RunOutcome
from glueworks.runtime.bookmarks import (
    DISABLE,
    ENABLE,
    PAUSE,
    BookmarkSpec,
    option_from_arguments,
    range_from_arguments,
)


@dataclass(frozen=True)
class BookmarkEntry:
    """Glue's ``JobBookmarkEntry``: the saved state of a job's bookmark."""

    job_name: str
    version: int
    run: int
    attempt: int
    run_id: str | None
    previous_run_id: str | None
    state: dict[str, Any]

    @property
    def job_bookmark(self) -> str:
        """The state as the JSON string Glue's ``JobBookmark`` member holds."""
        return json.dumps(self.state, sort_keys=True)


class BookmarkService:
    """Job bookmarks of every tenant.

    Args:
        db: The platform database.
        clock: Current time (UTC).
    """

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    # -- runs ------------------------------------------------------------------------------------------------

    def launch_spec(self, run: JobRunRow) -> dict[str, Any] | None:
        """What the run's driver starts from (`BookmarkSpec` as a dict), or None when bookmarks are disabled.

        Raises:
            ValueError: A bad ``--job-bookmark-*`` argument, or a ``--job-bookmark-from``/``-to`` run that saved
                no bookmark; the message names the argument.
        """
        option = option_from_arguments(run.arguments)
        if option == DISABLE:
            return None
        with self._db.transaction() as session:
            row = self._row(session, run.tenant_id, run.job_name)
            version = 0 if row is None else row.version
            state = {} if row is None else dict(row.state)
            to_state = None
            start, end = range_from_arguments(run.arguments)
            if option == PAUSE and start is not None and end is not None:
                state = self._saved_by(session, run.tenant_id, run.job_name, start, "--job-bookmark-from")
                to_state = self._saved_by(session, run.tenant_id, run.job_name, end, "--job-bookmark-to")
        return BookmarkSpec(option, version, state, to_state).to_dict()

    def on_terminal(self, session: Session, run: JobRunRow, outcome: RunOutcome) -> None:
        """Save the bookmark a SUCCEEDED run returned (compare-and-set), in the run's own transaction."""
        if run.state != "SUCCEEDED" or not outcome.bookmark:
            return
        if option_from_arguments(run.arguments) != ENABLE:
            return
        started_from = int(outcome.bookmark.get("version", 0))
        state = outcome.bookmark.get("state")
        if not isinstance(state, Mapping):
            run.state = "FAILED"
            run.error_message = "the run returned a malformed job bookmark (state is not an object); nothing committed"
            return
        row = self._row(session, run.tenant_id, run.job_name, lock=True)
        current = 0 if row is None else row.version
        if current != started_from:
            run.state = "FAILED"
            by = "" if row is None or not row.run_id else f" (last saved by run {row.run_id})"
            run.error_message = (
                f"job bookmark of {run.job_name!r} changed while this run was going: it started from version "
                f"{started_from}, the bookmark is now at version {current}{by}. Its output and bookmark were not "
                "committed; run the job again to process the input from the current bookmark."
            )
            return
        self._save(session, run.tenant_id, run.job_name, row, dict(state), run=run)

    # -- API -------------------------------------------------------------------------------------------------

    def get(self, tenant_id: str, job_name: str, run_id: str | None = None) -> BookmarkEntry:
        """The job's bookmark, or (with `run_id`) the state that run saved.

        Raises:
            EntityNotFoundError: No such job, or no bookmark (for that run).
        """
        with self._db.transaction() as session:
            self._job(session, tenant_id, job_name)
            row = self._row(session, tenant_id, job_name)
            if run_id is not None:
                saved = self._saved_by(session, tenant_id, job_name, run_id, "RunId", error=EntityNotFoundError)
                return BookmarkEntry(
                    job_name, self._version_of(session, tenant_id, job_name, run_id), 0, 0, run_id, None, saved
                )
            if row is None:
                raise EntityNotFoundError(f"Continuation for job {job_name} not found")
            return _entry(row)

    def reset(self, tenant_id: str, job_name: str, run_id: str | None = None) -> BookmarkEntry:
        """Clear the bookmark, or rewind it to the state run `run_id` saved.

        Raises:
            EntityNotFoundError: No such job, or `run_id` saved no bookmark of it.
        """
        with self._db.transaction() as session:
            self._job(session, tenant_id, job_name)
            state: dict[str, Any] = {}
            if run_id is not None:
                state = self._saved_by(session, tenant_id, job_name, run_id, "RunId", error=EntityNotFoundError)
            row = self._row(session, tenant_id, job_name, lock=True)
            row = self._save(session, tenant_id, job_name, row, state, rewound_to=run_id)
            return _entry(row)

    def put(self, tenant_id: str, job_name: str, state: Any) -> BookmarkEntry:
        """Set the bookmark's state explicitly (beyond Glue).

        Args:
            state: ``{transformation_ctx: element}``; a file element is
                ``{"kind": "files", "cut": <mtime seconds or null>, "files": {path: mtime}, "band_ms": n}``.

        Raises:
            EntityNotFoundError: No such job.
            InvalidInputError: `state` is not of that shape; the message names the field.
        """
        _check_state(state)
        with self._db.transaction() as session:
            self._job(session, tenant_id, job_name)
            row = self._row(session, tenant_id, job_name, lock=True)
            return _entry(self._save(session, tenant_id, job_name, row, dict(state)))

    # -- helpers ---------------------------------------------------------------------------------------------

    def _save(
        self,
        session: Session,
        tenant_id: str,
        job_name: str,
        row: JobBookmarkRow | None,
        state: dict[str, Any],
        *,
        run: JobRunRow | None = None,
        rewound_to: str | None = None,
    ) -> JobBookmarkRow:
        now = self._clock()
        if row is None:
            row = JobBookmarkRow(
                tenant_id=tenant_id,
                job_name=job_name,
                version=0,
                run=0,
                attempt=0,
                run_id=None,
                previous_run_id=None,
                state={},
                updated_on=now,
            )
            session.add(row)
        row.version += 1
        row.state = state
        row.updated_on = now
        if run is not None:
            row.previous_run_id, row.run_id = row.run_id, run.id
            row.run += 1
            row.attempt = run.attempt
            session.add(
                JobBookmarkHistoryRow(
                    tenant_id=tenant_id,
                    job_name=job_name,
                    run_id=run.id,
                    version=row.version,
                    state=state,
                    created_on=now,
                )
            )
        else:
            row.previous_run_id, row.run_id = row.run_id, rewound_to
        session.flush()
        return row

    def _row(self, session: Session, tenant_id: str, job_name: str, *, lock: bool = False) -> JobBookmarkRow | None:
        query = select(JobBookmarkRow).where(JobBookmarkRow.tenant_id == tenant_id, JobBookmarkRow.job_name == job_name)
        if lock:
            query = query.with_for_update()
        row: JobBookmarkRow | None = session.scalars(query).first()
        if row is not None:
            created = session.scalar(
                select(JobRow.created_on).where(JobRow.tenant_id == tenant_id, JobRow.name == job_name)
            )
            if created is not None and row.updated_on < created:
                # Left by an earlier job of the same name: Glue deletes a job's bookmark with the job.
                session.execute(
                    delete(JobBookmarkHistoryRow).where(
                        JobBookmarkHistoryRow.tenant_id == tenant_id, JobBookmarkHistoryRow.job_name == job_name
                    )
                )
                session.delete(row)
                session.flush()
                return None
        return row

    def _job(self, session: Session, tenant_id: str, job_name: str) -> None:
        if not isinstance(job_name, str) or not job_name:
            raise InvalidInputError("must be a non-empty string", field="JobName")
        found = session.scalars(select(JobRow.id).where(JobRow.tenant_id == tenant_id, JobRow.name == job_name)).first()
        if found is None:
            raise EntityNotFoundError(f"job {job_name!r} not found")

    def _history(self, session: Session, tenant_id: str, job_name: str, run_id: str) -> JobBookmarkHistoryRow | None:
        row: JobBookmarkHistoryRow | None = session.scalars(
            select(JobBookmarkHistoryRow)
            .where(
                JobBookmarkHistoryRow.tenant_id == tenant_id,
                JobBookmarkHistoryRow.job_name == job_name,
                JobBookmarkHistoryRow.run_id == run_id,
            )
            .order_by(JobBookmarkHistoryRow.id.desc())
        ).first()
        return row

    def _saved_by(
        self,
        session: Session,
        tenant_id: str,
        job_name: str,
        run_id: str,
        field: str,
        error: type[Exception] = ValueError,
    ) -> dict[str, Any]:
        row = self._history(session, tenant_id, job_name, run_id)
        if row is None:
            message = f"{field}: run {run_id} of job {job_name!r} saved no job bookmark"
            raise EntityNotFoundError(message) if error is EntityNotFoundError else ValueError(message)
        return dict(row.state)

    def _version_of(self, session: Session, tenant_id: str, job_name: str, run_id: str) -> int:
        row = self._history(session, tenant_id, job_name, run_id)
        return 0 if row is None else row.version


def _entry(row: JobBookmarkRow) -> BookmarkEntry:
    return BookmarkEntry(
        row.job_name, row.version, row.run, row.attempt, row.run_id, row.previous_run_id, dict(row.state)
    )


def _check_state(state: Any) -> None:
    if not isinstance(state, Mapping):
        raise InvalidInputError("must be an object of transformation_ctx to state", field="state")
    for ctx, element in state.items():
        if not isinstance(ctx, str) or not ctx:
            raise InvalidInputError("keys must be non-empty transformation_ctx names", field="state")
        if not isinstance(element, Mapping):
            raise InvalidInputError("must be an object", field=f"state.{ctx}")
        if element.get("kind") != "files":
            raise InvalidInputError("kind must be 'files'", field=f"state.{ctx}.kind")
        cut = element.get("cut")
        if cut is not None and (isinstance(cut, bool) or not isinstance(cut, int | float)):
            raise InvalidInputError("must be a number of seconds or null", field=f"state.{ctx}.cut")
        files = element.get("files", {})
        if not isinstance(files, Mapping) or not all(
            isinstance(p, str) and isinstance(m, int | float) and not isinstance(m, bool) for p, m in files.items()
        ):
            raise InvalidInputError("must map paths to modification times (seconds)", field=f"state.{ctx}.files")
        band = element.get("band_ms", 900_000)
        if isinstance(band, bool) or not isinstance(band, int) or band < 0:
            raise InvalidInputError("must be an integer >= 0", field=f"state.{ctx}.band_ms")
