"""The package's public names exist, and importing it builds and connects nothing."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

import glueworks.runtime as runtime
from glueworks.runtime import GlueContext


def test_all_is_sorted_and_complete() -> None:
    assert runtime.__all__ == sorted(runtime.__all__)
    for name in runtime.__all__:
        assert hasattr(runtime, name), name


def test_import_starts_nothing() -> None:
    code = (
        "import sys, threading, glueworks.runtime\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_script_logger_speaks_glue(caplog: pytest.LogCaptureFixture) -> None:
    logger = GlueContext().get_logger()
    with caplog.at_level(logging.INFO, logger="glueworks.job"):
        logger.info("hello")
        logger.warn("careful")
        logger.error("broken")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "hello"),
        ("WARNING", "careful"),
        ("ERROR", "broken"),
    ]
