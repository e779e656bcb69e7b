"""Capacity units (DPUs, worker types) and, later, the scaling policy and its drivers."""

from glueworks.autoscaler.capacity import WORKER_TYPES, Capacity, CapacityError, resolve_capacity

__all__ = ["WORKER_TYPES", "Capacity", "CapacityError", "resolve_capacity"]
