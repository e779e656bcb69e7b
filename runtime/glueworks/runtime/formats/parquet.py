"""Parquet reader: one block per batch of rows, each block with the file's own schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput


@dataclass(frozen=True)
class ParquetFormat(FileFormat):
    """Parquet files.

    A file that is not valid Parquet (bad magic bytes, a corrupt footer or page) becomes one
    error record for the whole file (line None) and contributes no rows; errors of the handle
    itself (`OSError`) propagate.

    Attributes:
        block_rows: Rows per block.
    """

    name: ClassVar[str] = "parquet"
    block_rows: int = DEFAULT_BLOCK_ROWS

    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read every row group of the file."""
        try:
            parquet = pq.ParquetFile(handle)
            blocks = [pa.Table.from_batches([batch]) for batch in parquet.iter_batches(batch_size=self.block_rows)]
            if not blocks:
                # Keep the schema of an empty file.
                blocks = [parquet.schema_arrow.empty_table()]
        except pa.ArrowInvalid as exc:
            error = ErrorRecord.create(url, None, f"not a valid Parquet file: {exc}", "")
            return ReadOutput(errors=[error])
        return ReadOutput(blocks=blocks, records=sum(block.num_rows for block in blocks))
