"""Capacity units: Glue worker types and DPUs, turned into what a run may use on Ray.

A DPU is Glue's unit of capacity (4 vCPU, 16 GB). Worker types bundle DPUs: G.025X is a quarter DPU, G.1X one,
G.2X two, and so on. A run's capacity bounds how many Ray tasks it keeps in flight and is what DPU-seconds bill.
"""

from __future__ import annotations

from dataclasses import dataclass

# Worker type -> (DPUs per worker, vCPUs per worker), from Glue's published worker definitions.
WORKER_TYPES: dict[str, tuple[float, int]] = {
    "Standard": (1.0, 4),
    "G.025X": (0.25, 2),
    "G.1X": (1.0, 4),
    "G.2X": (2.0, 8),
    "G.4X": (4.0, 16),
    "G.8X": (8.0, 32),
    "Z.2X": (2.0, 8),
}

DEFAULT_WORKER_TYPE = "G.1X"
DEFAULT_NUMBER_OF_WORKERS = 10  # Glue's default for a Spark job that names no capacity
PYTHONSHELL_DEFAULT_DPUS = 0.0625


class CapacityError(ValueError):
    """A capacity request that cannot be satisfied; ``field`` names the offending Glue field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Capacity:
    """The capacity of one run."""

    worker_type: str | None
    number_of_workers: int | None
    dpus: float

    @property
    def vcpus(self) -> int:
        if self.worker_type is None:
            return max(1, round(self.dpus * 4))
        return WORKER_TYPES[self.worker_type][1] * (self.number_of_workers or 1)

    def max_parallelism(self, cluster_cpus: int | None = None) -> int:
        """Ray tasks the run may keep in flight: its vCPUs, never more than the cluster has."""
        if cluster_cpus is None:
            return self.vcpus
        return max(1, min(self.vcpus, cluster_cpus))

    def dpu_seconds(self, seconds: float) -> float:
        return round(self.dpus * max(0.0, seconds), 3)


def resolve_capacity(
    *,
    command_name: str,
    worker_type: str | None,
    number_of_workers: int | None,
    max_capacity: float | None,
) -> Capacity:
    """Apply Glue's rules: WorkerType and NumberOfWorkers go together, and exclude MaxCapacity.

    Raises:
        CapacityError: naming the field that breaks a rule.
    """
    if worker_type is not None and worker_type not in WORKER_TYPES:
        allowed = ", ".join(WORKER_TYPES)
        raise CapacityError(f"unknown worker type {worker_type!r}; expected one of {allowed}", "WorkerType")
    if (worker_type is None) != (number_of_workers is None):
        missing = "NumberOfWorkers" if number_of_workers is None else "WorkerType"
        raise CapacityError("WorkerType and NumberOfWorkers must be set together", missing)
    if worker_type is not None and max_capacity is not None:
        raise CapacityError("MaxCapacity cannot be set together with WorkerType/NumberOfWorkers", "MaxCapacity")
    if number_of_workers is not None and not 1 <= number_of_workers <= 299:
        raise CapacityError("NumberOfWorkers must be between 1 and 299", "NumberOfWorkers")
    if command_name == "pythonshell":
        dpus = PYTHONSHELL_DEFAULT_DPUS if max_capacity is None else max_capacity
        if dpus not in (0.0625, 1.0):
            raise CapacityError("a pythonshell job takes MaxCapacity 0.0625 or 1", "MaxCapacity")
        return Capacity(None, None, dpus)
    if worker_type is not None and number_of_workers is not None:
        return Capacity(worker_type, number_of_workers, WORKER_TYPES[worker_type][0] * number_of_workers)
    if max_capacity is not None:
        if not 2 <= max_capacity <= 100:
            raise CapacityError("MaxCapacity must be between 2 and 100 DPUs for a glueetl job", "MaxCapacity")
        return Capacity(None, None, max_capacity)
    dpus = WORKER_TYPES[DEFAULT_WORKER_TYPE][0] * DEFAULT_NUMBER_OF_WORKERS
    return Capacity(DEFAULT_WORKER_TYPE, DEFAULT_NUMBER_OF_WORKERS, dpus)
