"""What a classifier says about one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa


@dataclass
class Classified:
    """A file's classification and what was read of it.

    Attributes:
        classification: ``json``, ``csv``, ``parquet``... or a custom classifier's classification.
        family: The storage family for SerDe/Input/OutputFormat (``json``, ``csv``, ``grok``, ``xml``...).
        compression: Whole-file codec (``none`` for columnar files, which compress inside).
        records: Sampled records (text formats), their values typed.
        schema: The schema when known without records (columnar footers and headers).
        record_estimate: Estimated records in the whole file (exact for Parquet/ORC).
        parameters: Table parameters that files of one table must share (CSV ``delimiter``...).
        serde_library: A SerDe other than the family's, or None.
        serde_parameters: SerDe parameters.
        integral: Hive name of 32-bit integers (``int`` for JSON and columnar files, ``bigint`` otherwise).
    """

    classification: str
    family: str
    compression: str = "none"
    records: list[dict[str, Any]] = field(default_factory=list)
    schema: pa.Schema | None = None
    record_estimate: float = 0.0
    parameters: dict[str, str] = field(default_factory=dict)
    serde_library: str | None = None
    serde_parameters: dict[str, str] = field(default_factory=dict)
    integral: str = "int"

    def signature(self) -> tuple[Any, ...]:
        """What files must share to be one table: classification, codec and format parameters."""
        return (
            self.classification,
            self.family,
            self.compression,
            frozenset(self.parameters.items()),
            self.serde_library,
            frozenset(self.serde_parameters.items()),
            self.integral,
        )


def estimate(records: int, fraction: float) -> float:
    """Records in a whole file from the records in a sample covering `fraction` of its stored bytes."""
    return records / fraction if fraction > 0 else float(records)
