"""Custom classifiers through an unmodified boto3 client, once on SQLite and once on PostgreSQL, and a crawl
that classifies files with one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LiveServer
from tests.platform.glue_helpers import glue_client, unique


@pytest.fixture
def client(any_server: LiveServer) -> Any:
    return glue_client(any_server)


def code_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = caught.value.response["Error"]["Code"]
    return code


def message_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    message: str = caught.value.response["Error"]["Message"]
    return message


def grok(name: str, **members: Any) -> dict[str, Any]:
    return {"GrokClassifier": {"Name": name, "Classification": "applog", "GrokPattern": "%{WORD:level} %{INT:code}",
                               **members}}


def test_create_and_get_each_kind(client: Any) -> None:
    names = {kind: unique(kind) for kind in ("grok", "json", "csv", "xml")}
    client.create_classifier(**grok(names["grok"], CustomPatterns="CODE [0-9]+"))
    client.create_classifier(JsonClassifier={"Name": names["json"], "JsonPath": "$.records[*]"})
    client.create_classifier(
        CsvClassifier={"Name": names["csv"], "Delimiter": ";", "QuoteSymbol": "'", "ContainsHeader": "PRESENT",
                       "Header": ["id", "name"], "DisableValueTrimming": False, "AllowSingleColumn": False}
    )
    client.create_classifier(XMLClassifier={"Name": names["xml"], "Classification": "orders", "RowTag": "order"})

    found = client.get_classifier(Name=names["grok"])["Classifier"]
    assert set(found) == {"GrokClassifier"}
    body = found["GrokClassifier"]
    assert (body["Name"], body["Classification"], body["GrokPattern"], body["CustomPatterns"]) == (
        names["grok"], "applog", "%{WORD:level} %{INT:code}", "CODE [0-9]+")
    assert body["Version"] == 1
    assert body["CreationTime"] == body["LastUpdated"]
    assert client.get_classifier(Name=names["json"])["Classifier"]["JsonClassifier"]["JsonPath"] == "$.records[*]"
    csv = client.get_classifier(Name=names["csv"])["Classifier"]["CsvClassifier"]
    assert (csv["Delimiter"], csv["QuoteSymbol"], csv["ContainsHeader"], csv["Header"]) == (
        ";", "'", "PRESENT", ["id", "name"])
    xml = client.get_classifier(Name=names["xml"])["Classifier"]["XMLClassifier"]
    assert (xml["Classification"], xml["RowTag"]) == ("orders", "order")

    listed: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_classifiers").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["Classifiers"]) <= 2
        for item in page["Classifiers"]:
            (kind, shape), = item.items()
            listed[shape["Name"]] = {"kind": kind, **shape}
    assert {listed[name]["kind"] for name in names.values()} == {
        "GrokClassifier", "JsonClassifier", "CsvClassifier", "XMLClassifier"}


def test_update_changes_the_members_given_and_bumps_the_version(client: Any) -> None:
    name = unique("grok")
    client.create_classifier(**grok(name))
    client.update_classifier(GrokClassifier={"Name": name, "GrokPattern": "%{WORD:level}"})
    body = client.get_classifier(Name=name)["Classifier"]["GrokClassifier"]
    assert body["GrokPattern"] == "%{WORD:level}"
    assert body["Classification"] == "applog"
    assert body["Version"] == 2
    assert body["LastUpdated"] >= body["CreationTime"]


def test_update_with_another_kind_is_invalid_input(client: Any) -> None:
    name = unique("grok")
    client.create_classifier(**grok(name))
    with pytest.raises(ClientError) as caught:
        client.update_classifier(JsonClassifier={"Name": name, "JsonPath": "$[*]"})
    assert code_of(caught) == "InvalidInputException"
    assert "JsonClassifier" in message_of(caught)


def test_delete_and_the_not_found_errors(client: Any) -> None:
    name = unique("json")
    client.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$[*]"})
    client.delete_classifier(Name=name)
    calls: list[Callable[[], Any]] = [
        lambda: client.get_classifier(Name=name),
        lambda: client.delete_classifier(Name=name),
        lambda: client.update_classifier(JsonClassifier={"Name": name, "JsonPath": "$[*]"}),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert code_of(caught) == "EntityNotFoundException"
        assert name in message_of(caught)


def test_create_twice_is_already_exists(client: Any) -> None:
    name = unique("grok")
    client.create_classifier(**grok(name))
    with pytest.raises(ClientError) as caught:
        client.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$[*]"})
    assert code_of(caught) == "AlreadyExistsException"


@pytest.mark.parametrize(
    ("members", "field"),
    [
        ({}, "Classifier"),
        ({"JsonClassifier": {"Name": "a", "JsonPath": "$"}, "XMLClassifier": {"Name": "a", "Classification": "x"}},
         "Classifier"),
        (grok("g", GrokPattern="%{NO_SUCH_PATTERN:x}"), "GrokPattern"),
        (grok("g", GrokPattern="%{CODE:x}", CustomPatterns="CODE [0-9"), "CustomPatterns"),
        ({"JsonClassifier": {"Name": "j", "JsonPath": "records"}}, "JsonPath"),
        ({"CsvClassifier": {"Name": "c", "Delimiter": ",", "QuoteSymbol": ","}}, "QuoteSymbol"),
        ({"XMLClassifier": {"Name": "x", "Classification": "x", "RowTag": "<row"}}, "RowTag"),
        ({"GrokClassifier": {"Name": "g", "Classification": "", "GrokPattern": "%{INT:x}"}},
         "GrokClassifier.Classification"),
    ],
)
def test_bad_classifiers_are_invalid_input_naming_the_member(
    any_server: LiveServer, members: dict[str, Any], field: str
) -> None:
    client = glue_client(any_server, validate=False)
    with pytest.raises(ClientError) as caught:
        client.create_classifier(**members)
    assert code_of(caught) == "InvalidInputException"
    assert field in message_of(caught)


def test_a_crawl_classifies_files_with_a_custom_grok_classifier(client: Any, any_server: LiveServer) -> None:
    classifier = unique("applog")
    client.create_classifier(**grok(classifier))
    root = any_server.root / unique("logs")
    for folder, lines in (("app", ["INFO 200", "WARN 404", "ERROR 500"]), ("web", ["INFO 201", "INFO 202"])):
        (root / folder).mkdir(parents=True)
        (root / folder / "events.log").write_text("\n".join(lines) + "\n")
    (root / "meta").mkdir()
    (root / "meta" / "meta.json").write_text('{"owner": "ops", "since": 2020}\n')
    database = unique("logs").lower()
    client.create_database(DatabaseInput={"Name": database})
    crawler = unique("crawler")
    client.create_crawler(Name=crawler, Role="r", DatabaseName=database, Classifiers=[classifier],
                          Targets={"S3Targets": [{"Path": str(root)}]})
    assert client.get_crawler(Name=crawler)["Crawler"]["Classifiers"] == [classifier]

    client.start_crawler(Name=crawler)
    deadline = time.monotonic() + 60
    while (state := client.get_crawler(Name=crawler)["Crawler"])["State"] != "READY" or "LastCrawl" not in state:
        assert time.monotonic() < deadline, "the crawl did not end"
        time.sleep(0.05)
    assert state["LastCrawl"]["Status"] == "SUCCEEDED", state["LastCrawl"]
    tables = {t["Name"]: t for t in client.get_tables(DatabaseName=database)["TableList"]}
    log_tables = [t for t in tables.values() if t["Parameters"]["classification"] == "applog"]
    assert log_tables, json.dumps(list(tables), default=str)
    columns = [c["Name"] for c in log_tables[0]["StorageDescriptor"]["Columns"]]
    assert columns[:2] == ["level", "code"]
    assert any(t["Parameters"]["classification"] == "json" for t in tables.values())


def test_a_crawler_naming_a_deleted_classifier_fails_its_crawl(client: Any, any_server: LiveServer) -> None:
    classifier = unique("gone")
    client.create_classifier(JsonClassifier={"Name": classifier, "JsonPath": "$[*]"})
    database = unique("db").lower()
    client.create_database(DatabaseInput={"Name": database})
    crawler = unique("crawler")
    folder = any_server.root / unique("data")
    folder.mkdir()
    client.create_crawler(Name=crawler, Role="r", DatabaseName=database, Classifiers=[classifier],
                          Targets={"S3Targets": [{"Path": str(folder)}]})
    client.delete_classifier(Name=classifier)
    client.start_crawler(Name=crawler)
    deadline = time.monotonic() + 60
    while (state := client.get_crawler(Name=crawler)["Crawler"])["State"] != "READY" or "LastCrawl" not in state:
        assert time.monotonic() < deadline, "the crawl did not end"
        time.sleep(0.05)
    assert state["LastCrawl"]["Status"] == "FAILED"
    assert classifier in state["LastCrawl"]["ErrorMessage"]
