"""ORC reader (pyarrow.orc): one block per stripe batch, each with the file's own schema.

ORC timestamps (nanoseconds) are read as microseconds, Glue's and Spark's precision.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO, ClassVar

import pyarrow as pa
import pyarrow.orc as orc

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput


@dataclass(frozen=True)
class OrcFormat(FileFormat):
    """ORC files.

    A file that is not valid ORC (bad magic, a corrupt footer or stripe) becomes one error
    record for the whole file (line None) and contributes no rows; errors of the handle itself
    (`OSError`) propagate. The file is read into memory first: pyarrow reports a corrupt ORC
    file as `OSError`, and parsing bytes already in memory is what tells the two apart.

    Attributes:
        block_rows: Rows per block.
    """

    name: ClassVar[str] = "orc"
    block_rows: int = DEFAULT_BLOCK_ROWS

    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read every stripe of the file."""
        data = handle.read()
        try:
            reader = orc.ORCFile(io.BytesIO(data))
            blocks = []
            for stripe in range(reader.nstripes):
                batch = reader.read_stripe(stripe)
                table = pa.Table.from_batches([batch])
                micros = _micros_schema(table.schema)
                if micros != table.schema:
                    table = table.cast(micros, safe=False)
                for start in range(0, table.num_rows, self.block_rows):
                    blocks.append(table.slice(start, self.block_rows))
            if not blocks:
                blocks = [_micros_schema(reader.schema).empty_table()]
        except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            error = ErrorRecord.create(url, None, f"not a valid ORC file: {exc}", "")
            return ReadOutput(errors=[error])
        return ReadOutput(blocks=blocks, records=sum(block.num_rows for block in blocks))


def _micros_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_type(_micros(f.type)) for f in schema], metadata=schema.metadata)


def _micros(dtype: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(dtype) and dtype.unit == "ns":
        return pa.timestamp("us", dtype.tz)
    if pa.types.is_struct(dtype):
        return pa.struct([f.with_type(_micros(f.type)) for f in dtype])
    if pa.types.is_list(dtype):
        return pa.list_(dtype.value_field.with_type(_micros(dtype.value_type)))
    if pa.types.is_map(dtype):
        return pa.map_(dtype.key_type, _micros(dtype.item_type))
    return dtype
