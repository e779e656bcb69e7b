"""REST ``/v1/catalog``: the Data Catalog for the SDK and the console, snake_case, over the same services.

Bodies are Glue's catalog shapes with snake_case member names (``storage_descriptor.serde_info``); map keys such
as ``parameters`` entries are kept as given. The names are translated through botocore's Glue model, and each
body is checked by the same model checks the Glue door applies, so both doors accept exactly the same input.
"""

from __future__ import annotations

from typing import Annotated, Any

from botocore import xform_name
from fastapi import APIRouter, Query

from glueworks.platform.api.glue.model import glue_model
from glueworks.platform.api.rest.router import MaxResults, Tenant
from glueworks.platform.context import Platform
from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services.catalog import ItemError, search_tables, table_row_shape

__all__ = ["build_catalog_router", "to_pascal", "to_snake"]

Body = dict[str, Any]


def to_snake(shape_name: str, value: Any) -> Any:
    """An output value of a Glue shape with snake_case member names."""
    shape = glue_model().shape(shape_name)
    kind = shape["type"]
    if kind == "structure" and isinstance(value, dict):
        members = shape.get("members", {})
        return {
            xform_name(name): to_snake(members[name]["shape"], item) if name in members else item
            for name, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [to_snake(shape["member"]["shape"], item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: to_snake(shape["value"]["shape"], item) for key, item in value.items()}
    return value


def to_pascal(shape_name: str, value: Any, path: str) -> Any:
    """An input value with snake_case member names as Glue's shape; an unknown member is an input error."""
    shape = glue_model().shape(shape_name)
    kind = shape["type"]
    if kind == "structure" and isinstance(value, dict):
        members = shape.get("members", {})
        names = {xform_name(name): name for name in members}
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key not in names:
                raise InvalidInputError(f"unknown member; expected one of {', '.join(sorted(names))}", field=path + key)
            name = names[key]
            result[name] = to_pascal(members[name]["shape"], item, f"{path}{key}.")
        return result
    if kind == "list" and isinstance(value, list):
        return [to_pascal(shape["member"]["shape"], item, path) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: to_pascal(shape["value"]["shape"], item, path) for key, item in value.items()}
    return value


def _checked(operation: str, member: str, shape_name: str, body: Body, **others: Any) -> dict[str, Any]:
    """The body as the Glue ``member`` of ``operation``, checked by the model like a Glue request."""
    params = glue_model().validate_input(operation, {**others, member: to_pascal(shape_name, body, "")})
    value: dict[str, Any] = params[member]
    return value


def _errors(errors: list[ItemError], key: str) -> list[Body]:
    """Per-item failures of a batch call: ``{key: <item>, "error": {"code", "message"}}``."""
    return [{key: error.key, "error": {"code": error.code, "message": error.message}} for error in errors]


def build_catalog_router(platform: Platform) -> APIRouter:
    """The router serving ``/v1/catalog``."""
    router = APIRouter(prefix="/v1/catalog", tags=["catalog"])
    catalog = platform.catalog

    @router.post("/databases", status_code=201)
    def create_database(body: Body, tenant_id: Tenant) -> Body:
        created = catalog.databases.create(
            tenant_id, _checked("CreateDatabase", "DatabaseInput", "DatabaseInput", body)
        )
        return dict(to_snake("Database", created))

    @router.get("/databases")
    def list_databases(tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None) -> Body:
        rows, token = catalog.databases.page(tenant_id, max_results, next_token)
        return {"databases": [to_snake("Database", row) for row in rows], "next_token": token}

    @router.get("/databases/{name}")
    def get_database(name: str, tenant_id: Tenant) -> Body:
        return dict(to_snake("Database", catalog.databases.get(tenant_id, name)))

    @router.put("/databases/{name}")
    def update_database(name: str, body: Body, tenant_id: Tenant) -> Body:
        database_input = _checked("UpdateDatabase", "DatabaseInput", "DatabaseInput", body, Name=name)
        catalog.databases.update(tenant_id, name, database_input)
        return dict(to_snake("Database", catalog.databases.get(tenant_id, name)))

    @router.delete("/databases/{name}")
    def delete_database(name: str, tenant_id: Tenant) -> Body:
        catalog.databases.delete(tenant_id, name)
        return {"name": name.lower()}

    @router.post("/databases/{database}/tables", status_code=201)
    def create_table(database: str, body: Body, tenant_id: Tenant) -> Body:
        table_input = _checked("CreateTable", "TableInput", "TableInput", body, DatabaseName=database)
        catalog.tables.create(tenant_id, database, table_input)
        return dict(to_snake("Table", catalog.tables.get(tenant_id, database, table_input["Name"])))

    @router.get("/databases/{database}/tables")
    def list_tables(
        database: str,
        tenant_id: Tenant,
        expression: str | None = None,
        max_results: MaxResults = None,
        next_token: str | None = None,
    ) -> Body:
        rows, token = catalog.tables.page(tenant_id, database, expression, max_results, next_token)
        return {"tables": [to_snake("Table", row) for row in rows], "next_token": token}

    @router.get("/databases/{database}/tables/{name}")
    def get_table(database: str, name: str, tenant_id: Tenant) -> Body:
        return dict(to_snake("Table", catalog.tables.get(tenant_id, database, name)))

    @router.put("/databases/{database}/tables/{name}")
    def update_table(
        database: str,
        name: str,
        body: Body,
        tenant_id: Tenant,
        skip_archive: bool = False,
        version_id: str | None = None,
    ) -> Body:
        table_input = _checked("UpdateTable", "TableInput", "TableInput", {"name": name, **body}, DatabaseName=database)
        catalog.tables.update(tenant_id, database, table_input, skip_archive=skip_archive, version_id=version_id)
        return dict(to_snake("Table", catalog.tables.get(tenant_id, database, name)))

    @router.delete("/databases/{database}/tables/{name}")
    def delete_table(database: str, name: str, tenant_id: Tenant) -> Body:
        catalog.tables.delete(tenant_id, database, name)
        return {"name": name.lower()}

    @router.get("/databases/{database}/tables/{name}/versions")
    def list_versions(
        database: str, name: str, tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None
    ) -> Body:
        rows, token = catalog.tables.versions(tenant_id, database, name, max_results, next_token)
        return {"versions": [to_snake("TableVersion", row) for row in rows], "next_token": token}

    @router.get("/databases/{database}/tables/{name}/versions/{version_id}")
    def get_version(database: str, name: str, version_id: str, tenant_id: Tenant) -> Body:
        return dict(to_snake("TableVersion", catalog.tables.get_version(tenant_id, database, name, version_id)))

    @router.delete("/databases/{database}/tables/{name}/versions/{version_id}")
    def delete_version(database: str, name: str, version_id: str, tenant_id: Tenant) -> Body:
        errors = catalog.tables.delete_versions(tenant_id, database, name, [version_id])
        if errors:
            raise errors[0].exception()
        return {"version_id": version_id}

    @router.post("/databases/{database}/tables:batch-delete")
    def batch_delete_tables(database: str, body: Body, tenant_id: Tenant) -> Body:
        """Delete several tables: ``{"names": [...]}``; per-table failures come back in ``errors``."""
        names = _checked_list(body, "names")
        glue_model().validate_input("BatchDeleteTable", {"DatabaseName": database, "TablesToDelete": names})
        return {"errors": _errors(catalog.tables.batch_delete(tenant_id, database, names), "name")}

    @router.post("/databases/{database}/tables/{name}/versions:batch-delete")
    def batch_delete_versions(database: str, name: str, body: Body, tenant_id: Tenant) -> Body:
        """Delete several versions: ``{"version_ids": [...]}``; per-version failures in ``errors``."""
        ids = _checked_list(body, "version_ids")
        glue_model().validate_input(
            "BatchDeleteTableVersion", {"DatabaseName": database, "TableName": name, "VersionIds": ids}
        )
        return {"errors": _errors(catalog.tables.delete_versions(tenant_id, database, name, ids), "version_id")}

    @router.post("/search")
    def search(body: Body, tenant_id: Tenant) -> Body:
        """SearchTables: ``{"search_text", "filters": [{"key","value","comparator"}], "sort_criteria", ...}``."""
        params = glue_model().validate_input("SearchTables", to_pascal("SearchTablesRequest", body, ""))
        rows, token = search_tables(
            catalog.db,
            tenant_id,
            search_text=params.get("SearchText"),
            filters=params.get("Filters", []),
            sort=params.get("SortCriteria", []),
            max_results=params.get("MaxResults"),
            next_token=params.get("NextToken"),
        )
        return {"tables": [to_snake("Table", table_row_shape(row)) for row in rows], "next_token": token}

    @router.post("/databases/{database}/tables/{table}/partitions", status_code=201)
    def create_partition(database: str, table: str, body: Body, tenant_id: Tenant) -> Body:
        partition_input = _checked(
            "CreatePartition", "PartitionInput", "PartitionInput", body, DatabaseName=database, TableName=table
        )
        catalog.partitions.create(tenant_id, database, table, partition_input)
        values = list(partition_input.get("Values", []))
        return dict(to_snake("Partition", catalog.partitions.get(tenant_id, database, table, values)))

    @router.get("/databases/{database}/tables/{table}/partitions")
    def list_partitions(
        database: str,
        table: str,
        tenant_id: Tenant,
        expression: str | None = None,
        segment_number: Annotated[int | None, Query(ge=0)] = None,
        total_segments: Annotated[int | None, Query(ge=1, le=10)] = None,
        max_results: MaxResults = None,
        next_token: str | None = None,
    ) -> Body:
        segment = None
        if segment_number is not None or total_segments is not None:
            if segment_number is None or total_segments is None:
                raise InvalidInputError("segment_number and total_segments go together", field="segment_number")
            segment = (segment_number, total_segments)
        rows, token = catalog.partitions.page(
            tenant_id,
            database,
            table,
            expression=expression,
            segment=segment,
            max_results=max_results,
            next_token=next_token,
        )
        return {"partitions": [to_snake("Partition", row) for row in rows], "next_token": token}

    @router.get("/databases/{database}/tables/{table}/partition")
    def get_partition(database: str, table: str, tenant_id: Tenant, values: Annotated[list[str], Query()]) -> Body:
        """One partition, named by its values in partition-key order (``?values=2024&values=eu``)."""
        return dict(to_snake("Partition", catalog.partitions.get(tenant_id, database, table, values)))

    @router.delete("/databases/{database}/tables/{table}/partition")
    def delete_partition(database: str, table: str, tenant_id: Tenant, values: Annotated[list[str], Query()]) -> Body:
        catalog.partitions.delete(tenant_id, database, table, values)
        return {"values": values}

    @router.put("/databases/{database}/tables/{table}/partition")
    def update_partition(
        database: str, table: str, body: Body, tenant_id: Tenant, values: Annotated[list[str], Query()]
    ) -> Body:
        """Replace a partition's definition (its values may change: the body's ``values`` are the new ones)."""
        partition_input = _checked(
            "UpdatePartition",
            "PartitionInput",
            "PartitionInput",
            body,
            DatabaseName=database,
            TableName=table,
            PartitionValueList=values,
        )
        catalog.partitions.update(tenant_id, database, table, values, partition_input)
        new_values = list(partition_input.get("Values") or values)
        return dict(to_snake("Partition", catalog.partitions.get(tenant_id, database, table, new_values)))

    @router.post("/databases/{database}/tables/{table}/partitions:batch-create")
    def batch_create_partitions(database: str, table: str, body: Body, tenant_id: Tenant) -> Body:
        """Create several partitions: ``{"partitions": [PartitionInput, ...]}``; failures in ``errors``."""
        inputs = [to_pascal("PartitionInput", item, "partitions.") for item in _checked_list(body, "partitions")]
        glue_model().validate_input(
            "BatchCreatePartition", {"DatabaseName": database, "TableName": table, "PartitionInputList": inputs}
        )
        return {"errors": _errors(catalog.partitions.batch_create(tenant_id, database, table, inputs), "values")}

    @router.post("/databases/{database}/tables/{table}/partitions:batch-get")
    def batch_get_partitions(database: str, table: str, body: Body, tenant_id: Tenant) -> Body:
        """Several partitions by values: ``{"values_list": [[...], ...]}``; missing ones are left out."""
        wanted = [list(values) for values in _checked_list(body, "values_list")]
        glue_model().validate_input(
            "BatchGetPartition",
            {"DatabaseName": database, "TableName": table, "PartitionsToGet": [{"Values": v} for v in wanted]},
        )
        rows = catalog.partitions.batch_get(tenant_id, database, table, wanted)
        return {"partitions": [to_snake("Partition", row) for row in rows]}

    @router.post("/databases/{database}/tables/{table}/partitions:batch-delete")
    def batch_delete_partitions(database: str, table: str, body: Body, tenant_id: Tenant) -> Body:
        """Delete several partitions: ``{"values_list": [[...], ...]}``; failures in ``errors``."""
        wanted = [list(values) for values in _checked_list(body, "values_list")]
        glue_model().validate_input(
            "BatchDeletePartition",
            {"DatabaseName": database, "TableName": table, "PartitionsToDelete": [{"Values": v} for v in wanted]},
        )
        return {"errors": _errors(catalog.partitions.batch_delete(tenant_id, database, table, wanted), "values")}

    return router


def _checked_list(body: Body, member: str) -> list[Any]:
    """``body[member]``, which must be a list (an input error naming the member otherwise)."""
    value = body.get(member)
    if not isinstance(value, list):
        raise InvalidInputError("must be a list", field=member)
    return value
