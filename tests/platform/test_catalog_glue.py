"""The Data Catalog through an unmodified boto3 client, once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LiveServer
from tests.platform.glue_helpers import glue_client, unique

COLUMNS = [{"Name": "id", "Type": "bigint", "Comment": "customer key"}, {"Name": "tags", "Type": "array<string>"}]
KEYS = [{"Name": "year", "Type": "int"}, {"Name": "region", "Type": "string"}]


@pytest.fixture
def client(any_server: LiveServer) -> Any:
    return glue_client(any_server)


def table_input(name: str, **members: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Description": "orders of customers",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "StorageDescriptor": {
            "Columns": COLUMNS,
            "Location": "s3://bucket/orders/",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
        "PartitionKeys": KEYS,
        **members,
    }


def make_table(client: Any) -> tuple[str, str]:
    database = unique("DB").lower()
    client.create_database(DatabaseInput={"Name": database})
    table = unique("orders")
    client.create_table(DatabaseName=database, TableInput=table_input(table))
    return database, table


def code_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = caught.value.response["Error"]["Code"]
    return code


def add_partitions(client: Any, database: str, table: str, values: list[list[str]]) -> None:
    for start in range(0, len(values), 100):
        inputs = [
            {"Values": item, "StorageDescriptor": {"Location": f"s3://bucket/orders/{'/'.join(item)}/"}}
            for item in values[start : start + 100]
        ]
        answer = client.batch_create_partition(DatabaseName=database, TableName=table, PartitionInputList=inputs)
        assert answer["Errors"] == []


def partition_values(client: Any, database: str, table: str, **members: Any) -> list[list[str]]:
    found: list[list[str]] = []
    for page in client.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table, **members):
        found.extend(partition["Values"] for partition in page["Partitions"])
    return found


def test_databases_round_trip_with_lower_cased_names(client: Any) -> None:
    name = unique("Sales")
    client.create_database(
        CatalogId="000000000000",
        DatabaseInput={"Name": name, "Description": "sales data", "Parameters": {"owner": "bi"}},
    )
    got = client.get_database(Name=name)["Database"]
    assert got["Name"] == name.lower()
    assert {got["Description"], got["CatalogId"], got["Parameters"]["owner"]} == {"sales data", "000000000000", "bi"}
    names = [db["Name"] for page in client.get_paginator("get_databases").paginate() for db in page["DatabaseList"]]
    assert name.lower() in names
    client.update_database(Name=name, DatabaseInput={"Name": name, "Description": "changed"})
    assert client.get_database(Name=name.lower())["Database"]["Description"] == "changed"
    with pytest.raises(ClientError) as caught:
        client.create_database(DatabaseInput={"Name": name.upper()})
    assert code_of(caught) == "AlreadyExistsException"
    with pytest.raises(ClientError) as caught:
        client.get_database(Name=name, CatalogId="999999999999")
    assert code_of(caught) == "EntityNotFoundException"


def test_deleting_a_database_deletes_its_tables_and_partitions(client: Any) -> None:
    database, table = make_table(client)
    add_partitions(client, database, table, [["2024", "eu"]])
    client.delete_database(Name=database)
    with pytest.raises(ClientError) as caught:
        client.get_database(Name=database)
    assert code_of(caught) == "EntityNotFoundException"
    client.create_database(DatabaseInput={"Name": database})  # the same name starts empty again
    assert client.get_tables(DatabaseName=database)["TableList"] == []
    client.create_table(DatabaseName=database, TableInput=table_input(table))
    assert partition_values(client, database, table) == []


def test_table_shape_and_errors(client: Any) -> None:
    database, table = make_table(client)
    got = client.get_table(DatabaseName=database, Name=table.upper())["Table"]
    assert got["Name"] == table and got["DatabaseName"] == database
    assert got["StorageDescriptor"]["Columns"] == COLUMNS
    assert got["PartitionKeys"] == KEYS
    assert (got["VersionId"], got["TableType"], got["CatalogId"]) == ("0", "EXTERNAL_TABLE", "000000000000")
    assert got["CreateTime"] == got["UpdateTime"]
    with pytest.raises(ClientError) as caught:
        client.create_table(DatabaseName=database, TableInput=table_input(table))
    assert code_of(caught) == "AlreadyExistsException"
    with pytest.raises(ClientError) as caught:
        client.create_table(DatabaseName="no-such-db", TableInput=table_input("t"))
    assert code_of(caught) == "EntityNotFoundException"
    assert "no-such-db" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as caught:
        client.get_table(DatabaseName=database, Name="missing")
    assert code_of(caught) == "EntityNotFoundException"


def test_get_tables_filters_by_regex_and_pages(client: Any) -> None:
    database = unique("db").lower()
    client.create_database(DatabaseInput={"Name": database})
    names = [f"sales_{n:03d}" for n in range(105)] + ["other"]
    for name in names:
        client.create_table(DatabaseName=database, TableInput={"Name": name})
    first = client.get_tables(DatabaseName=database, Expression="sales_.*")
    assert len(first["TableList"]) == 100 and "NextToken" in first
    listed = [
        t["Name"]
        for page in client.get_paginator("get_tables").paginate(DatabaseName=database, Expression="sales_.*")
        for t in page["TableList"]
    ]
    assert listed == names[:105]
    assert [t["Name"] for t in client.get_tables(DatabaseName=database, Expression="oth.r")["TableList"]] == ["other"]
    with pytest.raises(ClientError) as caught:
        client.get_tables(DatabaseName=database, Expression="sales_(")
    assert code_of(caught) == "InvalidInputException"
    assert "Expression" in caught.value.response["Error"]["Message"]
    answer = client.batch_delete_table(DatabaseName=database, TablesToDelete=["other", "ghost"])
    assert [(e["TableName"], e["ErrorDetail"]["ErrorCode"]) for e in answer["Errors"]] == [
        ("ghost", "EntityNotFoundException")
    ]
    client.delete_table(DatabaseName=database, Name="sales_000")
    assert len(client.get_tables(DatabaseName=database, Expression="sales_00.")["TableList"]) == 9


def test_update_table_archives_versions_and_checks_version_id(client: Any) -> None:
    database, table = make_table(client)
    client.update_table(DatabaseName=database, TableInput=table_input(table, Description="v1"))
    client.update_table(DatabaseName=database, TableInput=table_input(table, Description="v2"), VersionId="1")
    got = client.get_table(DatabaseName=database, Name=table)["Table"]
    assert (got["VersionId"], got["Description"]) == ("2", "v2")
    with pytest.raises(ClientError) as caught:
        client.update_table(DatabaseName=database, TableInput=table_input(table, Description="x"), VersionId="1")
    assert code_of(caught) == "ConcurrentModificationException"
    client.update_table(DatabaseName=database, TableInput=table_input(table, Description="v2b"), SkipArchive=True)
    versions = client.get_table_versions(DatabaseName=database, TableName=table)["TableVersions"]
    assert [(v["VersionId"], v["Table"].get("Description")) for v in versions] == [
        ("2", "v2b"),
        ("1", "v1"),
        ("0", "orders of customers"),
    ]
    old = client.get_table_version(DatabaseName=database, TableName=table, VersionId="1")["TableVersion"]
    assert old["Table"]["Description"] == "v1"
    client.delete_table_version(DatabaseName=database, TableName=table, VersionId="1")
    answer = client.batch_delete_table_version(DatabaseName=database, TableName=table, VersionIds=["0", "1", "2"])
    assert [(e["VersionId"], e["ErrorDetail"]["ErrorCode"]) for e in answer["Errors"]] == [
        ("1", "EntityNotFoundException"),
        ("2", "InvalidInputException"),
    ]
    versions = client.get_table_versions(DatabaseName=database, TableName=table)["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["2"]
    client.update_table(DatabaseName=database, TableInput=table_input(table))
    assert client.get_table(DatabaseName=database, Name=table)["Table"]["VersionId"] == "3"


def test_partitions_single_and_batch(client: Any) -> None:
    database, table = make_table(client)
    client.create_partition(
        DatabaseName=database,
        TableName=table,
        PartitionInput={
            "Values": ["2024", "eu"],
            "Parameters": {"rows": "10"},
            "StorageDescriptor": {"Location": "s3://bucket/orders/2024/eu/"},
        },
    )
    got = client.get_partition(DatabaseName=database, TableName=table, PartitionValues=["2024", "eu"])["Partition"]
    assert (got["Values"], got["TableName"], got["Parameters"]) == (["2024", "eu"], table, {"rows": "10"})
    assert got["StorageDescriptor"]["Location"] == "s3://bucket/orders/2024/eu/"
    with pytest.raises(ClientError) as caught:
        client.create_partition(DatabaseName=database, TableName=table, PartitionInput={"Values": ["2024", "eu"]})
    assert code_of(caught) == "AlreadyExistsException"
    with pytest.raises(ClientError) as caught:
        client.create_partition(DatabaseName=database, TableName=table, PartitionInput={"Values": ["2024"]})
    assert code_of(caught) == "InvalidInputException"
    assert "2 partition keys" in caught.value.response["Error"]["Message"]

    answer = client.batch_create_partition(
        DatabaseName=database,
        TableName=table,
        PartitionInputList=[{"Values": ["2024", "us"]}, {"Values": ["2024", "eu"]}, {"Values": ["1", "2", "3"]}],
    )
    assert [(e["PartitionValues"], e["ErrorDetail"]["ErrorCode"]) for e in answer["Errors"]] == [
        (["2024", "eu"], "AlreadyExistsException"),
        (["1", "2", "3"], "InvalidInputException"),
    ]
    found = client.batch_get_partition(
        DatabaseName=database,
        TableName=table,
        PartitionsToGet=[{"Values": ["2024", "us"]}, {"Values": ["1999", "xx"]}, {"Values": ["2024", "eu"]}],
    )
    assert [p["Values"] for p in found["Partitions"]] == [["2024", "us"], ["2024", "eu"]]

    client.update_partition(
        DatabaseName=database,
        TableName=table,
        PartitionValueList=["2024", "us"],
        PartitionInput={"Values": ["2024", "us"], "Parameters": {"rows": "5"}},
    )
    answer = client.batch_update_partition(
        DatabaseName=database,
        TableName=table,
        Entries=[
            {"PartitionValueList": ["2024", "eu"], "PartitionInput": {"Values": ["2025", "eu"]}},
            {"PartitionValueList": ["1999", "xx"], "PartitionInput": {"Values": ["1999", "xx"]}},
        ],
    )
    assert [(e["PartitionValueList"], e["ErrorDetail"]["ErrorCode"]) for e in answer["Errors"]] == [
        (["1999", "xx"], "EntityNotFoundException")
    ]
    assert sorted(partition_values(client, database, table)) == [["2024", "us"], ["2025", "eu"]]
    got = client.get_partition(DatabaseName=database, TableName=table, PartitionValues=["2024", "us"])["Partition"]
    assert got["Parameters"] == {"rows": "5"}

    client.delete_partition(DatabaseName=database, TableName=table, PartitionValues=["2024", "us"])
    with pytest.raises(ClientError) as caught:
        client.delete_partition(DatabaseName=database, TableName=table, PartitionValues=["2024", "us"])
    assert code_of(caught) == "EntityNotFoundException"
    answer = client.batch_delete_partition(
        DatabaseName=database, TableName=table, PartitionsToDelete=[{"Values": ["2025", "eu"]}, {"Values": ["9", "z"]}]
    )
    assert [(e["PartitionValues"], e["ErrorDetail"]["ErrorCode"]) for e in answer["Errors"]] == [
        (["9", "z"], "EntityNotFoundException")
    ]
    assert partition_values(client, database, table) == []


def test_get_partitions_expression_segments_and_paging(client: Any) -> None:
    database, table = make_table(client)
    values = [[str(year), region] for year in range(2000, 2025) for region in ("eu", "us", "ap", "sa")]
    add_partitions(client, database, table, values)

    everything = partition_values(client, database, table, PaginationConfig={"PageSize": 7})
    assert everything == values  # creation order, every page followed
    assert partition_values(client, database, table, Expression="") == values
    selected = partition_values(
        client, database, table, Expression="year BETWEEN 2010 AND 2012 AND region IN ('eu', 'us') OR year = 2000"
    )
    assert selected == [v for v in values if (2010 <= int(v[0]) <= 2012 and v[1] in ("eu", "us")) or v[0] == "2000"]
    assert partition_values(client, database, table, Expression="region LIKE 'a%' AND NOT year >= 2001") == [
        ["2000", "ap"]
    ]

    for total in (1, 3, 10):
        slices = [
            partition_values(client, database, table, Segment={"SegmentNumber": n, "TotalSegments": total})
            for n in range(total)
        ]
        flat = [tuple(v) for part in slices for v in part]
        assert len(flat) == len(set(flat)) == len(values)
        assert set(flat) == {tuple(v) for v in values}

    for bad, problem in [
        ("colour = 'red'", "'colour' is not a partition key"),
        ("year >", "expected a partition key or a value"),
        ("year = 'x'", "does not fit a int"),
    ]:
        with pytest.raises(ClientError) as caught:
            client.get_partitions(DatabaseName=database, TableName=table, Expression=bad)
        assert code_of(caught) == "InvalidInputException"
        assert problem in caught.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as caught:
        client.get_partitions(DatabaseName=database, TableName=table, Segment={"SegmentNumber": 3, "TotalSegments": 3})
    assert code_of(caught) == "InvalidInputException"
    assert "Segment" in caught.value.response["Error"]["Message"]

    no_columns = client.get_partitions(DatabaseName=database, TableName=table, MaxResults=1, ExcludeColumnSchema=True)
    assert "Columns" not in no_columns["Partitions"][0].get("StorageDescriptor", {})


def test_search_tables_by_text_and_filters(client: Any) -> None:
    database, table = make_table(client)
    other = unique("inventory")
    client.create_table(DatabaseName=database, TableInput={"Name": other, "Description": "stock levels"})
    hits = {t["Name"] for t in client.search_tables(SearchText="customer")["TableList"]}
    assert table in hits and other not in hits
    hits = {
        t["Name"]
        for t in client.search_tables(
            SearchText="stock",
            Filters=[{"Key": "DatabaseName", "Value": database}],
            SortCriteria=[{"FieldName": "Name", "Sort": "DESC"}],
        )["TableList"]
    }
    assert hits == {other}


def test_search_tables_sorts_and_pages(client: Any) -> None:
    database = unique("search").lower()
    client.create_database(DatabaseInput={"Name": database})
    for name in ("b_ledger", "a_ledger", "c_ledger"):
        client.create_table(DatabaseName=database, TableInput={"Name": name, "Description": "ledger rows"})
    found: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = client.search_tables(
            SearchText="ledger",
            Filters=[{"Key": "DatabaseName", "Value": database}],
            SortCriteria=[{"FieldName": "Name", "Sort": "DESC"}],
            MaxResults=2,
            **token,
        )
        found.extend(t["Name"] for t in page["TableList"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert found == ["c_ledger", "b_ledger", "a_ledger"]
    with pytest.raises(ClientError) as caught:
        client.search_tables(SortCriteria=[{"FieldName": "Colour", "Sort": "ASC"}])
    assert code_of(caught) == "InvalidInputException"
