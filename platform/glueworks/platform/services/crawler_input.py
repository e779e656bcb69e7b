"""Checks of a crawler's definition: targets, policies, ``Configuration`` JSON, table prefix and schedule.

Each check raises :class:`InvalidInputError` naming the member at fault (``Targets.S3Targets[0].Path``,
``Configuration.Grouping.TableLevelConfiguration``, ...). The members are Glue's ``CreateCrawler`` input,
already checked against botocore's model by the front door; these are the rules the model cannot say.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glueworks.platform.errors import InvalidInputError
from glueworks.platform.locations import parse_location

__all__ = [
    "DEFINITION_MEMBERS",
    "CrawlerConfiguration",
    "check_definition",
    "check_schedule",
    "parse_configuration",
]

DEFINITION_MEMBERS = (
    "Role",
    "Targets",
    "DatabaseName",
    "Description",
    "Classifiers",
    "RecrawlPolicy",
    "SchemaChangePolicy",
    "LineageConfiguration",
    "TablePrefix",
    "Configuration",
    "CrawlerSecurityConfiguration",
    "LakeFormationConfiguration",
)
"""The members of CreateCrawler/UpdateCrawler kept in a crawler's stored definition."""

_UNSUPPORTED_TARGETS = (
    "JdbcTargets",
    "MongoDBTargets",
    "DynamoDBTargets",
    "CatalogTargets",
    "DeltaTargets",
    "IcebergTargets",
    "HudiTargets",
)
_MAX_SAMPLE_SIZE = 249
_MAX_TABLE_PREFIX = 128
_TABLE_PREFIX = re.compile(r"^[a-z0-9_-]*$")
_CONFIG_VERSION = 1.0


@dataclass(frozen=True)
class CrawlerConfiguration:
    """The parsed ``Configuration`` JSON of a crawler (Glue's crawler configuration, version 1.0)."""

    combine_compatible_schemas: bool = False
    table_level: int | None = None
    partitions_inherit_from_table: bool = False
    tables_merge_new_columns: bool = False
    table_threshold: int | None = None


def default_schema_change_policy() -> dict[str, str]:
    """Glue's default: update the catalog, deprecate tables whose data is gone."""
    return {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"}


def check_definition(definition: Mapping[str, Any], *, file_roots: list[Path]) -> dict[str, Any]:
    """Check a whole crawler definition and return it with Glue's defaults filled in.

    Raises:
        InvalidInputError: naming the first member at fault.
    """
    result = {key: definition[key] for key in DEFINITION_MEMBERS if definition.get(key) is not None}
    result["Targets"] = check_targets(result.get("Targets") or {}, file_roots=file_roots)
    schema_policy = {**default_schema_change_policy(), **(result.get("SchemaChangePolicy") or {})}
    recrawl = {"RecrawlBehavior": "CRAWL_EVERYTHING", **(result.get("RecrawlPolicy") or {})}
    check_policies(schema_policy, recrawl)
    result["SchemaChangePolicy"] = schema_policy
    result["RecrawlPolicy"] = recrawl
    result.setdefault("LineageConfiguration", {"CrawlerLineageSettings": "DISABLE"})
    prefix = result.get("TablePrefix")
    if prefix is not None:
        check_table_prefix(prefix)
    if "Configuration" in result:
        parse_configuration(result["Configuration"])
    if result.get("CrawlerSecurityConfiguration"):
        raise InvalidInputError("security configurations are not supported in this version",
                                field="CrawlerSecurityConfiguration")
    lake = result.get("LakeFormationConfiguration") or {}
    if lake.get("UseLakeFormationCredentials"):
        raise InvalidInputError("Lake Formation credentials are not supported in this version",
                                field="LakeFormationConfiguration.UseLakeFormationCredentials")
    classifiers = result.get("Classifiers") or []
    seen: set[str] = set()
    for index, name in enumerate(classifiers):
        if name in seen:
            raise InvalidInputError(f"classifier {name!r} is listed twice", field=f"Classifiers[{index}]")
        seen.add(name)
    return result


def check_targets(targets: Mapping[str, Any], *, file_roots: list[Path]) -> dict[str, Any]:
    """S3 (and local folder) targets only; every path inside the storage this platform may read."""
    for kind in _UNSUPPORTED_TARGETS:
        if targets.get(kind):
            raise InvalidInputError(
                f"{kind} are not supported in this version; only S3Targets (s3:// paths or local folders) are",
                field=f"Targets.{kind}",
            )
    s3_targets = list(targets.get("S3Targets") or [])
    if not s3_targets:
        raise InvalidInputError("a crawler needs at least one target in S3Targets", field="Targets.S3Targets")
    checked: list[dict[str, Any]] = []
    for index, target in enumerate(s3_targets):
        where = f"Targets.S3Targets[{index}]"
        path = target.get("Path")
        if not isinstance(path, str):
            raise InvalidInputError("is required", field=f"{where}.Path")
        parse_location(path, field=f"{where}.Path", file_roots=file_roots)
        for member in ("ConnectionName", "EventQueueArn", "DlqEventQueueArn"):
            if target.get(member):
                raise InvalidInputError("is not supported in this version", field=f"{where}.{member}")
        sample = target.get("SampleSize")
        if sample is not None and not 1 <= sample <= _MAX_SAMPLE_SIZE:
            raise InvalidInputError(f"must be between 1 and {_MAX_SAMPLE_SIZE}, got {sample}",
                                    field=f"{where}.SampleSize")
        for position, pattern in enumerate(target.get("Exclusions") or []):
            if not pattern:
                raise InvalidInputError("must not be empty", field=f"{where}.Exclusions[{position}]")
        checked.append(dict(target))
    return {"S3Targets": checked}


def check_policies(schema_policy: Mapping[str, str], recrawl: Mapping[str, str]) -> None:
    """CRAWL_NEW_FOLDERS_ONLY needs SchemaChangePolicy LOG/LOG, as in Glue; event mode needs SQS (unsupported)."""
    behavior = recrawl.get("RecrawlBehavior")
    if behavior == "CRAWL_EVENT_MODE":
        raise InvalidInputError("CRAWL_EVENT_MODE is not supported in this version (it needs S3 event queues)",
                                field="RecrawlPolicy.RecrawlBehavior")
    if behavior == "CRAWL_NEW_FOLDERS_ONLY" and (
        schema_policy.get("UpdateBehavior") != "LOG" or schema_policy.get("DeleteBehavior") != "LOG"
    ):
        raise InvalidInputError(
            "CRAWL_NEW_FOLDERS_ONLY requires SchemaChangePolicy UpdateBehavior LOG and DeleteBehavior LOG",
            field="SchemaChangePolicy",
        )


def check_table_prefix(prefix: str) -> None:
    if len(prefix) > _MAX_TABLE_PREFIX:
        raise InvalidInputError(f"is {len(prefix)} characters long; at most {_MAX_TABLE_PREFIX} are allowed",
                                field="TablePrefix")
    if not _TABLE_PREFIX.match(prefix.lower()):
        raise InvalidInputError("may hold letters, digits, '_' and '-' only (table names are lower-cased)",
                                field="TablePrefix")


def _section(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInputError("must be a JSON object", field=field)
    return value


def _unknown(section: Mapping[str, Any], allowed: tuple[str, ...], field: str) -> None:
    for key in section:
        if key not in allowed:
            raise InvalidInputError(f"unknown member; expected one of {', '.join(allowed)}", field=f"{field}.{key}")


def parse_configuration(text: str | None) -> CrawlerConfiguration:
    """Parse a crawler's ``Configuration`` JSON (Version 1.0: CrawlerOutput, Grouping, CreatePartitionIndex).

    Raises:
        InvalidInputError: naming the member at fault, e.g. ``Configuration.Grouping.TableGroupingPolicy``.
    """
    if text is None or not text.strip():
        return CrawlerConfiguration()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"is not valid JSON: {exc.msg} at column {exc.colno}", field="Configuration") from None
    root = _section(raw, "Configuration")
    _unknown(root, ("Version", "CrawlerOutput", "Grouping", "CreatePartitionIndex"), "Configuration")
    version = root.get("Version")
    if not isinstance(version, int | float) or isinstance(version, bool) or float(version) != _CONFIG_VERSION:
        raise InvalidInputError("must be 1.0", field="Configuration.Version")
    output = _section(root.get("CrawlerOutput", {}), "Configuration.CrawlerOutput")
    _unknown(output, ("Partitions", "Tables"), "Configuration.CrawlerOutput")
    partitions = _section(output.get("Partitions", {}), "Configuration.CrawlerOutput.Partitions")
    _unknown(partitions, ("AddOrUpdateBehavior",), "Configuration.CrawlerOutput.Partitions")
    inherit = partitions.get("AddOrUpdateBehavior")
    if inherit not in (None, "InheritFromTable"):
        raise InvalidInputError("must be InheritFromTable",
                                field="Configuration.CrawlerOutput.Partitions.AddOrUpdateBehavior")
    tables = _section(output.get("Tables", {}), "Configuration.CrawlerOutput.Tables")
    _unknown(tables, ("AddOrUpdateBehavior", "TableThreshold"), "Configuration.CrawlerOutput.Tables")
    merge = tables.get("AddOrUpdateBehavior")
    if merge not in (None, "MergeNewColumns"):
        raise InvalidInputError(
            "must be MergeNewColumns", field="Configuration.CrawlerOutput.Tables.AddOrUpdateBehavior"
        )
    threshold = tables.get("TableThreshold")
    if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1):
        raise InvalidInputError(
            "must be a positive whole number", field="Configuration.CrawlerOutput.Tables.TableThreshold"
        )
    grouping = _section(root.get("Grouping", {}), "Configuration.Grouping")
    _unknown(grouping, ("TableGroupingPolicy", "TableLevelConfiguration"), "Configuration.Grouping")
    policy = grouping.get("TableGroupingPolicy")
    if policy not in (None, "CombineCompatibleSchemas"):
        raise InvalidInputError("must be CombineCompatibleSchemas", field="Configuration.Grouping.TableGroupingPolicy")
    level = grouping.get("TableLevelConfiguration")
    if level is not None and (not isinstance(level, int) or isinstance(level, bool) or level < 1):
        raise InvalidInputError("must be a whole number >= 1 (the bucket is level 1)",
                                field="Configuration.Grouping.TableLevelConfiguration")
    index = root.get("CreatePartitionIndex")
    if index is not None and not isinstance(index, bool):
        raise InvalidInputError("must be true or false", field="Configuration.CreatePartitionIndex")
    return CrawlerConfiguration(
        combine_compatible_schemas=policy is not None,
        table_level=level,
        partitions_inherit_from_table=inherit is not None,
        tables_merge_new_columns=merge is not None,
        table_threshold=threshold,
    )


def check_schedule(expression: str, *, field: str = "Schedule") -> str:
    """Check a Glue schedule ``cron(m h dom mon dow year)`` with the scheduler's cron parser."""
    text = expression.strip()
    if not text:
        raise InvalidInputError("must not be empty", field=field)
    try:
        cron = importlib.import_module("glueworks.platform.scheduling.cron")
    except ModuleNotFoundError:  # the scheduler's parser is not installed: check the outer form only
        if not (text.startswith("cron(") and text.endswith(")") and len(text[5:-1].split()) == 6):
            raise InvalidInputError("must be cron(minutes hours day-of-month month day-of-week year)",
                                    field=field) from None
        return text
    try:
        cron.parse_cron(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field=field) from None
    return text
