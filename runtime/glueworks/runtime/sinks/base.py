"""The sink contract: start → write each part → commit, or abort.

A sink writes every part (the blocks of one input split) under a staging prefix private to one
(run, attempt), and `commit` moves the staged files into place. Nothing is visible before
commit; `abort` removes the staging prefix. Writing a part twice (a Ray retry) rewrites the
same staged files, so retries never duplicate output.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class StagedFile:
    """A file written to staging by one part.

    Attributes:
        staged_path: Filesystem path of the staged file.
        relative_path: Path of the final file under the output location.
        records: Rows in the file.
        size: Bytes in the file.
    """

    staged_path: str
    relative_path: str
    records: int
    size: int


@dataclass(frozen=True)
class WriteResult:
    """What writing one part produced (returned to the driver; no listing needed to commit)."""

    part_index: int
    files: tuple[StagedFile, ...]


@dataclass(frozen=True)
class CommitResult:
    """What a commit made visible.

    Attributes:
        location: URL of the output location.
        files: URLs of the committed files.
        records: Rows committed.
        size: Bytes committed.
    """

    location: str
    files: tuple[str, ...]
    records: int
    size: int


class Sink(ABC):
    """A destination written through staging. Instances must pickle (they travel to Ray tasks)."""

    @abstractmethod
    def start(self) -> None:
        """Prepare to write (validate the destination); called once in the driver."""

    @abstractmethod
    def write_part(self, part_index: int, blocks: Sequence[pa.Table], schema: pa.Schema) -> WriteResult:
        """Write the blocks of one part, conformed to the frame `schema`, into staging."""

    @abstractmethod
    def commit(self, results: Sequence[WriteResult]) -> CommitResult:
        """Make the staged files of `results` visible, then remove staging; called once."""

    @abstractmethod
    def abort(self) -> None:
        """Remove everything staged; safe to call more than once."""
