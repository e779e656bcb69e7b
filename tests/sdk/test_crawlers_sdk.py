"""The SDK's `client.crawlers`/`client.classifiers`, the REST door `/v1/crawlers`, and `glueworks crawlers`,
end to end against the live platform (the same services the Glue door tests drive with boto3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from glueworks.sdk import Client, EntityNotFoundException, InvalidInputException
from glueworks.sdk.cli import create_cli
from glueworks.sdk.errors import APIError
from tests.conftest import LiveServer
from tests.platform.glue_helpers import unique


@pytest.fixture
def live(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, timeout=30) as client:
        yield client


def make_lake(server: LiveServer) -> Path:
    root = server.root / unique("sdk-lake")
    for table, header, rows in (
        ("users", "id,email", ["1,a@x.org", "2,b@x.org"]),
        ("orders", "order,amount,note", ["1,2.5,first", "2,3.5,second"]),
    ):
        (root / table).mkdir(parents=True)
        (root / table / f"{table}.csv").write_text("\n".join([header, *rows]) + "\n")
    (root / "orders" / "broken.parquet").write_bytes(b"PAR1" + b"\x00junk" * 8 + b"PAR1")
    return root


def all_events(server: LiveServer) -> list[dict[str, Any]]:
    """Every event of the tenant, oldest first, through /v1/events paging."""
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = httpx.get(f"{server.url}/v1/events", params={"after_id": after, "limit": 1000}, timeout=30).json()
        if not page["events"]:
            return events
        events.extend(page["events"])
        after = page["events"][-1]["outbox_id"]


def cli(server: LiveServer, *args: str) -> Result:
    app = create_cli(lambda endpoint, api_key: Client(server.url, api_key, timeout=30))
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_crawler_lifecycle_through_the_sdk(live: Client, server: LiveServer) -> None:
    root = make_lake(server)
    database = unique("sdkcrawl").lower()
    live.catalog.databases.create(database)
    name = unique("crawler")
    created = live.crawlers.create(
        name,
        role="etl",
        targets={"s3_targets": [{"path": str(root), "exclusions": ["**.tmp"]}]},
        database_name=database,
        schema_change_policy={"update_behavior": "LOG", "delete_behavior": "LOG"},
        tags={"team": "sdk"},
    )
    assert created.state == "READY"
    assert created.paths == [str(root)]
    assert created.schema_change_policy == {"update_behavior": "LOG", "delete_behavior": "LOG"}
    assert name in {crawler.name for crawler in live.crawlers.iter(max_results=1)}

    updated = live.crawlers.update(name, description="from the sdk", table_prefix="sdk_")
    assert (updated.description, updated.table_prefix, updated.version) == ("from the sdk", "sdk_", 2)

    started = live.crawlers.start(name)
    crawler = live.crawlers.wait(name, timeout=60, poll=0.05)
    assert crawler.last_crawl is not None and crawler.last_crawl.status == "SUCCEEDED"
    assert crawler.last_crawl.message_prefix == started.crawl_id

    crawls = live.crawlers.crawls(name).crawls
    assert [(c.crawl_id, c.state) for c in crawls] == [(started.crawl_id, "COMPLETED")]
    summary = crawls[0].summary or {}
    assert summary["TABLE"]["ADD"]["Count"] == 2
    assert [f["Path"] for f in summary["FILE_ERRORS"]["Files"]] == [str(root / "orders" / "broken.parquet")]
    assert live.crawlers.crawls(name, state="FAILED").crawls == []
    mine = [e["detail"] for e in all_events(server) if e["detail-type"] == "Glue Crawler State Change"
            and e["detail"]["crawlerName"] == name]
    assert [(e["state"], e["crawlId"]) for e in mine] == [
        ("Started", started.crawl_id),
        ("Succeeded", started.crawl_id),
    ]
    assert mine[1]["tablesCreated"] == "2"
    metrics = live.crawlers.metrics(name)
    assert (metrics.crawler_name, metrics.tables_created) == (name, 2)
    assert {t.name for t in live.catalog.tables.iter(database)} == {"sdk_orders", "sdk_users"}

    with pytest.raises(APIError) as caught:
        live.crawlers.stop(name)
    assert (caught.value.code, caught.value.status_code) == ("CrawlerNotRunningException", 409)

    scheduled = live.crawlers.update_schedule(name, "cron(0 6 * * ? *)")
    assert scheduled.schedule is not None and scheduled.schedule.state == "NOT_SCHEDULED"
    assert live.crawlers.start_schedule(name).schedule.state == "SCHEDULED"  # type: ignore[union-attr]
    assert live.crawlers.stop_schedule(name).schedule.state == "NOT_SCHEDULED"  # type: ignore[union-attr]
    assert live.crawlers.update_schedule(name, None).schedule is None

    assert live.crawlers.delete(name) == name
    with pytest.raises(EntityNotFoundException):
        live.crawlers.get(name)


def test_bad_crawler_input_names_the_member(live: Client, server: LiveServer) -> None:
    with pytest.raises(InvalidInputException) as caught:
        live.crawlers.create(unique("c"), role="r", targets={"s3_targets": [{"path": "/etc/passwd"}]})
    assert "Targets.S3Targets[0].Path" in caught.value.message
    with pytest.raises(InvalidInputException) as caught:
        live.crawlers.create(unique("c"), role="r", targets={"s3_targets": [{"paht": str(server.root)}]})
    assert "targets.s3_targets.paht" in caught.value.message


def test_classifiers_through_the_sdk(live: Client) -> None:
    name = unique("csv")
    created = live.classifiers.create("csv", name, delimiter=";", contains_header="PRESENT")
    assert (created.kind, created.name, created.body["delimiter"]) == ("csv", name, ";")
    updated = live.classifiers.update("csv", name, delimiter="|")
    assert (updated.body["delimiter"], updated.body["contains_header"], updated.body["version"]) == ("|", "PRESENT", 2)
    assert name in {item.name for item in live.classifiers.iter()}
    with pytest.raises(InvalidInputException) as caught:
        live.classifiers.create("json", unique("json"), json_path="records")
    assert "JsonPath" in caught.value.message
    with pytest.raises(ValueError, match="kind"):
        live.classifiers.create("yaml", unique("y"))
    assert live.classifiers.delete(name) == name
    with pytest.raises(EntityNotFoundException):
        live.classifiers.get(name)


def test_rest_door_speaks_snake_case_and_409_for_state_errors(server: LiveServer) -> None:
    name = unique("rest")
    body = {"name": name, "role": "r", "targets": {"s3_targets": [{"path": str(server.root)}]}}
    created = httpx.post(f"{server.url}/v1/crawlers", json=body, timeout=30)
    assert created.status_code == 201, created.text
    assert created.json()["schema_change_policy"]["delete_behavior"] == "DEPRECATE_IN_DATABASE"
    stopped = httpx.post(f"{server.url}/v1/crawlers/{name}/stop", timeout=30)
    assert stopped.status_code == 409
    assert stopped.json()["error"]["code"] == "CrawlerNotRunningException"
    no_schedule = httpx.post(f"{server.url}/v1/crawlers/{name}/schedule/start", timeout=30)
    assert (no_schedule.status_code, no_schedule.json()["error"]["code"]) == (409, "NoScheduleException")


def test_cli_creates_runs_and_shows_a_crawler(live: Client, server: LiveServer) -> None:
    root = make_lake(server)
    database = unique("clicrawl").lower()
    live.catalog.databases.create(database)
    name = unique("cli")
    result = cli(server, "crawlers", "create", name, "--path", str(root), "--database", database, "--tag", "a=b")
    assert result.exit_code == 0, result.output
    assert f"created crawler {name}" in result.output
    result = cli(server, "crawlers", "start", name, "--wait")
    assert result.exit_code == 0, result.output
    assert "SUCCEEDED" in result.output
    result = cli(server, "crawlers", "crawls", name)
    assert result.exit_code == 0, result.output
    assert "COMPLETED" in result.output and "tables add 2" in result.output and "file errors 1" in result.output
    result = cli(server, "crawlers", "list", "--json")
    assert name in {item["name"] for item in json.loads(result.output)}
    result = cli(server, "crawlers", "metrics", name)
    assert "tables created: 2" in result.output.replace("  ", " ")
    result = cli(server, "crawlers", "get", unique("missing"))
    assert result.exit_code != 0
    result = cli(server, "crawlers", "delete", name)
    assert result.output.strip() == f"deleted crawler {name}"
