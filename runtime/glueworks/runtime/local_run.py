"""``glueworks run-local``: run a Glue script on this machine, on the local executor, no server.

The script runs exactly as it would in a job: the ``awsglue`` names resolve to the runtime, a
`JobRunContext` with the local executor is active, output is staged and committed when the
script ends well (removed when it fails), and error records are written to a JSON-lines file.
Glue's own arguments are added the way the platform adds them: ``--JOB_NAME`` (the script's
file name without ``.py``, unless given) and ``--JOB_RUN_ID`` (a fresh ``local-…`` id, unless
given).

Example:
    From a shell::

        $ glueworks run-local etl.py --input_path data/ --output_path out/

    From Python (a test, a notebook)::

        >>> result = run_local("etl.py", ["--input_path", "data/", "--output_path", "out/"])
        >>> result.succeeded, result.metrics["records_written"]
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from glueworks.runtime.bookmarks import local_bookmarks, save_local_bookmarks
from glueworks.runtime.compat import uninstall_awsglue_modules
from glueworks.runtime.errors import ScriptFailedError
from glueworks.runtime.run_context import JobRunContext, activate
from glueworks.runtime.script_runner import run_script

#: Exit status of a run whose script failed (or whose output could not be committed).
EXIT_FAILED = 1
#: Exit status when the script cannot be read or the command line is wrong.
EXIT_USAGE = 2
#: Folder (under the working directory) that gets each local run's error records by default.
DEFAULT_ERRORS_DIR = Path(".glueworks") / "local-runs"


@dataclass
class LocalRunResult:
    """How a local run ended.

    Attributes:
        run_id: The run's id (``--JOB_RUN_ID``).
        job_name: The job's name (``--JOB_NAME``).
        succeeded: Whether the script ended without an error and its output was committed.
        error: ``"Type: message (script.py, line N)"`` when it failed, else None.
        metrics: The run's final counters (records read and written, error records, bytes,
            files, ``output_locations``, ``error_records_location``).
    """

    run_id: str
    job_name: str
    succeeded: bool
    error: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


def glue_arguments(script_path: str, args: Sequence[str], run_id: str | None = None) -> tuple[list[str], str, str]:
    """Add Glue's ``--JOB_NAME`` and ``--JOB_RUN_ID`` to a script's arguments when missing.

    Args:
        script_path: The script; its file name without the suffix is the default job name.
        args: The user's arguments (``--name value`` or ``--name=value``).
        run_id: The run id to use when `args` has no ``--JOB_RUN_ID``; None makes one.

    Returns:
        ``(argv, job_name, run_id)``: the full argument list and the names the script will see.
    """
    argv = list(args)
    given = _given_values(argv)
    job_name = given.get("JOB_NAME") or Path(script_path).stem
    if "JOB_NAME" not in given:
        argv += ["--JOB_NAME", job_name]
    chosen_run_id = given.get("JOB_RUN_ID") or run_id or f"local-{uuid.uuid4().hex[:12]}"
    if "JOB_RUN_ID" not in given:
        argv += ["--JOB_RUN_ID", chosen_run_id]
    return argv, job_name, chosen_run_id


def _given_values(argv: Sequence[str]) -> dict[str, str]:
    """The value of every ``--name value`` / ``--name=value`` in `argv` (last one wins)."""
    values: dict[str, str] = {}
    for index, token in enumerate(argv):
        if not token.startswith("--"):
            continue
        name, has_value, value = token[2:].partition("=")
        if not has_value and index + 1 < len(argv) and not argv[index + 1].startswith("--"):
            value = argv[index + 1]
        values[name] = value
    return values


def run_local(
    script_path: str | os.PathLike[str],
    args: Sequence[str] = (),
    *,
    error_records_location: str | None = None,
    max_parallelism: int = 2,
    run_id: str | None = None,
    catalog_url: str | None = None,
    catalog_key: str | None = None,
    bookmark_file: str | os.PathLike[str] | None = None,
) -> LocalRunResult:
    """Run a Glue script in this process on the local executor, as one job run.

    Output the script writes is committed when it ends well and removed when it fails. The
    ``awsglue`` modules the run installs are removed again afterwards.

    Args:
        script_path: The script file.
        args: Its arguments (``["--input_path", "data/"]``); ``--JOB_NAME`` and
            ``--JOB_RUN_ID`` are added when absent.
        error_records_location: File or folder URL for the error records; by default
            ``.glueworks/local-runs/<run id>/errors.jsonl`` under the working directory.
        max_parallelism: Threads the local executor uses.
        run_id: The run id when `args` has no ``--JOB_RUN_ID``; None makes ``local-<hex>``.
        catalog_url: A glueworks platform whose Data Catalog ``from_catalog`` and catalog writes
            use; None: the script has no catalog (``from_catalog`` fails, naming this option).
        catalog_key: The API key for `catalog_url` (not needed on loopback).
        bookmark_file: JSON file keeping job bookmarks between local runs; needed when the script's
            arguments say ``--job-bookmark-option job-bookmark-enable`` (or ``-pause``). Saved when the run
            succeeds and the script called ``job.commit()``, as on the platform.

    Returns:
        The outcome; a failing script does not raise, it gives ``succeeded=False``.

    Raises:
        FileNotFoundError: The script does not exist (an `OSError` if it cannot be read).
        ValueError: A bad ``--job-bookmark-*`` argument, or bookmarks asked for without `bookmark_file`.
    """
    path = os.fspath(script_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"script_path: no such file: {path}")
    argv, job_name, chosen_run_id = glue_arguments(path, args, run_id)
    if error_records_location is None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in chosen_run_id)
        error_records_location = str((DEFAULT_ERRORS_DIR / safe / "errors.jsonl").resolve())
    ctx = JobRunContext(
        run_id=chosen_run_id,
        job_name=job_name,
        attempt=0,
        executor="local",
        max_parallelism=max_parallelism,
        error_records_location=error_records_location,
        bookmarks=local_bookmarks(bookmark_file, job_name, argv),
    )
    error: str | None = None
    catalog: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if catalog_url:
        from glueworks.runtime.catalog_client import HttpCatalogClient, use_catalog

        catalog = use_catalog(HttpCatalogClient(catalog_url, catalog_key))
    try:
        with activate(ctx), catalog:
            try:
                run_script(path, argv)
            except ScriptFailedError as exc:
                error = str(exc)
            finally:
                try:
                    metrics = ctx.finish(succeeded=error is None)
                    if error is None:  # bookmarks: saved after the output, only for a run that succeeded
                        save_local_bookmarks(bookmark_file, job_name, ctx.bookmark_update())
                except RuntimeError as exc:
                    error = f"could not save the job bookmark: {exc}"
                except OSError as exc:
                    # Committing output or saving error records failed: the run cannot be trusted.
                    error = error or f"could not commit output or save error records: {type(exc).__name__}: {exc}"
                    metrics = {**ctx.metrics.snapshot(), "error_records_location": None}
    finally:
        uninstall_awsglue_modules()
    return LocalRunResult(chosen_run_id, job_name, error is None, error, dict(metrics))


def format_result(result: LocalRunResult) -> str:
    """The summary `main` prints: state, counters, where output and error records went."""
    m = result.metrics
    errors_at = m.get("error_records_location")
    lines = [
        f"job              {result.job_name} (run {result.run_id}, local executor)",
        f"state            {'SUCCEEDED' if result.succeeded else 'FAILED'}",
    ]
    if result.error:
        lines.append(f"error            {result.error}")
    lines += [
        f"records read     {m.get('records_read', 0)}",
        f"records written  {m.get('records_written', 0)}",
        f"error records    {m.get('error_records', 0)}" + (f"  (kept at {errors_at})" if errors_at else ""),
        f"bytes read       {m.get('bytes_read', 0)}",
        f"bytes written    {m.get('bytes_written', 0)}  in {m.get('files_written', 0)} files",
        f"output           {', '.join(m.get('output_locations') or []) or '-'}",
    ]
    return "\n".join(lines) + "\n"


def main(
    script_path: str,
    args: Sequence[str] = (),
    *,
    error_records_location: str | None = None,
    max_parallelism: int = 2,
    out: TextIO | None = None,
    catalog_url: str | None = None,
    catalog_key: str | None = None,
) -> int:
    """Run a script locally, print the summary, and return the process exit status.

    Returns:
        0 when the run succeeded, `EXIT_FAILED` when the script failed (the summary has
        ``Type: message (script.py, line N)``), `EXIT_USAGE` when the script cannot be read.
    """
    stream = out if out is not None else sys.stdout
    try:
        result = run_local(
            script_path,
            args,
            error_records_location=error_records_location,
            max_parallelism=max_parallelism,
            catalog_url=catalog_url,
            catalog_key=catalog_key,
        )
    except OSError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_USAGE
    stream.write(format_result(result))
    stream.flush()
    return 0 if result.succeeded else EXIT_FAILED
