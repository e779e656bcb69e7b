"""Glue's capacity rules and their translation into Ray parallelism and DPU-seconds."""

from __future__ import annotations

import pytest

from glueworks.autoscaler import CapacityError, resolve_capacity


def test_worker_types_become_dpus_and_parallelism() -> None:
    cap = resolve_capacity(command_name="glueetl", worker_type="G.2X", number_of_workers=3, max_capacity=None)
    assert cap.dpus == 6.0
    assert cap.vcpus == 24
    assert cap.max_parallelism(cluster_cpus=2) == 2
    assert cap.dpu_seconds(10) == 60.0


def test_defaults_and_max_capacity() -> None:
    default = resolve_capacity(command_name="glueetl", worker_type=None, number_of_workers=None, max_capacity=None)
    assert (default.worker_type, default.number_of_workers, default.dpus) == ("G.1X", 10, 10.0)
    dpus = resolve_capacity(command_name="glueetl", worker_type=None, number_of_workers=None, max_capacity=5)
    assert dpus.dpus == 5 and dpus.vcpus == 20
    shell = resolve_capacity(command_name="pythonshell", worker_type=None, number_of_workers=None, max_capacity=None)
    assert shell.dpus == 0.0625 and shell.max_parallelism() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"worker_type": "G.1X", "number_of_workers": None, "max_capacity": None}, "NumberOfWorkers"),
        ({"worker_type": None, "number_of_workers": 2, "max_capacity": None}, "WorkerType"),
        ({"worker_type": "G.1X", "number_of_workers": 2, "max_capacity": 4.0}, "MaxCapacity"),
        ({"worker_type": "G.99X", "number_of_workers": 2, "max_capacity": None}, "WorkerType"),
        ({"worker_type": "G.1X", "number_of_workers": 0, "max_capacity": None}, "NumberOfWorkers"),
        ({"worker_type": None, "number_of_workers": None, "max_capacity": 500.0}, "MaxCapacity"),
    ],
)
def test_rule_breaks_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(CapacityError) as info:
        resolve_capacity(command_name="glueetl", **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
