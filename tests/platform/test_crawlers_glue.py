"""Crawlers through an unmodified boto3 client: definitions, schedules, crawls, metrics and every error.

Definition and schedule tests run once on SQLite and once on PostgreSQL. Crawl tests crawl small generated
local trees with the real crawl engine; where a test needs a crawl to stay RUNNING while it calls the API, the
engine is held at a gate (the real engine still runs once the gate opens), so no test depends on timing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LiveServer
from tests.platform.glue_helpers import glue_client, unique

ROLE = "glueworks-crawler"


@pytest.fixture
def client(any_server: LiveServer) -> Any:
    return glue_client(any_server)


def code_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = caught.value.response["Error"]["Code"]
    return code


def message_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    message: str = caught.value.response["Error"]["Message"]
    return message


def lake(server: LiveServer) -> Path:
    folder = server.root / unique("lake")
    folder.mkdir()
    return folder


def make_crawler(client: Any, server: LiveServer, *, path: Path | None = None, **members: Any) -> str:
    name = members.pop("Name", None) or unique("crawler")
    target = path or lake(server)
    members.setdefault("Targets", {"S3Targets": [{"Path": str(target)}]})
    client.create_crawler(Name=name, Role=ROLE, **members)
    return name


def make_database(client: Any) -> str:
    name = unique("crawled").lower()
    client.create_database(DatabaseInput={"Name": name})
    return name


# -- definitions ------------------------------------------------------------------------------------------


def test_create_and_get_a_crawler_with_glue_defaults(client: Any, any_server: LiveServer) -> None:
    folder = lake(any_server)
    name = make_crawler(
        client,
        any_server,
        path=folder,
        DatabaseName="sales",
        Description="nightly sales",
        TablePrefix="raw_",
        Targets={"S3Targets": [{"Path": str(folder), "Exclusions": ["**.tmp"], "SampleSize": 5}]},
        Tags={"team": "data"},
    )
    crawler = client.get_crawler(Name=name)["Crawler"]
    assert crawler["Name"] == name
    assert crawler["Role"] == ROLE
    assert crawler["DatabaseName"] == "sales"
    assert crawler["Description"] == "nightly sales"
    assert crawler["TablePrefix"] == "raw_"
    assert crawler["Targets"]["S3Targets"] == [{"Path": str(folder), "Exclusions": ["**.tmp"], "SampleSize": 5}]
    assert crawler["State"] == "READY"
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
    }
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert crawler["Version"] == 1
    assert crawler["CrawlElapsedTime"] == 0
    assert crawler["CreationTime"] == crawler["LastUpdated"]
    assert "LastCrawl" not in crawler
    assert "Schedule" not in crawler


def test_create_twice_is_already_exists(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server)
    with pytest.raises(ClientError) as caught:
        make_crawler(client, any_server, Name=name)
    assert code_of(caught) == "AlreadyExistsException"


def test_unknown_crawler_is_entity_not_found_everywhere(client: Any) -> None:
    missing = unique("nope")
    calls: list[Callable[[], Any]] = [
        lambda: client.get_crawler(Name=missing),
        lambda: client.update_crawler(Name=missing, Description="x"),
        lambda: client.delete_crawler(Name=missing),
        lambda: client.start_crawler(Name=missing),
        lambda: client.stop_crawler(Name=missing),
        lambda: client.list_crawls(CrawlerName=missing),
        lambda: client.start_crawler_schedule(CrawlerName=missing),
        lambda: client.stop_crawler_schedule(CrawlerName=missing),
        lambda: client.update_crawler_schedule(CrawlerName=missing, Schedule="cron(0 12 * * ? *)"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert code_of(caught) == "EntityNotFoundException"
        assert missing in message_of(caught)


def test_get_crawlers_pages_and_batch_get_reports_missing(client: Any, any_server: LiveServer) -> None:
    names = {make_crawler(client, any_server) for _ in range(3)}
    seen: set[str] = set()
    pages = 0
    for page in client.get_paginator("get_crawlers").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["Crawlers"]) <= 2
        seen.update(crawler["Name"] for crawler in page["Crawlers"])
        pages += 1
    assert names <= seen
    assert pages >= 2
    missing = unique("missing")
    answer = client.batch_get_crawlers(CrawlerNames=[*sorted(names), missing])
    assert [crawler["Name"] for crawler in answer["Crawlers"]] == sorted(names)
    assert answer["CrawlersNotFound"] == [missing]


def test_list_crawlers_filters_by_tags(client: Any, any_server: LiveServer) -> None:
    team = unique("team")
    tagged = make_crawler(client, any_server, Tags={"team": team, "tier": "gold"})
    other = make_crawler(client, any_server, Tags={"team": team, "tier": "silver"})
    untagged = make_crawler(client, any_server)
    assert list_names(client, Tags={"team": team, "tier": "gold"}) == [tagged]
    assert list_names(client, Tags={"team": team}) == sorted([tagged, other])
    every = list_names(client, MaxResults=2)
    assert {tagged, other, untagged} <= set(every)
    assert every == sorted(every)


def list_names(client: Any, **members: Any) -> list[str]:
    """ListCrawlers, following NextToken (botocore has no paginator for it)."""
    names: list[str] = []
    token: str | None = None
    while True:
        page = client.list_crawlers(**members, **({"NextToken": token} if token else {}))
        names.extend(page["CrawlerNames"])
        token = page.get("NextToken")
        if not token:
            return names


def test_update_changes_only_the_members_given(client: Any, any_server: LiveServer) -> None:
    folder = lake(any_server)
    name = make_crawler(client, any_server, path=folder, DatabaseName="sales", Description="before")
    client.update_crawler(
        Name=name,
        Description="after",
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
    )
    crawler = client.get_crawler(Name=name)["Crawler"]
    assert crawler["Description"] == "after"
    assert crawler["DatabaseName"] == "sales"
    assert crawler["Targets"]["S3Targets"][0]["Path"] == str(folder)
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    assert crawler["Version"] == 2
    assert crawler["LastUpdated"] >= crawler["CreationTime"]


def test_delete_removes_the_crawler(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server)
    client.delete_crawler(Name=name)
    with pytest.raises(ClientError) as caught:
        client.get_crawler(Name=name)
    assert code_of(caught) == "EntityNotFoundException"


@pytest.mark.parametrize(
    ("members", "field"),
    [
        ({"Targets": {"S3Targets": [{"Path": "/etc"}]}}, "Targets.S3Targets[0].Path"),
        ({"Targets": {"S3Targets": [{"Path": "relative/folder"}]}}, "Targets.S3Targets[0].Path"),
        ({"Targets": {"S3Targets": [{"Path": "http://127.0.0.1/x"}]}}, "Targets.S3Targets[0].Path"),
        ({"Targets": {"JdbcTargets": [{"ConnectionName": "db", "Path": "x/%"}]}}, "Targets.JdbcTargets"),
        ({"Targets": {"DynamoDBTargets": [{"Path": "orders"}]}}, "Targets.DynamoDBTargets"),
        ({"Targets": {}}, "Targets.S3Targets"),
        ({"RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}}, "SchemaChangePolicy"),
        ({"RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVENT_MODE"}}, "RecrawlPolicy.RecrawlBehavior"),
        ({"Configuration": "{not json"}, "Configuration"),
        ({"Configuration": '{"Version": 2.0}'}, "Configuration.Version"),
        ({"Configuration": '{"Version": 1.0, "Grouping": {"TableGroupingPolicy": "Merge"}}'},
         "Configuration.Grouping.TableGroupingPolicy"),
        ({"Configuration": '{"Version": 1.0, "Grouping": {"TableLevelConfiguration": 0}}'},
         "Configuration.Grouping.TableLevelConfiguration"),
        ({"Configuration": '{"Version": 1.0, "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "X"}}}'},
         "Configuration.CrawlerOutput.Partitions.AddOrUpdateBehavior"),
        ({"Configuration": '{"Version": 1.0, "Colour": "blue"}'}, "Configuration.Colour"),
        ({"Classifiers": ["no-such-classifier"]}, "Classifiers[0]"),
        ({"Schedule": "every day"}, "Schedule"),
        ({"Schedule": "cron(0 12 * * * *)"}, "Schedule"),
        ({"TablePrefix": "bad prefix!"}, "TablePrefix"),
    ],
)
def test_bad_definitions_are_invalid_input_naming_the_member(
    client: Any, any_server: LiveServer, members: dict[str, Any], field: str
) -> None:
    with pytest.raises(ClientError) as caught:
        make_crawler(client, any_server, **members)
    assert code_of(caught) == "InvalidInputException"
    assert field in message_of(caught)


def test_sample_size_out_of_range_names_the_target(client: Any, any_server: LiveServer) -> None:
    folder = lake(any_server)
    with pytest.raises(ClientError) as caught:
        make_crawler(client, any_server, Targets={"S3Targets": [{"Path": str(folder), "SampleSize": 250}]})
    assert code_of(caught) == "InvalidInputException"
    assert "Targets.S3Targets[0].SampleSize" in message_of(caught)


def test_target_outside_storage_is_refused_on_update_too(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server)
    with pytest.raises(ClientError) as caught:
        client.update_crawler(Name=name, Targets={"S3Targets": [{"Path": str(lake(any_server))}, {"Path": "/"}]})
    assert code_of(caught) == "InvalidInputException"
    assert "Targets.S3Targets[1].Path" in message_of(caught)


def test_s3_targets_are_accepted(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server, Targets={"S3Targets": [{"Path": "s3://bucket/events/"}]})
    assert client.get_crawler(Name=name)["Crawler"]["Targets"]["S3Targets"] == [{"Path": "s3://bucket/events/"}]


# -- schedules --------------------------------------------------------------------------------------------


def test_schedule_lifecycle_and_its_errors(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server)
    with pytest.raises(ClientError) as caught:
        client.start_crawler_schedule(CrawlerName=name)
    assert code_of(caught) == "NoScheduleException"
    with pytest.raises(ClientError) as caught:
        client.stop_crawler_schedule(CrawlerName=name)
    assert code_of(caught) == "SchedulerNotRunningException"
    with pytest.raises(ClientError) as caught:
        client.update_crawler_schedule(CrawlerName=name, Schedule="cron(61 12 * * ? *)")
    assert code_of(caught) == "InvalidInputException"
    assert "Schedule" in message_of(caught)

    client.update_crawler_schedule(CrawlerName=name, Schedule="cron(15 12 * * ? *)")
    crawler = client.get_crawler(Name=name)["Crawler"]
    assert crawler["Schedule"] == {"ScheduleExpression": "cron(15 12 * * ? *)", "State": "NOT_SCHEDULED"}
    client.start_crawler_schedule(CrawlerName=name)
    assert client.get_crawler(Name=name)["Crawler"]["Schedule"]["State"] == "SCHEDULED"
    with pytest.raises(ClientError) as caught:
        client.start_crawler_schedule(CrawlerName=name)
    assert code_of(caught) == "SchedulerRunningException"
    client.stop_crawler_schedule(CrawlerName=name)
    assert client.get_crawler(Name=name)["Crawler"]["Schedule"]["State"] == "NOT_SCHEDULED"


def test_a_schedule_given_at_creation_is_scheduled(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server, Schedule="cron(0 3 ? * MON *)")
    assert client.get_crawler(Name=name)["Crawler"]["Schedule"] == {
        "ScheduleExpression": "cron(0 3 ? * MON *)",
        "State": "SCHEDULED",
    }
    due = {(s.tenant_id, s.name) for s in any_server.platform.crawlers.scheduled()}  # type: ignore[attr-defined]
    assert ("default", name) in due


# -- crawls: states and errors (no data needed) -----------------------------------------------------------


def test_a_new_crawler_has_no_crawls_and_zero_metrics(client: Any, any_server: LiveServer) -> None:
    name = make_crawler(client, any_server)
    assert client.list_crawls(CrawlerName=name)["Crawls"] == []
    metrics = client.get_crawler_metrics(CrawlerNameList=[name, unique("missing")])["CrawlerMetricsList"]
    assert metrics == [
        {
            "CrawlerName": name,
            "TimeLeftSeconds": 0.0,
            "StillEstimating": False,
            "LastRuntimeSeconds": 0.0,
            "MedianRuntimeSeconds": 0.0,
            "TablesCreated": 0,
            "TablesUpdated": 0,
            "TablesDeleted": 0,
        }
    ]
    with pytest.raises(ClientError) as caught:
        client.stop_crawler(Name=name)
    assert code_of(caught) == "CrawlerNotRunningException"


@pytest.mark.parametrize(
    ("crawl_filter", "field"),
    [
        ({"FieldName": "STATE", "FilterOperator": "GT", "FieldValue": "COMPLETED"}, "Filters[0].FilterOperator"),
        ({"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": "DONE"}, "Filters[0].FieldValue"),
        ({"FieldName": "START_TIME", "FilterOperator": "GT", "FieldValue": "yesterday"}, "Filters[0].FieldValue"),
        ({"FieldName": "DPU_HOUR", "FilterOperator": "GT", "FieldValue": "lots"}, "Filters[0].FieldValue"),
    ],
)
def test_bad_crawl_filters_are_invalid_input(
    client: Any, any_server: LiveServer, crawl_filter: dict[str, str], field: str
) -> None:
    name = make_crawler(client, any_server)
    with pytest.raises(ClientError) as caught:
        client.list_crawls(CrawlerName=name, Filters=[crawl_filter])
    assert code_of(caught) == "InvalidInputException"
    assert field in message_of(caught)


# -- crawls of real trees ------------------------------------------------------------------------------------


def wait_ready(client: Any, name: str, timeout: float = 60) -> dict[str, Any]:
    """Poll GetCrawler until the crawler is READY with a LastCrawl; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        crawler: dict[str, Any] = client.get_crawler(Name=name)["Crawler"]
        if crawler["State"] == "READY" and "LastCrawl" in crawler:
            return crawler
        if time.monotonic() > deadline:
            raise AssertionError(f"crawler {name} still {crawler['State']} after {timeout} s")
        time.sleep(0.05)


def crawl_once(client: Any, name: str) -> dict[str, Any]:
    before = len(client.list_crawls(CrawlerName=name)["Crawls"])
    client.start_crawler(Name=name)
    crawler = wait_ready(client, name)
    crawls = client.list_crawls(CrawlerName=name)["Crawls"]
    assert len(crawls) == before + 1
    return crawler


def write_events(root: Path, days: Sequence[str], rows_per_day: int = 3) -> None:
    for day in days:
        folder = root / "events" / f"dt={day}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"id": i, "name": f"user{i}", "score": i * 1.5}) for i in range(rows_per_day)]
        (folder / "part-0.json").write_text("\n".join(lines) + "\n")


def write_users(root: Path) -> None:
    folder = root / "users"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.csv").write_text("id,email,active\n1,a@x.org,true\n2,b@x.org,false\n3,c@x.org,true\n")


def write_orders(root: Path) -> None:
    folder = root / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text("order,amount,note\n1,2.5,first\n2,3.5,second\n")


def tables_of(client: Any, database: str) -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_tables").paginate(DatabaseName=database):
        tables.update({table["Name"]: table for table in page["TableList"]})
    return tables


def partition_values(client: Any, database: str, table: str) -> set[tuple[str, ...]]:
    values: set[tuple[str, ...]] = set()
    for page in client.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table):
        values.update(tuple(partition["Values"]) for partition in page["Partitions"])
    return values


def test_a_crawl_writes_tables_and_partitions_then_recrawls_new_ones(client: Any, any_server: LiveServer) -> None:
    root = lake(any_server)
    write_events(root, ["2026-11-01", "2026-11-02", "2026-11-03"])
    write_users(root)
    database = make_database(client)
    name = make_crawler(client, any_server, path=root, DatabaseName=database)

    crawler = crawl_once(client, name)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    assert crawler["LastCrawl"]["MessagePrefix"]
    tables = tables_of(client, database)
    assert set(tables) == {"events", "users"}
    events = tables["events"]
    assert events["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    columns = {column["Name"]: column["Type"] for column in events["StorageDescriptor"]["Columns"]}
    assert columns == {"id": "int", "name": "string", "score": "double"}
    assert events["Parameters"]["classification"] == "json"
    assert events["Parameters"]["UPDATED_BY_CRAWLER"] == name
    assert events["StorageDescriptor"]["Location"].rstrip("/").endswith("/events")
    assert tables["users"]["Parameters"]["classification"] == "csv"
    assert [c["Name"] for c in tables["users"]["StorageDescriptor"]["Columns"]] == ["id", "email", "active"]
    assert partition_values(client, database, "events") == {("2026-11-01",), ("2026-11-02",), ("2026-11-03",)}

    history = client.list_crawls(CrawlerName=name)["Crawls"]
    assert history[0]["State"] == "COMPLETED"
    summary = json.loads(history[0]["Summary"])
    assert summary["TABLE"]["ADD"]["Count"] == 2
    assert summary["PARTITION"]["ADD"]["Count"] == 3
    assert "FILE_ERRORS" not in summary
    metrics = client.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert (metrics["TablesCreated"], metrics["TablesUpdated"], metrics["TablesDeleted"]) == (2, 0, 0)

    write_events(root, ["2026-11-04"])
    crawler = crawl_once(client, name)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    assert len(partition_values(client, database, "events")) == 4
    latest = client.list_crawls(CrawlerName=name)["Crawls"][0]
    summary = json.loads(latest["Summary"])
    assert summary["PARTITION"] == {"ADD": {"Count": 1}}
    assert "ADD" not in summary["TABLE"]
    metrics = client.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert metrics["TablesCreated"] == 0
    assert metrics["MedianRuntimeSeconds"] > 0
    completed = client.list_crawls(
        CrawlerName=name, Filters=[{"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": "COMPLETED"}]
    )["Crawls"]
    assert len(completed) == 2
    newest = client.list_crawls(
        CrawlerName=name,
        Filters=[{"FieldName": "CRAWL_ID", "FilterOperator": "EQ", "FieldValue": latest["CrawlId"]}],
    )["Crawls"]
    assert [crawl["CrawlId"] for crawl in newest] == [latest["CrawlId"]]


def test_corrupt_files_are_listed_in_the_summary_and_the_crawl_succeeds(
    client: Any, any_server: LiveServer
) -> None:
    root = lake(any_server)
    write_users(root)
    write_events(root, ["2026-11-01", "2026-11-02"])
    (root / "events" / "dt=2026-11-02" / "part-1.json.gz").write_bytes(b"\x1f\x8b not gzip at all")
    (root / "users" / "broken.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 4 + b"PAR1")
    database = make_database(client)
    name = make_crawler(client, any_server, path=root, DatabaseName=database)

    crawler = crawl_once(client, name)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    assert set(tables_of(client, database)) == {"events", "users"}
    assert partition_values(client, database, "events") == {("2026-11-01",), ("2026-11-02",)}
    summary = json.loads(client.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
    assert summary["FILE_ERRORS"]["Count"] == 2
    files = {item["Path"]: item["Reason"] for item in summary["FILE_ERRORS"]["Files"]}
    assert set(files) == {
        str(root / "events" / "dt=2026-11-02" / "part-1.json.gz"),
        str(root / "users" / "broken.parquet"),
    }
    assert all(files.values())


def test_a_crawl_into_a_missing_database_fails_as_in_glue(client: Any, any_server: LiveServer) -> None:
    root = lake(any_server)
    write_users(root)
    missing = unique("nodb").lower()
    name = make_crawler(client, any_server, path=root, DatabaseName=missing)
    crawler = crawl_once(client, name)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert missing in crawler["LastCrawl"]["ErrorMessage"]
    crawl = client.list_crawls(CrawlerName=name)["Crawls"][0]
    assert crawl["State"] == "FAILED"
    assert missing in crawl["ErrorMessage"]


def test_update_in_database_versions_a_changed_schema_and_log_only_records_it(
    client: Any, any_server: LiveServer
) -> None:
    root = lake(any_server)
    write_users(root)
    write_orders(root)
    database = make_database(client)
    name = make_crawler(client, any_server, path=root, DatabaseName=database)
    crawl_once(client, name)
    assert tables_of(client, database)["users"]["VersionId"] == "0"

    (root / "users" / "users.csv").write_text("id,email,active,plan\n1,a@x.org,true,pro\n2,b@x.org,false,free\n")
    crawl_once(client, name)
    table = tables_of(client, database)["users"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "email", "active", "plan"]
    assert table["VersionId"] == "1"
    summary = json.loads(client.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
    assert summary["TABLE"]["UPDATE"]["Count"] == 1

    client.update_crawler(Name=name, SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"})
    (root / "users" / "users.csv").write_text("id,email\n1,a@x.org\n2,b@x.org\n")
    crawl_once(client, name)
    table = tables_of(client, database)["users"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "email", "active", "plan"]
    assert table["VersionId"] == "1"
    summary = json.loads(client.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
    assert summary["SCHEMA_CHANGES_LOGGED"] == ["users"]


@pytest.mark.parametrize(
    ("behavior", "expected"),
    [("DELETE_FROM_DATABASE", "deleted"), ("DEPRECATE_IN_DATABASE", "deprecated"), ("LOG", "kept")],
)
def test_delete_behavior_for_a_table_whose_data_vanished(
    client: Any, any_server: LiveServer, behavior: str, expected: str
) -> None:
    root = lake(any_server)
    write_users(root)
    write_orders(root)
    write_events(root, ["2026-11-01"])
    database = make_database(client)
    policy = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": behavior}
    name = make_crawler(client, any_server, path=root, DatabaseName=database, SchemaChangePolicy=policy)
    crawl_once(client, name)
    (root / "users" / "users.csv").unlink()
    (root / "users").rmdir()
    crawler = crawl_once(client, name)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    tables = tables_of(client, database)
    metrics = client.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
    if expected == "deleted":
        assert set(tables) == {"events", "orders"}
        assert metrics["TablesDeleted"] == 1
    elif expected == "deprecated":
        assert "DEPRECATED_BY_CRAWLER" in tables["users"]["Parameters"]
        assert "DEPRECATED_BY_CRAWLER" not in tables["events"]["Parameters"]
        assert metrics["TablesDeleted"] == 1
    else:
        assert set(tables) == {"events", "orders", "users"}
        assert "DEPRECATED_BY_CRAWLER" not in tables["users"]["Parameters"]
        assert metrics["TablesDeleted"] == 0
        summary = json.loads(client.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
        assert summary["DELETES_LOGGED"] == ["users"]


# -- running crawlers ----------------------------------------------------------------------------------------


@contextmanager
def held_crawls(server: LiveServer) -> Iterator[threading.Event]:
    """Hold every crawl of ``server`` before the real engine runs, until the yielded event is set."""
    execution = server.platform.crawlers.execution  # type: ignore[attr-defined]
    engine = execution.engine
    release = threading.Event()

    def held(targets: Any, config: Any, classifiers: Any = (), *, progress: Any = None) -> Any:
        release.wait(60)
        return engine(targets, config, classifiers, progress=progress)

    execution.engine = held
    try:
        yield release
    finally:
        release.set()
        execution.engine = engine


def test_a_running_crawler_refuses_start_update_delete_and_stops_cancelled(
    client: Any, any_server: LiveServer
) -> None:
    root = lake(any_server)
    write_users(root)
    write_orders(root)
    database = make_database(client)
    name = make_crawler(client, any_server, path=root, DatabaseName=database)
    with held_crawls(any_server) as release:
        client.start_crawler(Name=name)
        assert client.get_crawler(Name=name)["Crawler"]["State"] == "RUNNING"
        refused: list[Callable[[], Any]] = [
            lambda: client.start_crawler(Name=name),
            lambda: client.update_crawler(Name=name, Description="x"),
            lambda: client.delete_crawler(Name=name),
        ]
        for call in refused:
            with pytest.raises(ClientError) as caught:
                call()
            assert code_of(caught) == "CrawlerRunningException"
        running = client.list_crawls(CrawlerName=name)["Crawls"]
        assert [crawl["State"] for crawl in running] == ["RUNNING"]
        assert "EndTime" not in running[0]
        metrics = client.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
        assert metrics["StillEstimating"] is True

        client.stop_crawler(Name=name)
        assert client.get_crawler(Name=name)["Crawler"]["State"] == "STOPPING"
        with pytest.raises(ClientError) as caught:
            client.stop_crawler(Name=name)
        assert code_of(caught) == "CrawlerStoppingException"
        with pytest.raises(ClientError) as caught:
            client.start_crawler(Name=name)
        assert code_of(caught) == "CrawlerRunningException"
        release.set()
        crawler = wait_ready(client, name)
    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    assert client.list_crawls(CrawlerName=name)["Crawls"][0]["State"] == "STOPPED"
    assert tables_of(client, database) == {}
    client.start_crawler(Name=name)  # READY again: it can run, and this time it completes
    assert wait_ready(client, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert set(tables_of(client, database)) == {"orders", "users"}
    client.delete_crawler(Name=name)


def test_crawl_new_folders_only_registers_exactly_the_new_partitions(client: Any, any_server: LiveServer) -> None:
    root = lake(any_server)
    write_events(root, ["2026-11-01", "2026-11-02", "2026-11-03"])
    write_users(root)
    database = make_database(client)
    name = make_crawler(
        client,
        any_server,
        path=root,
        DatabaseName=database,
        RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    )
    assert crawl_once(client, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    first = json.loads(client.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
    assert first["PARTITION"]["ADD"]["Count"] == 3

    write_events(root, ["2026-11-04", "2026-11-05"])
    assert crawl_once(client, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    second = json.loads(client.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
    assert second["PARTITION"] == {"ADD": {"Count": 2}}
    assert second["TABLE"] == {}
    assert second["FILES_SCANNED"] == 2
    assert len(partition_values(client, database, "events")) == 5
    assert set(tables_of(client, database)) == {"events", "users"}


def test_configuration_shapes_the_tables_written(client: Any, any_server: LiveServer) -> None:
    root = lake(any_server)
    write_events(root, ["2026-11-01", "2026-11-02"])
    write_users(root)
    database = make_database(client)
    configuration = {
        "Version": 1.0,
        "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
    }
    name = make_crawler(client, any_server, path=root, DatabaseName=database, TablePrefix="raw_",
                        Configuration=json.dumps(configuration))
    assert crawl_once(client, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    tables = tables_of(client, database)
    assert set(tables) == {"raw_events", "raw_users"}
    partitions = client.get_partitions(DatabaseName=database, TableName="raw_events")["Partitions"]
    table_columns = tables["raw_events"]["StorageDescriptor"]["Columns"]
    assert all(p["StorageDescriptor"]["Columns"] == table_columns for p in partitions)
    assert {p["StorageDescriptor"]["Location"].rstrip("/").rsplit("/", 1)[-1] for p in partitions} == {
        "dt=2026-11-01", "dt=2026-11-02"}


def test_a_crawl_past_the_table_threshold_fails_and_writes_nothing(client: Any, any_server: LiveServer) -> None:
    root = lake(any_server)
    write_users(root)
    write_orders(root)
    database = make_database(client)
    configuration = {"Version": 1.0, "CrawlerOutput": {"Tables": {"TableThreshold": 1}}}
    name = make_crawler(client, any_server, path=root, DatabaseName=database, Configuration=json.dumps(configuration))
    crawler = crawl_once(client, name)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert "TableThreshold 1" in crawler["LastCrawl"]["ErrorMessage"]
    assert tables_of(client, database) == {}
