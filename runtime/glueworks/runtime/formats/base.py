"""The file-format contract: turn one file's bytes into Arrow blocks and error records."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord

#: Records per block unless a format is told otherwise.
DEFAULT_BLOCK_ROWS = 65_536


@dataclass
class ReadOutput:
    """What reading one file produced.

    Attributes:
        blocks: Arrow blocks, each with its own schema.
        errors: Bad records found, with file, line and reason.
        records: Good records read (rows over all blocks).
    """

    blocks: list[pa.Table] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    records: int = 0


class FileFormat(ABC):
    """Reads one file. Instances are small frozen values that pickle (they go to Ray tasks).

    Bad data becomes error records; I/O errors (the handle failing) propagate.
    """

    name: ClassVar[str]

    def codec_for(self, path: str) -> str:
        """Whole-file compression of `path` to undo before `read` (``"none"``: read as is).

        Binary formats compress inside the file; text formats override this.
        """
        return "none"

    @abstractmethod
    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read the whole file behind `handle`; `url` names it in error records."""
