"""CSV classifiers: a given delimiter, quote, header policy and SerDe.

Members (Glue's CsvClassifier): ``Delimiter`` (one character, default ``,``), ``QuoteSymbol`` (one character,
default ``"``, different from the delimiter), ``ContainsHeader`` (``UNKNOWN`` applies the built-in header rule,
``PRESENT`` takes the first row as the header, ``ABSENT`` has none), ``Header`` (column names; they replace the
file's names), ``DisableValueTrimming``, ``AllowSingleColumn`` and ``Serde`` (``OpenCSVSerDe``,
``LazySimpleSerDe`` or ``None``). A file matches when every sampled row has the same number of columns (at
least two unless ``AllowSingleColumn``) over at least two rows (one with a header given).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glueworks.platform.crawlers.builtin_csv import csv_result, detect_header, split_rows, to_records, typed_rows
from glueworks.platform.crawlers.classified import Classified
from glueworks.platform.crawlers.sample import TextSample
from glueworks.platform.crawlers.serde import LAZY_SIMPLE_SERDE, OPEN_CSV_SERDE

_HEADER_POLICIES = ("UNKNOWN", "PRESENT", "ABSENT")
_SERDES = {"OpenCSVSerDe": OPEN_CSV_SERDE, "LazySimpleSerDe": LAZY_SIMPLE_SERDE, "None": None}


@dataclass(frozen=True)
class CsvClassifier:
    """A compiled CSV classifier (see the module doc for the members)."""

    delimiter: str
    quote: str
    contains_header: str
    header: tuple[str, ...]
    trim: bool
    single_column: bool
    serde: str | None

    def classify(self, text: TextSample, max_records: int) -> Classified | None:
        """Classify a text sample (None when the rows do not fit the classifier)."""
        try:
            rows, consumed, quoted = split_rows(text.data, self.delimiter, self.quote, max_records + 1)
        except (UnicodeDecodeError, csv.Error):
            return None
        minimum = 1 if self.single_column else 2
        if not rows or len(rows[0]) < minimum or any(len(r) != len(rows[0]) for r in rows):
            return None
        if self.header and len(self.header) != len(rows[0]):
            return None
        values = typed_rows(rows, self.trim)
        if self.contains_header == "PRESENT":
            has_header = True
        elif self.contains_header == "ABSENT":
            has_header = False
        else:
            has_header = detect_header(values)
        if len(rows) < (1 if self.header else 2):
            return None
        header = list(rows[0]) if has_header else None
        result = csv_result(text, values, consumed, self.delimiter, header, quoted, self.quote)
        if self.header:
            # Given names replace the file's; the file's own header row is still skipped.
            result.records = to_records(values[1:] if has_header else values, [n.lower() for n in self.header])
        if self.serde is not None or self.contains_header != "UNKNOWN":
            result.serde_library = self.serde
            if self.serde == OPEN_CSV_SERDE:
                result.serde_parameters = {"separatorChar": self.delimiter, "quoteChar": self.quote}
            elif self.serde == LAZY_SIMPLE_SERDE:
                result.serde_parameters = {"field.delim": self.delimiter}
        return result


def compile_csv(definition: Mapping[str, Any]) -> CsvClassifier:
    """Compile a CsvClassifier shape.

    Raises:
        ValueError: A member is invalid; the message names it.
    """
    delimiter = definition.get("Delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError("Delimiter: must be exactly one character")
    quote = definition.get("QuoteSymbol", '"')
    if not isinstance(quote, str) or len(quote) != 1:
        raise ValueError("QuoteSymbol: must be exactly one character")
    if quote == delimiter:
        raise ValueError("QuoteSymbol: must differ from Delimiter")
    contains = definition.get("ContainsHeader", "UNKNOWN")
    if contains not in _HEADER_POLICIES:
        raise ValueError(f"ContainsHeader: must be one of {', '.join(_HEADER_POLICIES)}")
    header = definition.get("Header") or []
    if not isinstance(header, list | tuple) or not all(isinstance(h, str) and h.strip() for h in header):
        raise ValueError("Header: must be a list of non-empty column names")
    if len({h.lower() for h in header}) != len(header):
        raise ValueError("Header: column names must be distinct")
    serde_name = definition.get("Serde", "None")
    if serde_name not in _SERDES:
        raise ValueError(f"Serde: must be one of {', '.join(_SERDES)}")
    return CsvClassifier(
        delimiter,
        quote,
        contains,
        tuple(header),
        not bool(definition.get("DisableValueTrimming", False)),
        bool(definition.get("AllowSingleColumn", False)),
        _SERDES[serde_name],
    )
