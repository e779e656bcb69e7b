"""Check one engine's output against the generator's ground truth (read back with pyarrow).

The output of an engine is ``<out>/root`` and ``<out>/items``, each Hive-partitioned by ``date``. Checks:
rows per date of both tables, the sum of ``amount`` (a whole number after the cast to long), the rows
that carry the late ``campaign`` field, the sums of ``qty`` and of ``price`` (in cents) over the child
table, and the count of malformed lines the engine quarantined. Column names are matched by their last
dotted part, so Relationalize's ``items.val.qty`` and a peer's ``qty`` both count.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


@dataclass
class CheckResult:
    """The verdict on one output: ``ok`` only when every check passed."""

    problems: list[str] = field(default_factory=list)
    files: int = 0
    partitions: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for base, _dirs, names in os.walk(folder):
        found.extend(Path(base) / n for n in names if n.endswith(".parquet"))
    return found


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    for column in table.column_names:
        if column == name or column.rsplit(".", 1)[-1] == name:
            return table.column(column)
    return None


def _by_date(table: pa.Table) -> dict[str, int]:
    counts = table.group_by("date").aggregate([("date", "count")])
    return {
        str(d): int(n)
        for d, n in zip(counts.column("date").to_pylist(), counts.column("date_count").to_pylist(), strict=True)
    }


def _read(folder: Path, result: CheckResult, label: str) -> pa.Table | None:
    files = _files(folder)
    result.files += len(files)
    result.bytes += sum(f.stat().st_size for f in files)
    if not files:
        result.problems.append(f"{label}: no Parquet files under {folder}")
        return None
    tables = []
    for path in files:
        part = path.parent.name
        if not part.startswith("date="):
            result.problems.append(f"{label}: {path.relative_to(folder)} is not under a date=<day> folder")
            return None
        # Some writers also keep the key inside the file (Polars): the folder is what counts.
        table = pq.read_table(path)
        if "date" in table.column_names:
            table = table.drop_columns(["date"])
        tables.append(table.append_column("date", pa.repeat(part[len("date=") :], len(table)).cast(pa.string())))
    table = pa.concat_tables(tables, promote_options="permissive")
    return table


def _compare(result: CheckResult, label: str, got: Any, want: Any) -> None:
    if got != want:
        if isinstance(want, dict) and isinstance(got, dict):
            diff = {k: (got.get(k), want.get(k)) for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)}
            shown = dict(list(diff.items())[:3])
            result.problems.append(f"{label}: {len(diff)} dates differ, e.g. (got, want) {shown}")
        else:
            result.problems.append(f"{label}: got {got!r}, want {want!r}")


def check_output(output: Path, truth: dict[str, Any], malformed: int | None) -> CheckResult:
    """Compare an engine's output folder with the truth; `malformed` is what the engine reported."""
    result = CheckResult()
    _compare(result, "malformed lines", malformed, truth["malformed"])
    root = _read(output / "root", result, "root")
    if root is not None:
        dates = _by_date(root)
        result.partitions += len(dates)
        _compare(result, "root rows by date", dates, truth["root_rows_by_date"])
        amount = _column(root, "amount")
        if amount is None or not pa.types.is_integer(amount.type):
            result.problems.append(
                f"root: amount must be an integer column, got {None if amount is None else amount.type}"
            )
        else:
            _compare(result, "root sum(amount)", pc.sum(amount).as_py() or 0, truth["root_amount_sum"])
        campaign = _column(root, "campaign")
        got_campaign = 0 if campaign is None else len(campaign) - campaign.null_count
        _compare(result, "root rows with campaign", got_campaign, truth["root_campaign_rows"])
    child = _read(output / "items", result, "items")
    if child is not None:
        dates = _by_date(child)
        result.partitions += len(dates)
        _compare(result, "items rows by date", dates, truth["child_rows_by_date"])
        qty = _column(child, "qty")
        price = _column(child, "price")
        if qty is None or price is None:
            result.problems.append("items: qty or price column missing")
        else:
            _compare(result, "items sum(qty)", pc.sum(qty).as_py() or 0, truth["child_qty_sum"])
            cents = pc.sum(pc.cast(pc.round(pc.multiply(pc.cast(price, pa.float64()), 100)), pa.int64())).as_py() or 0
            _compare(result, "items sum(price) in cents", cents, truth["child_price_cents_sum"])
    return result
