"""The crawl: list targets, scan files in parallel batches, decide tables and partitions, describe them.

Parallelism: files are scanned in batches of at most `BATCH_FILES` files of one leaf folder, on a thread
pool (``executor="local"``) or as Ray tasks (``executor="ray"``; Ray must be initialised by the caller, or
is initialised locally), with at most ``max_parallelism`` batches in flight. The progress callback gets the
number of files scanned so far after each batch; an exception it raises aborts the crawl (how a stopped
crawl is cancelled).

Estimates (Glue estimates ``recordCount`` from what it samples, as here): a text file's records are counted
in its sampled prefix and scaled by the stored bytes the prefix stands for; Parquet and ORC counts are
exact (footers). Files skipped by ``SampleSize`` add their size divided by the folder's average record size.
``averageRecordSize`` is ``sizeKey / recordCount`` (stored bytes per record, rounded).
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from glueworks.platform.crawlers.classify import compile_classifier
from glueworks.platform.crawlers.infer import hive_columns, merge_schemas
from glueworks.platform.crawlers.model import (
    ClassifierSpec,
    CrawlConfig,
    CrawlFileError,
    CrawlResult,
    CrawlTarget,
    DiscoveredPartition,
    DiscoveredTable,
)
from glueworks.platform.crawlers.scan import Batch, BatchResult, GroupStats, scan_batch
from glueworks.platform.crawlers.serde import storage_format
from glueworks.platform.crawlers.tables import TablePlan, Unit, partition_keys, plan_forced, plan_tables
from glueworks.platform.crawlers.walk import Listing, list_target, normalize_url

#: Files per scanning batch (one folder's files are split into batches of at most this many).
BATCH_FILES = 512
_NAME_RE = re.compile(r"[^a-z0-9_]+")


def crawl(
    targets: Sequence[CrawlTarget],
    config: CrawlConfig,
    classifiers: Sequence[ClassifierSpec] = (),
    *,
    progress: Callable[[int], None] | None = None,
) -> CrawlResult:
    """Crawl include paths and describe the tables and partitions found.

    Args:
        targets: Include paths (validated by the caller).
        config: Grouping, prefix, known folders, storage options and parallelism.
        classifiers: Custom classifiers, tried in this order before the built-ins.
        progress: Called with the number of files scanned so far; raising aborts the crawl.

    Returns:
        Tables (with partitions), file errors and counters.

    Raises:
        ValueError: A classifier is invalid or the executor unknown.
    """
    started = time.perf_counter()
    for spec in classifiers:
        compile_classifier(spec)
    if config.executor not in ("local", "ray"):
        raise ValueError(f"executor: must be 'local' or 'ray', got {config.executor!r}")
    listings = [list_target(t, config.storage_options, config.known_folders) for t in targets]
    batches = list(_batches(listings))
    results = _run(batches, classifiers, config, progress)
    merged: dict[tuple[int, tuple[str, ...]], BatchResult] = {}
    errors: list[CrawlFileError] = []
    for result in results:
        errors.extend(result.errors)
        key = (result.target, result.folder)
        current = merged.get(key)
        if current is None:
            merged[key] = result
            continue
        for signature, stats in result.groups.items():
            if signature in current.groups:
                current.groups[signature].merge(stats)
            else:
                current.groups[signature] = stats
    tables: list[DiscoveredTable] = []
    files_scanned = folders_scanned = 0
    for index, listing in enumerate(listings):
        new_folders = [f for f in listing.folders.values() if not f.known]
        files_scanned += sum(len(f.files) for f in new_folders)
        folders_scanned += len(new_folders)
        units = _units(listing, {folder: r for (t, folder), r in merged.items() if t == index})
        tables.extend(_describe(listing, plan, config) for plan in _plan(listing, units, config, errors))
    return CrawlResult(
        tuple(_unique_names(tables)),
        tuple(sorted(errors, key=lambda e: e.path)),
        files_scanned,
        folders_scanned,
        time.perf_counter() - started,
    )


def _batches(listings: Sequence[Listing]) -> Iterator[Batch]:
    for index, listing in enumerate(listings):
        for folder in listing.folders.values():
            readable = [f for f in folder.files if f.read]
            for start in range(0, len(readable), BATCH_FILES):
                chunk = readable[start : start + BATCH_FILES]
                yield Batch(
                    index,
                    folder.parts,
                    listing.protocol,
                    dict(listing.storage_options),
                    tuple(f.path for f in chunk),
                    tuple(f.size for f in chunk),
                )


def _run(
    batches: Sequence[Batch],
    specs: Sequence[ClassifierSpec],
    config: CrawlConfig,
    progress: Callable[[int], None] | None,
) -> list[BatchResult]:
    args = (tuple(specs), config.max_prefix_bytes, config.max_records)
    if config.executor == "ray":
        return _run_ray(batches, args, config.max_parallelism, progress)
    results: list[BatchResult] = []
    done_files = 0
    workers = max(1, config.max_parallelism)
    if workers == 1 or len(batches) <= 1:
        for batch in batches:
            results.append(scan_batch(batch, *args))
            done_files += len(batch.paths)
            if progress is not None:
                progress(done_files)
        return results
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
        pending: set[Future[BatchResult]] = set()
        queue = iter(batches)
        try:
            for batch in queue:
                pending.add(pool.submit(scan_batch, batch, *args))
                if len(pending) >= workers * 2:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    done_files = _collect(done, results, done_files, progress)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                done_files = _collect(done, results, done_files, progress)
        finally:
            for future in pending:
                future.cancel()
    return results


def _collect(
    done: set[Future[BatchResult]], results: list[BatchResult], count: int, progress: Callable[[int], None] | None
) -> int:
    for future in done:
        result = future.result()
        results.append(result)
        count += result.files
        if progress is not None:
            progress(count)
    return count


def _run_ray(
    batches: Sequence[Batch], args: tuple[Any, ...], parallelism: int, progress: Callable[[int], None] | None
) -> list[BatchResult]:
    import ray

    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    remote = ray.remote(num_cpus=1, max_retries=2)(scan_batch)
    specs_ref = ray.put(args[0])
    results: list[BatchResult] = []
    pending: list[Any] = []
    count = 0
    limit = max(1, parallelism) * 2
    for batch in batches:
        pending.append(remote.remote(batch, specs_ref, args[1], args[2]))
        if len(pending) >= limit:
            ready, pending = ray.wait(pending, num_returns=1)
            count = _collect_ray(ready, results, count, progress)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        count = _collect_ray(ready, results, count, progress)
    return results


def _collect_ray(
    ready: list[Any], results: list[BatchResult], count: int, progress: Callable[[int], None] | None
) -> int:
    import ray

    for result in ray.get(ready):
        results.append(result)
        count += result.files
        if progress is not None:
            progress(count)
    return count


def _units(listing: Listing, scanned: dict[tuple[str, ...], BatchResult]) -> list[Unit]:
    """One unit per folder and signature; a folder's unread files join its largest group."""
    units: list[Unit] = []
    for parts, folder in listing.folders.items():
        result = scanned.get(parts)
        if folder.known or result is None or not result.groups:
            continue
        groups = sorted(result.groups.items(), key=lambda item: -item[1].files)
        folder_units = [Unit(parts, signature, stats) for signature, stats in groups]
        unread = [f for f in folder.files if not f.read]
        if unread:
            main = folder_units[0].stats
            per_record = main.bytes / main.records if main.records else 0.0
            extra = sum(f.size for f in unread)
            main.records += extra / per_record if per_record else 0.0
            main.bytes += extra
            main.files += len(unread)
        units.extend(folder_units)
    return units


def _plan(listing: Listing, units: list[Unit], config: CrawlConfig, errors: list[CrawlFileError]) -> list[TablePlan]:
    root_depth = len([p for p in listing.root.split("/") if p])
    forced_roots: list[tuple[str, ...] | None] = []
    known = {normalize_url(u) for u in config.known_folders}
    for unit in units:
        if config.table_level is not None:
            keep = max(0, config.table_level - root_depth)
            forced_roots.append(unit.parts[:keep])
            continue
        root = None
        for i in range(len(unit.parts) - 1, -1, -1):
            if listing.folder_url(unit.parts[:i]) in known and unit.parts[:i] not in listing.folders:
                root = unit.parts[:i]
                break
        forced_roots.append(root)
    free = [u for u, r in zip(units, forced_roots, strict=True) if r is None]
    forced = [(u, r) for u, r in zip(units, forced_roots, strict=True) if r is not None]
    plans = plan_tables(free, combine=config.combine_compatible_schemas)
    plans += plan_forced([u for u, _ in forced], [r for _, r in forced])
    out: list[TablePlan] = []
    for plan in plans:
        depths = [len(u.parts) - len(plan.root) for u in plan.units]
        depth = max(set(depths), key=depths.count)
        for unit in plan.units:
            if len(unit.parts) - len(plan.root) != depth:
                url = listing.folder_url(unit.parts)
                errors.append(CrawlFileError(url + "/", "folder depth differs from the other partitions of its table"))
        out.append(TablePlan(plan.root, [u for u in plan.units if len(u.parts) - len(plan.root) == depth]))
    return out


def _describe(listing: Listing, plan: TablePlan, config: CrawlConfig) -> DiscoveredTable:
    units = sorted(plan.units, key=lambda u: u.parts)
    fmt = units[0].stats.format
    levels = len(units[0].parts) - len(plan.root)
    keys = partition_keys(plan.root, levels, listing.folders) if levels else []
    partitions = []
    total = GroupStats(fmt, merge_schemas(u.stats.schema for u in units))
    for unit in units:
        total.records += unit.stats.records
        total.files += unit.stats.files
        total.bytes += unit.stats.bytes
        if levels:
            names = unit.parts[len(plan.root) :]
            values = tuple(_partition_value(name, key) for name, key in zip(names, keys, strict=True))
            partitions.append(
                DiscoveredPartition(
                    values,
                    listing.folder_url(unit.parts) + "/",
                    hive_columns(unit.stats.schema, fmt.integral),
                    _parameters(unit.stats),
                )
            )
    # A partition key names a column of its own: a data column of the same name gives way to it.
    columns = tuple(c for c in hive_columns(total.schema, fmt.integral) if c["Name"] not in keys)
    root_name = plan.root[-1] if plan.root else listing.root.rstrip("/").rsplit("/", 1)[-1]
    return DiscoveredTable(
        name=_table_name(config.table_prefix, root_name),
        location=listing.folder_url(plan.root) + "/",
        classification=fmt.classification,
        columns=columns,
        partition_keys=tuple({"Name": key, "Type": "string"} for key in keys),
        partitions=tuple(partitions),
        parameters=_parameters(total),
        serde=storage_format(
            fmt.family, fmt.serde_library, fmt.serde_parameters or _default_serde(fmt.family, columns)
        ),
    )


def _default_serde(family: str, columns: Sequence[dict[str, str]]) -> dict[str, str]:
    if family == "json":
        return {"paths": ",".join(c["Name"] for c in columns)}
    return {}


def _partition_value(name: str, key: str) -> str:
    if not key.startswith("partition_") and "=" in name:
        return urllib.parse.unquote(name.split("=", 1)[1])
    return name


def _parameters(stats: GroupStats) -> dict[str, str]:
    fmt = stats.format
    records = round(stats.records)
    params = {
        "classification": fmt.classification,
        "compressionType": fmt.compression,
        "typeOfData": "file",
        "recordCount": str(records),
        "sizeKey": str(stats.bytes),
        "objectCount": str(stats.files),
        "averageRecordSize": str(round(stats.bytes / records) if records else 0),
        "CrawlerSchemaSerializerVersion": "1.0",
        "CrawlerSchemaDeserializerVersion": "1.0",
    }
    params.update(fmt.parameters)
    return params


def _table_name(prefix: str, folder: str) -> str:
    base = _NAME_RE.sub("_", urllib.parse.unquote(folder).lower()).strip("_") or "table"
    return (prefix.lower() + base)[:255]


def _unique_names(tables: list[DiscoveredTable]) -> list[DiscoveredTable]:
    """Tables whose names clash get a hash of their location appended (as Glue's crawler does)."""
    counts: dict[str, int] = {}
    for table in tables:
        counts[table.name] = counts.get(table.name, 0) + 1
    out = []
    for table in sorted(tables, key=lambda t: (t.location, t.classification)):
        if counts[table.name] > 1:
            digest = hashlib.sha1(f"{table.location}|{table.classification}".encode()).hexdigest()[:8]
            table = DiscoveredTable(
                f"{table.name}_{digest}",
                table.location,
                table.classification,
                table.columns,
                table.partition_keys,
                table.partitions,
                table.parameters,
                table.serde,
            )
        out.append(table)
    return out
