"""The built-in Parquet, ORC and Avro classifiers: magic bytes, then the schema from the footer or header.

Parquet and ORC give an exact record count from their footer (only the footer is read when the file is
larger than the sampled prefix). Avro is read through the runtime's Avro reader on the sampled prefix: its
header gives the schema, and the records decoded from the prefix give the estimate (scaled by size).
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa

from glueworks.platform.crawlers.classified import Classified, estimate
from glueworks.platform.crawlers.sample import CorruptFileError, FileSample
from glueworks.runtime.formats import AvroFormat
from glueworks.runtime.schema import merge_schemas

AVRO_MAGIC = b"Obj\x01"
ORC_MAGIC = b"ORC"
PARQUET_MAGIC = b"PAR1"


def columnar_kind(sample: FileSample) -> str | None:
    """``avro``, ``orc`` or ``parquet`` by magic bytes (Glue's built-in order), else None."""
    head = sample.head
    if head.startswith(AVRO_MAGIC):
        return "avro"
    if head.startswith(ORC_MAGIC):
        return "orc"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    return None


def classify_columnar(kind: str, sample: FileSample, fs: Any) -> Classified:
    """Read the schema and record count of a columnar file.

    Raises:
        CorruptFileError: The footer or header cannot be read.
    """
    try:
        if kind == "avro":
            return _avro(sample)
        with _open(sample, fs) as handle:
            if kind == "parquet":
                import pyarrow.parquet as pq

                parquet = pq.ParquetFile(handle)
                schema, rows = parquet.schema_arrow, parquet.metadata.num_rows
            else:
                import pyarrow.orc as orc

                reader = orc.ORCFile(handle)
                schema, rows = reader.schema, reader.nrows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise CorruptFileError(f"not a readable {kind} file: {exc}") from exc
    return Classified(kind, kind, "none", schema=schema, record_estimate=float(rows))


def _open(sample: FileSample, fs: Any) -> Any:
    if sample.complete:
        return io.BytesIO(sample.head)
    return fs.open(sample.path, "rb")


def _avro(sample: FileSample) -> Classified:
    output = AvroFormat().read(io.BytesIO(sample.head), sample.url)
    if output.errors and (sample.complete or not output.blocks):
        raise CorruptFileError(output.errors[0].reason)
    schema = merge_schemas(block.schema for block in output.blocks)
    fraction = 1.0 if sample.complete else len(sample.head) / sample.size
    return Classified("avro", "avro", "none", schema=schema, record_estimate=estimate(output.records, fraction))
