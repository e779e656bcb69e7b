"""bench/ray_rounds.py: rounds are found from the timeline and each idle second lands in the right kind."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest

from tests.bench.bench_modules import load_bench_module


@pytest.fixture(scope="module")
def rounds() -> ModuleType:
    return load_bench_module("ray_rounds")


def test_two_workers_idle_split_into_start_hand_offs_round_ends_and_finish(rounds: ModuleType) -> None:
    task = rounds.Task
    tasks = [
        task(0.1, 1.0, "a", "stage"),
        task(0.1, 0.6, "b", "stage"),
        task(0.7, 1.2, "b", "stage"),  # hand-off of 0.1 on b
        task(1.5, 2.0, "a", "write"),  # a waited 0.5 for b's last stage task and the driver
        task(1.5, 1.8, "b", "write"),
    ]
    result = rounds.breakdown(tasks, 2.1, ["a", "b"])
    assert result.rounds == 2
    assert result.busy_s == pytest.approx(0.9 + 0.5 + 0.5 + 0.5 + 0.3)
    assert result.idle_s["start"] == pytest.approx(0.2)
    assert result.idle_s["hand-offs"] == pytest.approx(0.1)
    assert result.idle_s["round ends"] == pytest.approx(0.5 + 0.3)
    assert result.idle_s["finish"] == pytest.approx(0.1 + 0.3)
    # Every second of every worker is either busy or idle of one kind.
    assert result.busy_s + sum(result.idle_s.values()) == pytest.approx(2 * 2.1)
    stage, write = result.per_round
    assert (stage["name"], stage["tasks"], write["name"], write["tasks"]) == ("stage", 3, "write", 2)
    assert stage["span_s"] == pytest.approx(1.1)
    assert stage["idle_in_span_s"] == pytest.approx(2 * 1.1 - 1.9)  # b's hand-off and a's wait for b
    assert stage["gap_after_s"] == pytest.approx(0.3)
    assert write["idle_in_span_s"] == pytest.approx(0.2)
    assert write["gap_after_s"] == pytest.approx(0.1)


def test_one_worker_rounds_follow_task_names(rounds: ModuleType) -> None:
    task = rounds.Task
    tasks = [task(0.0, 1.0, "a", "stage"), task(1.1, 2.0, "a", "stage"), task(2.3, 2.5, "a", "write")]
    assert rounds.round_of_each(tasks) == [0, 0, 1]
    result = rounds.breakdown(tasks, 2.5, ["a"])
    assert result.idle_s["hand-offs"] == pytest.approx(0.1)
    assert result.idle_s["round ends"] == pytest.approx(0.3)


def test_a_worker_without_tasks_idles_throughout(rounds: ModuleType) -> None:
    result = rounds.breakdown([rounds.Task(0.0, 1.0, "a", "stage")], 1.0, ["a", "unused-0"])
    assert result.idle_s["start"] == pytest.approx(1.0)
    assert result.busy_s == pytest.approx(1.0)


def test_halves_balance_bytes(rounds: ModuleType, tmp_path: Path) -> None:
    sizes = {"a": 40, "b": 30, "c": 20, "d": 10, "e": 5}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    first, second = rounds.halves(sorted(tmp_path.iterdir()))
    assert sorted(p.name for p in first + second) == sorted(sizes)
    assert abs(sum(sizes[p.name] for p in first) - sum(sizes[p.name] for p in second)) <= 5


def test_speed_up_pairs_runs_in_order_and_needs_both_counts(rounds: ModuleType) -> None:
    runs = {1: [{"work_s": w} for w in (6.0, 5.0, 9.0)], 2: [{"work_s": w} for w in (3.0, 4.0, 3.0)]}
    assert rounds.speed_up(runs) == pytest.approx(2.0)  # pairs 2.0, 1.25 and 3.0
    assert rounds.speed_up({1: runs[1], 2: []}) is None
    assert rounds.speed_up({2: runs[2]}) is None


def test_tables_leave_out_a_worker_count_without_runs(rounds: ModuleType) -> None:
    result = rounds.breakdown([rounds.Task(0.0, 1.0, "a", "stage")], 1.0, ["a"])
    text = rounds.table({1: [rounds.asdict(result)], 2: []})
    assert "\n| 1 |" in text
    assert "\n| 2 |" not in text


def test_vm_counters_read_from_proc(rounds: ModuleType) -> None:
    user, system = rounds.worker_times([os.getpid()])
    assert user > 0 and system >= 0
    assert rounds.worker_times([2**22 + 12345]) == (0.0, 0.0)  # a process that is gone counts nothing
    assert rounds.huge_page_faults() >= 0
