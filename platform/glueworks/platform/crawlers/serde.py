"""Input/Output formats and SerDe as Glue's crawler writes them for each classification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glueworks.runtime.hive_types import HIVE_STORAGE_FORMATS, TEXT_INPUT, TEXT_OUTPUT

_FORMATS: dict[str, tuple[str, str, str]] = {
    **HIVE_STORAGE_FORMATS,
    "xml": ("com.amazonaws.glue.xml.XmlInputFormat", TEXT_OUTPUT, "com.amazonaws.glue.xml.XmlSerDe"),
    "grok": (TEXT_INPUT, TEXT_OUTPUT, "com.amazonaws.glue.serde.GrokSerDe"),
}
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def storage_format(
    kind: str, serde_library: str | None = None, parameters: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``InputFormat``/``OutputFormat``/``SerdeInfo`` of a table.

    Args:
        kind: ``json``, ``csv``, ``parquet``, ``orc``, ``avro``, ``xml`` or ``grok`` (the format family; a
            custom classification names its family here).
        serde_library: Overrides the family's SerDe (a CSV classifier's ``Serde``, or quoted CSV).
        parameters: SerDe parameters.
    """
    input_format, output_format, library = _FORMATS[kind]
    params = dict(parameters or {})
    if kind == "parquet":
        params.setdefault("serialization.format", "1")
    return {
        "InputFormat": input_format,
        "OutputFormat": output_format,
        "SerdeInfo": {"SerializationLibrary": serde_library or library, "Parameters": params},
    }
