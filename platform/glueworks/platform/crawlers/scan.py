"""Scanning a batch of files of one leaf folder: read, classify, infer one schema per format group.

Whatever goes wrong with one file (unreadable, corrupt, of no known format, or an error no reader expected)
becomes a `CrawlFileError` naming it; the batch goes on with the other files.

A batch is the unit of parallel work (a thread or a Ray task). Its result is small (a schema and counters
per group of files sharing a format signature, plus the file errors), so it travels back cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from glueworks.platform.crawlers.classified import Classified
from glueworks.platform.crawlers.classify import classify_file, compile_classifier
from glueworks.platform.crawlers.infer import merge_schemas, records_schema
from glueworks.platform.crawlers.model import ClassifierSpec, CrawlFileError
from glueworks.platform.crawlers.sample import CorruptFileError, FileSample, read_heads
from glueworks.platform.crawlers.walk import filesystem


@dataclass
class GroupStats:
    """Files of one folder sharing a format signature.

    Attributes:
        format: A representative classification (its format members; its records are dropped).
        schema: The merged schema of the group's sampled files (Choices where types drift).
        records: Estimated records in the files read.
        files: Files read.
        bytes: Stored bytes of the files read.
    """

    format: Classified
    schema: pa.Schema
    records: float = 0.0
    files: int = 0
    bytes: int = 0

    def merge(self, other: GroupStats) -> None:
        """Fold another group of the same signature into this one."""
        self.schema = merge_schemas([self.schema, other.schema])
        self.records += other.records
        self.files += other.files
        self.bytes += other.bytes


@dataclass
class BatchResult:
    """What scanning one batch found.

    Attributes:
        target: Index of the target the folder belongs to.
        folder: The folder's parts under the target root.
        groups: Groups by format signature.
        errors: Files that could not be used.
        files: Files in the batch.
    """

    target: int
    folder: tuple[str, ...]
    groups: dict[tuple[Any, ...], GroupStats] = field(default_factory=dict)
    errors: list[CrawlFileError] = field(default_factory=list)
    files: int = 0


@dataclass(frozen=True)
class Batch:
    """Files of one folder to scan (a picklable task).

    Attributes:
        target: Index of the target.
        folder: The folder's parts under the target root.
        protocol: The filesystem protocol.
        storage_options: The filesystem's keyword arguments.
        paths: Filesystem paths of the files.
        sizes: Their sizes.
    """

    target: int
    folder: tuple[str, ...]
    protocol: str
    storage_options: Mapping[str, Any]
    paths: tuple[str, ...]
    sizes: tuple[int, ...]


def scan_batch(batch: Batch, specs: Sequence[ClassifierSpec], limit: int, max_records: int) -> BatchResult:
    """Read, classify and infer a batch (see the module doc)."""
    fs = filesystem(batch.protocol, batch.storage_options)
    customs = [compile_classifier(spec) for spec in specs]
    result = BatchResult(batch.target, batch.folder, files=len(batch.paths))
    heads = read_heads(fs, batch.protocol, batch.paths, batch.sizes, limit)
    found: dict[tuple[Any, ...], list[tuple[Classified, int]]] = {}
    for path, size, head in zip(batch.paths, batch.sizes, heads, strict=True):
        url = path if batch.protocol == "file" else f"{batch.protocol}://{path}"
        if isinstance(head, BaseException):
            result.errors.append(CrawlFileError(url, f"cannot read: {head}"))
            continue
        try:
            classified = classify_file(FileSample(url, path, size, head), customs, limit, max_records, fs)
        except CorruptFileError as exc:
            result.errors.append(CrawlFileError(url, str(exc)))
            continue
        except OSError as exc:
            result.errors.append(CrawlFileError(url, f"cannot read: {exc}"))
            continue
        except Exception as exc:  # a file no reader expected (deeply nested JSON, a codec bug): the crawl goes on
            result.errors.append(CrawlFileError(url, f"cannot classify: {type(exc).__name__}: {exc}"))
            continue
        found.setdefault(classified.signature(), []).append((classified, size))
    for signature, members in found.items():
        records = [record for classified, _ in members for record in classified.records]
        schemas = [c.schema for c, _ in members if c.schema is not None]
        if records:
            schemas.append(records_schema(records))
        template = members[0][0]
        template_format = Classified(
            template.classification,
            template.family,
            template.compression,
            parameters=template.parameters,
            serde_library=template.serde_library,
            serde_parameters=template.serde_parameters,
            integral=template.integral,
        )
        result.groups[signature] = GroupStats(
            template_format,
            merge_schemas(schemas),
            records=sum(c.record_estimate for c, _ in members),
            files=len(members),
            bytes=sum(size for _, size in members),
        )
    return result
