"""The lake benchmark harness at a tiny scale: the generator's ground truth and the checker agree.

Runs the real engine scripts (DuckDB and the glueworks local executor) in fresh processes through
the harness's measured runner, and shows the checker turns a wrong output into WRONG. No Spark, no Ray.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.bench.bench_modules import LAKE, in_fresh_process, load_lake_module

EVENTS = 3000


@pytest.fixture(scope="module")
def lake() -> ModuleType:
    return load_lake_module("run")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, lake: ModuleType) -> Path:
    folder: Path = lake.generate(EVENTS, root=tmp_path_factory.mktemp("lake"), processes=1)
    return folder


@pytest.fixture(scope="module")
def truth(dataset: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((dataset / "truth.json").read_text())
    return loaded


def _lines(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return data.split(b"\n")[:-1]


def test_generator_is_deterministic_and_cached(tmp_path: Path, lake: ModuleType, dataset: Path) -> None:
    again: Path = lake.generate(EVENTS, root=tmp_path, processes=1)
    assert (again / "truth.json").read_text() == (dataset / "truth.json").read_text()
    for path in sorted((dataset / "input").iterdir()):
        assert _lines(path) == _lines(again / "input" / path.name), path.name
    stamp = (again / "truth.json").stat().st_mtime_ns
    assert lake.generate(EVENTS, root=tmp_path, processes=1) == again  # cached: not written again
    assert (again / "truth.json").stat().st_mtime_ns == stamp


def test_dataset_has_the_traps_the_truth_counts(dataset: Path, truth: dict[str, Any]) -> None:
    files = sorted((dataset / "input").iterdir())
    assert sum(p.name.endswith(".gz") for p in files) == 1
    kinds = {f["kind"] for f in truth["files"]}
    assert kinds == {"A", "B", "C", "D", "E"}
    records, malformed, blank, amount_types, campaign_files = 0, 0, 0, set(), []
    bad_share: dict[str, float] = {}
    for index, path in enumerate(files):
        bad_here = 0
        lines = _lines(path)
        for line in lines:
            if not line.strip():
                blank += 1
                continue
            try:
                value = json.loads(line)
            except ValueError:
                bad_here += 1
                continue
            if not isinstance(value, dict):
                bad_here += 1
                continue
            records += 1
            amount_types.add(type(value["amount"]).__name__)
            if "campaign" in value:
                campaign_files.append(index)
        malformed += bad_here
        kind = next(f["kind"] for f in truth["files"] if f["file"] == path.name)
        bad_share[kind] = max(bad_share.get(kind, 0.0), bad_here / len(lines))
    assert (records, malformed, blank) == (truth["records"], truth["malformed"], truth["blank_lines"])
    # 1-5% malformed lines in class D files only (a few hundred lines per file here: some slack).
    assert 0.005 <= bad_share["D"] <= 0.08
    assert all(share == 0 for kind, share in bad_share.items() if kind != "D")
    assert amount_types == {"int", "str"}
    assert campaign_files and min(campaign_files) >= len(files) // 2  # the new field appears late


@pytest.mark.parametrize("engine_name", ["duckdb", "glueworks-local"])
def test_engine_output_matches_truth(
    engine_name: str, lake: ModuleType, dataset: Path, truth: dict[str, Any], tmp_path: Path
) -> None:
    engine = next(e for e in lake.ENGINES if e.name == engine_name)
    record = in_fresh_process("run", "run_engine", engine, 0, dataset, tmp_path, truth, timeout=120)
    assert record.problems == []
    assert record.ok and record.status == "ok"
    assert record.partitions == 2 * len(truth["root_rows_by_date"])
    assert record.files >= record.partitions
    assert record.wall_s > 0 and record.peak_pss_mb > 0
    assert record.steal_s is not None and 0 <= record.steal_s < record.wall_s * 2  # a share of 2 CPUs' time
    assert not (tmp_path / f"{engine_name}-0").exists()  # outputs are removed after the check


def test_checker_scores_a_wrong_answer_as_wrong(
    lake: ModuleType, dataset: Path, truth: dict[str, Any], tmp_path: Path
) -> None:
    check = load_lake_module("check")
    out, result = tmp_path / "out", tmp_path / "result.json"
    script = LAKE / "engines" / "duckdb_engine.py"
    argv = [sys.executable, str(script), "--input", str(dataset / "input"), "--output", str(out)]
    subprocess.run([*argv, "--result", str(result), "--workers", "1"], check=True, timeout=120)
    malformed = json.loads(result.read_text())["malformed"]
    assert check.check_output(out, truth, malformed).ok
    wrong_count = check.check_output(out, truth, malformed + 1)
    assert wrong_count.problems == [f"malformed lines: got {malformed + 1}, want {truth['malformed']}"]
    day = sorted(truth["child_rows_by_date"])[0]
    shutil.rmtree(out / "items" / f"date={day}")
    missing = check.check_output(out, truth, malformed)
    assert not missing.ok
    assert any(p.startswith("items rows by date: 1 dates differ") for p in missing.problems)


def test_a_ratio_just_short_of_its_bound_is_not_printed_as_the_bound(lake: ModuleType) -> None:
    text = "glueworks Ray speed-up, 2 workers vs 1, start-up excluded (work s) ≥ 1.8"
    assert lake.shown(1.7973, text) == "1.797"  # "1.80 → MISSED" read as a contradiction
    assert lake.shown(1.72, text) == "1.72"
    assert lake.shown(1.995, "glueworks job wall / DuckDB wall ≤ 2") == "1.995"
    assert lake.shown(10.27, "PySpark wall / glueworks job wall ≥ 10") == "10.27"
    assert lake.shown(2.0, "glueworks Ray output files / partitions ≤ 2") == "2.00"  # on the bound: met


def test_each_speed_up_repetition_is_shown_with_its_cpu_and_the_hosts_steal(lake: ModuleType) -> None:
    def run(engine: str, rep: int, work_s: float, cpu_s: float, steal_s: float | None, ok: bool = True) -> Any:
        wall_s = work_s + 5
        return lake.RunRecord(engine, rep, ok, "ok", wall_s, work_s, 5.0, cpu_s, 1.0, 1.0, 1, 1, 1.0, steal_s=steal_s)

    records = [
        run("glueworks-ray-1w", 0, 6.0, 10.0, 0.25),
        run("glueworks-ray", 0, 3.0, 12.0, 0.5),
        run("glueworks-ray-1w", 1, 7.0, 8.0, None),
        run("glueworks-ray", 1, 5.0, 8.4, 0.0),
        run("glueworks-ray-1w", 2, 6.0, 8.0, 0.0),
        run("glueworks-ray", 2, 2.0, 8.0, 0.0, ok=False),  # a wrong run scores nothing
    ]
    detail = (
        "per repetition, with the 2-worker run's CPU s over the 1-worker run's and the host's steal during the "
        "1-worker and 2-worker runs: 2.00 (CPU x1.20; steal 0.25 s, 0.50 s), 1.40 (CPU x1.05)"
    )
    assert lake.pair_detail(records) == detail
    lines = lake.targets({}, records)
    at = next(i for i, text in enumerate(lines) if "speed-up" in text)
    assert lines[at].endswith("1.70 → MISSED") and lines[at + 1] == f"  - {detail}"
    before_steal = lake.pair_detail(records[2:4])  # runs from before steal was recorded
    assert before_steal == "per repetition, with the 2-worker run's CPU s over the 1-worker run's: 1.40 (CPU x1.05)"


def test_a_section_says_how_memory_copies_scaled_around_the_runs(lake: ModuleType) -> None:
    assert lake.memory_copies_note({}) == ""  # raw results from before it was read
    start = {"memory_copies_pair_over_alone": [1.214]}
    assert lake.memory_copies_note(start).endswith("(`bench/box_scaling.py`): 1.21 at the start.")
    both = {"memory_copies_pair_over_alone": [1.214, 1.049]}
    assert lake.memory_copies_note(both).endswith(": 1.21 at the start, 1.05 at the end.")


def test_the_host_steal_counter_reads_and_never_goes_back() -> None:
    measure = load_lake_module("measure")
    first = measure.host_steal_s()
    assert first is not None and first >= 0  # Linux: the eighth figure of /proc/stat's "cpu" line
    assert measure.host_steal_s() >= first


def test_run_order_rotates_and_keeps_the_speed_up_pair_side_by_side(lake: ModuleType) -> None:
    units = len(lake.ENGINES) - 1  # the pair rotates as one
    orders = [[e.name for e in lake.run_order(lake.ENGINES, rep)] for rep in range(units)]
    firsts = set()
    for order in orders:
        assert sorted(order) == sorted(e.name for e in lake.ENGINES)
        at = order.index("glueworks-ray")
        assert abs(order.index("glueworks-ray-1w") - at) == 1
        firsts.add(order[min(at, order.index("glueworks-ray-1w"))])
    assert firsts == {"glueworks-ray", "glueworks-ray-1w"}  # neither always runs first
    leaders = {"glueworks-ray" if order[0] in lake.PAIRED else order[0] for order in orders}
    assert len(leaders) == units  # every unit leads one repetition of each round
    # Without both of the pair, plain rotation.
    duck, polars = (e for e in lake.ENGINES if e.name in ("duckdb", "polars"))
    assert [e.name for e in lake.run_order([duck, polars], 1)] == ["polars", "duckdb"]
