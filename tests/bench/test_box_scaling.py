"""bench/box_scaling.py: each kind does the work it names, pairs start together, the table reads right."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.bench.bench_modules import load_bench_module


@pytest.fixture(scope="module")
def box() -> ModuleType:
    return load_bench_module("box_scaling")


@pytest.mark.parametrize("kind", ["anon", "file"])
def test_paged_kinds_touch_every_page_and_leave_no_file(box: ModuleType, kind: str, tmp_path: Path) -> None:
    results = box.timed(kind, 2, str(tmp_path), processes=2, warm=True)
    assert len(results) == 2
    for wall, user, system, pages in results:
        assert pages == 2 * 1024 * 1024 // 4096
        assert wall > 0 and user >= 0 and system >= 0
    assert list(tmp_path.iterdir()) == []


def test_compute_kinds_report_no_pages(box: ModuleType, tmp_path: Path) -> None:
    for kind in ("cpu", "memcpy"):
        [(wall, _, _, pages)] = box.timed(kind, 1, str(tmp_path), processes=1, warm=False)
        assert pages == 0 and wall > 0


def test_a_quick_reading_compares_a_pair_with_one_alone(box: ModuleType) -> None:
    ratio = box.pair_over_alone("cpu", reps=1, mb=2)
    assert 0.2 < ratio < 10  # two processes on two CPUs, or one after the other: a time ratio, not 0 or inf
    with pytest.raises(ValueError, match="kind: 'anon'"):
        box.pair_over_alone("anon")


def test_the_table_gives_the_ratio_and_per_page_cost_of_each_row(box: ModuleType) -> None:
    rows = [
        {"kind": "cpu", "pages": "-", "alone_s": 1.0, "pair_s": 1.02, "pair_over_alone": 1.02, "sys_share_pair": 0.01},
        {
            "kind": "file",
            "pages": "fresh",
            "alone_s": 0.06,
            "pair_s": 0.1,
            "pair_over_alone": 1.667,
            "sys_share_pair": 0.99,
            "alone_us_per_page": 1.2,
            "pair_us_per_page": 2.0,
        },
    ]
    lines = box.table(rows).splitlines()
    assert lines[2] == "| cpu | - | 1.000 | 1.020 | 1.02 | - | 1% |"
    assert lines[3] == "| file | fresh | 0.060 | 0.100 | 1.67 | 1.20 / 2.00 | 99% |"
