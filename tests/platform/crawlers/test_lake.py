"""The 10k-file lake: tables, partitions and widened types equal the generator's ground truth."""

from __future__ import annotations

import pytest

from glueworks.platform.crawlers import CrawlConfig, CrawlResult, CrawlTarget, DiscoveredTable, crawl
from tests.platform.crawlers.treegen import CORRUPT_DAY, Lake, add_order_days, generate, known_folders


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return generate(tmp_path_factory.mktemp("lake"))


@pytest.fixture(scope="module")
def first_crawl(lake: Lake) -> CrawlResult:
    return crawl([CrawlTarget(str(lake.root))], CrawlConfig())


def _by_name(result: CrawlResult) -> dict[str, DiscoveredTable]:
    return {t.name: t for t in result.tables}


def test_tree_has_ten_thousand_files(lake: Lake, first_crawl: CrawlResult) -> None:
    listed = sum(1 for p in lake.root.rglob("*") if p.is_file())
    assert listed >= 10_000
    assert first_crawl.files_scanned == listed
    assert first_crawl.folders_scanned == sum(len(t.partitions) for t in lake.tables.values())


def test_tables_partitions_and_types_match_ground_truth(lake: Lake, first_crawl: CrawlResult) -> None:
    tables = _by_name(first_crawl)
    assert set(tables) == set(lake.tables)
    for name, expected in lake.tables.items():
        table = tables[name]
        assert table.location == expected.location
        assert [k["Name"] for k in table.partition_keys] == expected.keys
        assert all(k["Type"] == "string" for k in table.partition_keys)
        assert {p.values for p in table.partitions} == expected.partitions
        assert {c["Name"]: c["Type"] for c in table.columns} == expected.columns
        assert [c["Name"] for c in table.columns] == list(expected.columns)
        assert table.parameters["objectCount"] == str(expected.files)
        # Every file is read whole here, so the estimate is exact.
        assert table.parameters["recordCount"] == str(expected.records)
        assert table.parameters["typeOfData"] == "file"
        files = [p for p in (lake.root / name).rglob("*") if p.is_file() and str(p) not in lake.corrupt]
        sizes = sum(p.stat().st_size for p in files)
        assert table.parameters["sizeKey"] == str(sizes)
        for partition in table.partitions:
            assert partition.location.startswith(expected.location)
            assert partition.location.endswith("/")


def test_partition_columns_are_their_own(lake: Lake, first_crawl: CrawlResult) -> None:
    orders = _by_name(first_crawl)["orders"]
    by_day = {p.values[0]: {c["Name"]: c["Type"] for c in p.columns} for p in orders.partitions}
    assert by_day["2024-01-03"] == {"id": "int", "customer": "string", "amount": "int"}
    assert by_day["2024-01-12"]["amount"] == "double"
    assert by_day["2024-01-21"]["coupon"] == "string"
    assert "coupon" not in by_day["2024-01-19"]
    events = _by_name(first_crawl)["events"]
    months = {p.values: {c["Name"] for c in p.columns} for p in events.partitions}
    assert "region" in months[("2024", "08")] and "region" not in months[("2024", "06")]


def test_csv_and_json_parameters(first_crawl: CrawlResult) -> None:
    tables = _by_name(first_crawl)
    events = tables["events"]
    assert events.classification == "csv"
    assert events.parameters["delimiter"] == ","
    assert events.parameters["skip.header.line.count"] == "1"
    assert events.serde["SerdeInfo"]["Parameters"] == {"field.delim": ","}
    orders = tables["orders"]
    assert orders.classification == "json"
    assert orders.serde["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert "skip.header.line.count" not in orders.parameters


def test_corrupt_file_is_recorded_and_the_crawl_goes_on(lake: Lake, first_crawl: CrawlResult) -> None:
    assert [e.path for e in first_crawl.errors] == lake.corrupt
    assert "JSON" in first_crawl.errors[0].reason
    orders = _by_name(first_crawl)["orders"]
    day = next(p for p in orders.partitions if p.values == (f"2024-01-{CORRUPT_DAY:02d}",))
    assert int(day.parameters["objectCount"]) == 209


def test_incremental_recrawl_finds_exactly_the_new_partitions(lake: Lake, first_crawl: CrawlResult) -> None:
    known = known_folders(lake, list(first_crawl.tables))
    add_order_days(lake, [25, 26], files=20)
    again = crawl([CrawlTarget(str(lake.root))], CrawlConfig(known_folders=known))
    assert [t.name for t in again.tables] == ["orders"]
    orders = again.tables[0]
    assert orders.location == lake.tables["orders"].location
    assert {p.values for p in orders.partitions} == {("2024-01-25",), ("2024-01-26",)}
    assert again.files_scanned == 40
    assert again.folders_scanned == 2
    assert again.errors == ()
