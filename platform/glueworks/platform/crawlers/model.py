"""The crawl engine's inputs and outputs (the interface the crawler service calls).

All values are frozen dataclasses that pickle, so they travel to Ray tasks unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CrawlTarget:
    """One include path of a crawler (an S3 target, or a local folder).

    Attributes:
        path: ``s3://bucket/prefix`` or an absolute local folder (validated by the caller).
        exclusions: Glue exclusion globs, relative to `path` (``**``, ``*``, ``?``, ``{a,b}``, ``[..]``).
        sample_size: Files read per leaf folder (Glue's SampleSize); None reads every file.
    """

    path: str
    exclusions: tuple[str, ...] = ()
    sample_size: int | None = None


@dataclass(frozen=True)
class ClassifierSpec:
    """A custom classifier as stored (the members of Glue's Grok/Json/Csv/XMLClassifier shapes).

    Attributes:
        name: The classifier's name.
        kind: ``grok``, ``json``, ``csv`` or ``xml``.
        definition: The shape's members (``Classification``, ``GrokPattern``, ``JsonPath``, ``Delimiter``...).
    """

    name: str
    kind: str
    definition: Mapping[str, Any]


@dataclass(frozen=True)
class CrawlConfig:
    """How to crawl.

    Attributes:
        table_prefix: Prepended to every table name.
        combine_compatible_schemas: Glue's ``Grouping.TableGroupingPolicy = CombineCompatibleSchemas``: folders
            whose files have the same format become one table even when their columns differ.
        table_level: Glue's ``Grouping.TableLevelConfiguration``: absolute folder depth of table roots (the
            bucket is level 1 for ``s3://``; for a local path the first folder under ``/`` is level 1).
        known_folders: For ``CRAWL_NEW_FOLDERS_ONLY``: the table and partition locations of earlier crawls.
            Leaf folders listed here are not read; a listed folder above new data stays that data's table root.
        storage_options: fsspec keyword arguments per protocol (``{"s3": {...}}``).
        executor: ``local`` (a thread pool) or ``ray`` (classification and inference in Ray tasks).
        max_parallelism: Threads, or Ray tasks in flight.
        max_prefix_bytes: Bytes of a text file read for classification and inference.
        max_records: Records of a text file used for inference.
    """

    table_prefix: str = ""
    combine_compatible_schemas: bool = False
    table_level: int | None = None
    known_folders: frozenset[str] = frozenset()
    storage_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    executor: str = "local"
    max_parallelism: int = 2
    max_prefix_bytes: int = 1 << 20
    max_records: int = 1000


@dataclass(frozen=True)
class DiscoveredPartition:
    """A partition found under a table root.

    Attributes:
        values: One value per partition key, in key order.
        location: The partition's folder (ends with ``/``).
        columns: Glue Column dicts (``Name``, ``Type``) of this partition's own files.
        parameters: ``classification``, ``recordCount``, ``sizeKey``, ``objectCount``... (strings).
    """

    values: tuple[str, ...]
    location: str
    columns: tuple[dict[str, str], ...]
    parameters: dict[str, str]


@dataclass(frozen=True)
class DiscoveredTable:
    """A table found by a crawl.

    Attributes:
        name: Lower-cased, the table prefix applied, only ``[a-z0-9_]``.
        location: The table root (ends with ``/``).
        classification: ``json``, ``csv``, ``parquet``, ``orc``, ``avro`` or a custom classification.
        columns: Glue Column dicts with Hive type strings, merged over every partition.
        partition_keys: Column dicts of the partition keys (typed ``string``, as Glue's crawler types them).
        partitions: The partitions found (only new ones on an incremental crawl).
        parameters: Table parameters as Glue's crawler writes them.
        serde: ``{"InputFormat", "OutputFormat", "SerdeInfo": {"SerializationLibrary", "Parameters"}}``.
    """

    name: str
    location: str
    classification: str
    columns: tuple[dict[str, str], ...]
    partition_keys: tuple[dict[str, str], ...]
    partitions: tuple[DiscoveredPartition, ...]
    parameters: dict[str, str]
    serde: dict[str, Any]


@dataclass(frozen=True)
class CrawlFileError:
    """A file the crawl could not use (unreadable, corrupt or of no known format).

    Attributes:
        path: The file's URL (a plain path for local files).
        reason: Why.
    """

    path: str
    reason: str


@dataclass(frozen=True)
class CrawlResult:
    """What a crawl found.

    Attributes:
        tables: Tables found (on an incremental crawl, only tables with new partitions).
        errors: Files that could not be used; the crawl went on without them.
        files_scanned: Data files listed (after exclusions and known folders).
        folders_scanned: Leaf folders holding those files.
        seconds: Wall time of the crawl.
    """

    tables: tuple[DiscoveredTable, ...]
    errors: tuple[CrawlFileError, ...]
    files_scanned: int
    folders_scanned: int
    seconds: float
