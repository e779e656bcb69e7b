"""Percentiles and the plain-text table of the latency benchmarks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between order statistics (numpy's default).

    Raises:
        ValueError: ``values`` is empty or ``q`` is outside 0-100.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0-100, got {q!r}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """p50, p90 and max of one metric, in seconds, over ``n`` samples."""

    n: int
    p50: float
    p90: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary | None:
        """Summarise ``values``; None when there are none."""
        if not values:
            return None
        return cls(len(values), percentile(values, 50), percentile(values, 90), max(values))

    def as_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "p50": self.p50, "p90": self.p90, "max": self.max}


@dataclass(frozen=True)
class Row:
    """One line of the table: a glueworks metric beside its Ray Jobs counterpart (if it has one)."""

    metric: str
    glueworks: Summary | None
    ray_jobs: Summary | None


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _triple(summary: Summary | None) -> str:
    if summary is None:
        return "-"
    return f"{_seconds(summary.p50)} / {_seconds(summary.p90)} / {_seconds(summary.max)}"


def ratio(ray_jobs: Summary | None, glueworks: Summary | None, field: str) -> float | None:
    """Ray Jobs / glueworks for ``field`` (``p50`` or ``p90``); None if either side is missing or zero."""
    if ray_jobs is None or glueworks is None:
        return None
    ours = float(getattr(glueworks, field))
    return None if ours <= 0 else float(getattr(ray_jobs, field)) / ours


def _ratio_text(row: Row) -> str:
    p50, p90 = ratio(row.ray_jobs, row.glueworks, "p50"), ratio(row.ray_jobs, row.glueworks, "p90")
    if p50 is None or p90 is None:
        return "-"
    return f"{p50:.1f}x / {p90:.1f}x"


def render_table(rows: Sequence[Row]) -> str:
    """The rows as an aligned text table, seconds, p50 / p90 / max per side."""
    header = ("metric", "glueworks p50 / p90 / max (s)", "Ray Jobs p50 / p90 / max (s)", "Ray/gw p50 / p90", "n")
    body = [
        (
            row.metric,
            _triple(row.glueworks),
            _triple(row.ray_jobs),
            _ratio_text(row),
            "/".join(str(s.n) if s else "-" for s in (row.glueworks, row.ray_jobs)),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in (header, *body)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
