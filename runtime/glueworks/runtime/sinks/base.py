"""The sink contract: start → write each part → commit, or abort.

A sink writes every part (the blocks of one input split) under a staging prefix private to one
(run, attempt), and `commit` moves the staged files into place. Nothing is visible before
commit; `abort` removes the staging prefix. Writing a part twice (a Ray retry) rewrites the
same staged files, so retries never duplicate output.

Two-phase use (platform runs): the driver calls `prepare_commit` instead of `commit`, which
returns a manifest the platform records in its database and publishes afterwards (see
`glueworks.runtime.commit_log`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

# Re-exported: what a part wrote is what a manifest lists.
from glueworks.runtime.commit_log import StagedFile as StagedFile

if TYPE_CHECKING:
    from glueworks.runtime.commit_log import OutputManifest


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

    def prepare_commit(self, results: Sequence[WriteResult]) -> OutputManifest | None:
        """First phase of a two-phase commit: describe the staged output without publishing it.

        Returns None when the sink cannot be published by someone else (it is then committed in
        the driver); file sinks return their manifest.
        """
        return None

    def staging_url(self) -> str | None:
        """URL of this sink's staging folder (for cleanup after a lost driver), or None."""
        return None
