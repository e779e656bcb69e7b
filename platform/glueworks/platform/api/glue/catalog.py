"""Glue Data Catalog operations: databases, tables and their versions, partitions, SearchTables.

Each handler checks ``CatalogId`` (the default catalog's 12-digit id, or none), hands Glue's validated input
shapes to the catalog services and returns Glue's output shapes. Batch operations answer 200 with per-item
``Errors`` in Glue's shapes. Members that only tune AWS's own service (TransactionId, QueryAsOfTime,
AuditContext, ResourceShareType, ...) are accepted and have no effect.
"""

from __future__ import annotations

from typing import Any

from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.context import Platform
from glueworks.platform.services.catalog import ItemError, check_catalog, search_tables, table_row_shape

__all__ = ["CATALOG_OPERATIONS"]


def _detail(error: ItemError) -> dict[str, str]:
    return {"ErrorCode": error.code, "ErrorMessage": error.message}


# -- databases -------------------------------------------------------------------------------------------


def create_database(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.databases.create(tenant, params["DatabaseInput"])
    return {}


def get_database(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    return {"Database": platform.catalog.databases.get(tenant, params["Name"])}


def get_databases(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    rows, token = platform.catalog.databases.page(tenant, params.get("MaxResults"), params.get("NextToken"))
    return compact({"DatabaseList": rows, "NextToken": token})


def update_database(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.databases.update(tenant, params["Name"], params["DatabaseInput"])
    return {}


def delete_database(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.databases.delete(tenant, params["Name"])
    return {}


# -- tables ----------------------------------------------------------------------------------------------


def create_table(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.tables.create(tenant, params["DatabaseName"], params["TableInput"])
    return {}


def get_table(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    return {"Table": platform.catalog.tables.get(tenant, params["DatabaseName"], params["Name"])}


def get_tables(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    rows, token = platform.catalog.tables.page(
        tenant, params["DatabaseName"], params.get("Expression"), params.get("MaxResults"), params.get("NextToken")
    )
    return compact({"TableList": rows, "NextToken": token})


def update_table(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.tables.update(
        tenant,
        params["DatabaseName"],
        params["TableInput"],
        skip_archive=bool(params.get("SkipArchive", False)),
        version_id=params.get("VersionId"),
    )
    return {}


def delete_table(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.tables.delete(tenant, params["DatabaseName"], params["Name"])
    return {}


def batch_delete_table(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    errors = platform.catalog.tables.batch_delete(tenant, params["DatabaseName"], list(params["TablesToDelete"]))
    return {"Errors": [{"TableName": error.key, "ErrorDetail": _detail(error)} for error in errors]}


def get_table_version(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    version = platform.catalog.tables.get_version(
        tenant, params["DatabaseName"], params["TableName"], params.get("VersionId")
    )
    return {"TableVersion": version}


def get_table_versions(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    rows, token = platform.catalog.tables.versions(
        tenant, params["DatabaseName"], params["TableName"], params.get("MaxResults"), params.get("NextToken")
    )
    return compact({"TableVersions": rows, "NextToken": token})


def delete_table_version(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    errors = platform.catalog.tables.delete_versions(
        tenant, params["DatabaseName"], params["TableName"], [params["VersionId"]]
    )
    if errors:
        raise errors[0].exception()
    return {}


def batch_delete_table_version(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    table = params["TableName"]
    errors = platform.catalog.tables.delete_versions(tenant, params["DatabaseName"], table, list(params["VersionIds"]))
    return {
        "Errors": [
            {"TableName": table.lower(), "VersionId": error.key, "ErrorDetail": _detail(error)} for error in errors
        ]
    }


def search(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    rows, token = search_tables(
        platform.catalog.db,
        tenant,
        search_text=params.get("SearchText"),
        filters=params.get("Filters", []),
        sort=params.get("SortCriteria", []),
        max_results=params.get("MaxResults"),
        next_token=params.get("NextToken"),
    )
    tables = [table_row_shape(row) for row in rows]
    return compact({"TableList": tables, "NextToken": token})


# -- partitions ------------------------------------------------------------------------------------------


def create_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.partitions.create(tenant, params["DatabaseName"], params["TableName"], params["PartitionInput"])
    return {}


def batch_create_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    errors = platform.catalog.partitions.batch_create(
        tenant, params["DatabaseName"], params["TableName"], list(params["PartitionInputList"])
    )
    return {"Errors": [{"PartitionValues": error.key, "ErrorDetail": _detail(error)} for error in errors]}


def get_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    partition = platform.catalog.partitions.get(
        tenant, params["DatabaseName"], params["TableName"], list(params["PartitionValues"])
    )
    return {"Partition": partition}


def batch_get_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    wanted = [list(item["Values"]) for item in params["PartitionsToGet"]]
    partitions = platform.catalog.partitions.batch_get(tenant, params["DatabaseName"], params["TableName"], wanted)
    return {"Partitions": partitions, "UnprocessedKeys": []}


def get_partitions(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    segment = params.get("Segment")
    rows, token = platform.catalog.partitions.page(
        tenant,
        params["DatabaseName"],
        params["TableName"],
        expression=params.get("Expression"),
        segment=None if segment is None else (segment["SegmentNumber"], segment["TotalSegments"]),
        max_results=params.get("MaxResults"),
        next_token=params.get("NextToken"),
        exclude_columns=bool(params.get("ExcludeColumnSchema", False)),
    )
    return compact({"Partitions": rows, "NextToken": token})


def update_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.partitions.update(
        tenant,
        params["DatabaseName"],
        params["TableName"],
        list(params["PartitionValueList"]),
        params["PartitionInput"],
    )
    return {}


def batch_update_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    entries = [(list(entry["PartitionValueList"]), entry["PartitionInput"]) for entry in params["Entries"]]
    errors = platform.catalog.partitions.batch_update(tenant, params["DatabaseName"], params["TableName"], entries)
    return {"Errors": [{"PartitionValueList": error.key, "ErrorDetail": _detail(error)} for error in errors]}


def delete_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.catalog.partitions.delete(
        tenant, params["DatabaseName"], params["TableName"], list(params["PartitionValues"])
    )
    return {}


def batch_delete_partition(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    wanted = [list(item["Values"]) for item in params["PartitionsToDelete"]]
    errors = platform.catalog.partitions.batch_delete(tenant, params["DatabaseName"], params["TableName"], wanted)
    return {"Errors": [{"PartitionValues": error.key, "ErrorDetail": _detail(error)} for error in errors]}


CATALOG_OPERATIONS: dict[str, Handler] = {
    "BatchCreatePartition": batch_create_partition,
    "BatchDeletePartition": batch_delete_partition,
    "BatchDeleteTable": batch_delete_table,
    "BatchDeleteTableVersion": batch_delete_table_version,
    "BatchGetPartition": batch_get_partition,
    "BatchUpdatePartition": batch_update_partition,
    "CreateDatabase": create_database,
    "CreatePartition": create_partition,
    "CreateTable": create_table,
    "DeleteDatabase": delete_database,
    "DeletePartition": delete_partition,
    "DeleteTable": delete_table,
    "DeleteTableVersion": delete_table_version,
    "GetDatabase": get_database,
    "GetDatabases": get_databases,
    "GetPartition": get_partition,
    "GetPartitions": get_partitions,
    "GetTable": get_table,
    "GetTableVersion": get_table_version,
    "GetTableVersions": get_table_versions,
    "GetTables": get_tables,
    "SearchTables": search,
    "UpdateDatabase": update_database,
    "UpdatePartition": update_partition,
    "UpdateTable": update_table,
}
