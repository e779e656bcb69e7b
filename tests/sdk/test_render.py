"""CLI rendering: durations, tables, and the live progress line on a terminal."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta

import pytest

from glueworks.sdk import _render
from glueworks.sdk._cli_runs import _progress_printer
from glueworks.sdk.models import JobRun, RunMetrics

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59.9, "59s"),
        (65, "1m05s"),
        (3725, "1h02m05s"),
        (2 * 86400 + 3 * 3600 + 4 * 60, "2d03h04m"),
        (-3, "0s"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert _render.duration(seconds) == text


def test_table_aligns_columns_without_trailing_spaces() -> None:
    text = _render.table(["A", "LONG HEADER"], [["wide value", "x"], ["y", ""]])
    lines = text.splitlines()
    assert lines[0].index("LONG HEADER") == lines[1].index("x")
    assert all(line == line.rstrip() for line in lines)


def run(state: str, read: int, seconds: int) -> JobRun:
    done = state == "SUCCEEDED"
    return JobRun(
        id="jr_1",
        job_name="j",
        job_run_state=state,  # type: ignore[arg-type]
        started_on=T0,
        last_modified_on=T0 + timedelta(seconds=seconds),
        completed_on=T0 + timedelta(seconds=seconds) if done else None,
        metrics=RunMetrics(records_read=read, records_written=read, error_records=1),
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    show = _progress_printer()
    show(run("RUNNING", 5, 1))
    show(run("RUNNING", 1500, 2))
    show(run("SUCCEEDED", 2000, 125))
    out = terminal.getvalue()
    assert out.count("\r") == 3
    assert out.endswith("\n") and out.count("\n") == 1  # only the final state ends the line
    last = out.rsplit("\r", 1)[1]
    assert "SUCCEEDED" in last and "2m05s elapsed" in last and "read 2,000" in last and "errors 1" in last


def test_progress_writes_a_line_per_change_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    show = _progress_printer()
    for update in (run("RUNNING", 5, 1), run("RUNNING", 5, 2), run("RUNNING", 6, 3), run("SUCCEEDED", 6, 4)):
        show(update)
    lines = pipe.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["RUNNING", "RUNNING", "SUCCEEDED"]
    assert "\r" not in pipe.getvalue()
