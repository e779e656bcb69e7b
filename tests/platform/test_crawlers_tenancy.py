"""Crawler services without the HTTP doors: tenants are isolated, a restart ends crawls left RUNNING, and
closing the platform cancels running crawls. On SQLite and PostgreSQL, with the real crawl engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from glueworks.platform.db import Database
from glueworks.platform.db.crawler_models import CrawlerRow, CrawlRow
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError
from glueworks.platform.services.catalog import CatalogService
from glueworks.platform.services.classifiers import ClassifierService
from glueworks.platform.services.crawl_execution import CrawlExecution, EngineOptions, default_engine
from glueworks.platform.services.crawl_runner import CrawlRunner
from glueworks.platform.services.crawlers import CrawlerService


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    db: Database
    root: Path
    catalog: CatalogService
    classifiers: ClassifierService
    crawlers: CrawlerService

    def rebuild(
        self, engine: Callable[..., Any] = default_engine, storage: dict[str, Any] | None = None
    ) -> CrawlerService:
        """A crawler service as a new platform process would build it, over the same database."""
        options = EngineOptions(file_roots=(self.root,), storage_options=storage)
        execution = CrawlExecution(self.db, now, self.classifiers, engine, options)
        return CrawlerService(self.db, now, self.classifiers, CrawlRunner(2), execution, file_roots=[self.root])


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    db = Database.connect(url)
    root = tmp_path / "lake"
    for table, text in (("users", "id,email\n1,a@x.org\n2,b@x.org\n"), ("orders", "order,amount,note\n1,2.5,x\n")):
        (root / table).mkdir(parents=True)
        (root / table / f"{table}.csv").write_text(text)
    classifiers = ClassifierService(db, now)
    built = Services(db, root, CatalogService(db, now), classifiers, None)  # type: ignore[arg-type]
    built.crawlers = built.rebuild()
    yield built
    built.crawlers.close()
    db.dispose()


def definition(root: Path, name: str = "lake", **members: Any) -> dict[str, Any]:
    return {"Name": name, "Role": "r", "DatabaseName": "shared", "Targets": {"S3Targets": [{"Path": str(root)}]},
            **members}


def wait_ready(crawlers: CrawlerService, tenant: str, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        crawler = crawlers.get(tenant, name)
        if crawler["State"] == "READY" and "LastCrawl" in crawler:
            return crawler
        assert time.monotonic() < deadline, f"crawler {name} of {tenant} did not end"
        time.sleep(0.02)


def test_tenants_never_see_or_touch_each_others_crawlers(services: Services) -> None:
    crawlers, catalog = services.crawlers, services.catalog
    for tenant in ("a", "b"):
        catalog.databases.create(tenant, {"Name": "shared"})
        crawlers.create(tenant, definition(services.root, Description=f"of {tenant}"))
        services.classifiers.create(tenant, {"JsonClassifier": {"Name": "same", "JsonPath": f"$.{tenant}[*]"}})
    crawlers.create("a", definition(services.root, "only-a"))
    with pytest.raises(AlreadyExistsError):
        crawlers.create("a", definition(services.root))

    assert crawlers.get("b", "lake")["Description"] == "of b"
    assert crawlers.names("b", None, None, None)[0] == ["lake"]
    assert services.classifiers.get("b", "same")["JsonClassifier"]["JsonPath"] == "$.b[*]"
    with pytest.raises(EntityNotFoundError):
        crawlers.get("b", "only-a")
    with pytest.raises(EntityNotFoundError):
        crawlers.start("b", "only-a")

    crawlers.start("a", "lake")
    assert wait_ready(crawlers, "a", "lake")["LastCrawl"]["Status"] == "SUCCEEDED"
    assert {t["Name"] for t in catalog.tables.page("a", "shared", None, None, None)[0]} == {"orders", "users"}
    assert catalog.tables.page("b", "shared", None, None, None)[0] == []
    assert crawlers.crawls("b", "lake", None, None, None)[0] == []
    assert crawlers.get("b", "lake")["State"] == "READY" and "LastCrawl" not in crawlers.get("b", "lake")

    crawlers.delete("b", "lake")
    assert len(crawlers.crawls("a", "lake", None, None, None)[0]) == 1
    assert [s.name for s in crawlers.scheduled()] == []


def test_a_restart_ends_crawls_an_earlier_process_left_running(services: Services) -> None:
    services.catalog.databases.create("t", {"Name": "shared"})
    services.crawlers.create("t", definition(services.root))
    with services.db.transaction() as session:  # what a process that died mid-crawl leaves behind
        row = session.query(CrawlerRow).filter_by(tenant_id="t", name="lake").one()
        row.state, row.current_crawl_id = "RUNNING", "lost-crawl"
        session.add(CrawlRow(id="lost-crawl", tenant_id="t", crawler_name="lake", state="RUNNING", start_time=now(),
                             summary={}, tables_created=0, tables_updated=0, tables_deleted=0))

    restarted = services.rebuild()
    try:
        assert restarted.recover() == 1
        crawler = restarted.get("t", "lake")
        assert crawler["State"] == "READY"
        assert crawler["LastCrawl"]["Status"] == "FAILED"
        assert "platform stopped" in crawler["LastCrawl"]["ErrorMessage"]
        assert restarted.recover() == 0
        restarted.start("t", "lake")  # READY again, so it runs
        assert wait_ready(restarted, "t", "lake")["LastCrawl"]["Status"] == "SUCCEEDED"
    finally:
        restarted.close()


def test_closing_cancels_a_running_crawl_and_records_it(services: Services) -> None:
    services.catalog.databases.create("t", {"Name": "shared"})
    entered = threading.Event()

    def slow(targets: Any, config: Any, classifiers: Any = (), *, progress: Any = None) -> Any:
        entered.set()
        while True:  # a crawl that only ends when it is cancelled (the engine's progress callback raises)
            progress(0)
            time.sleep(0.01)

    crawlers = services.rebuild(slow)
    crawlers.create("t", definition(services.root))
    crawlers.start("t", "lake")
    assert entered.wait(30)
    crawlers.close()
    crawler = crawlers.get("t", "lake")
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    assert services.catalog.tables.page("t", "shared", None, None, None)[0] == []
    with pytest.raises(Exception, match="shutting down"):
        crawlers.start("t", "lake")
    assert crawlers.get("t", "lake")["State"] == "READY"
    assert crawlers.crawls("t", "lake", None, None, None)[0][0]["State"] == "FAILED"


def test_a_crawl_of_an_s3_target(services: Services, s3_bucket: str, s3fs_options: dict[str, Any]) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(**s3fs_options, skip_instance_cache=True)
    clicks = b'{"id": 1, "page": "home"}\n{"id": 2, "page": "x"}\n'
    for day in ("2026-11-01", "2026-11-02"):
        fs.pipe(f"{s3_bucket}/lake/clicks/day={day}/part-0.json", clicks)
    fs.pipe(f"{s3_bucket}/lake/users/users.csv", b"id,email\n1,a@x.org\n2,b@x.org\n")
    services.catalog.databases.create("t", {"Name": "shared"})
    crawlers = services.rebuild(storage={"s3": s3fs_options})
    try:
        crawlers.create("t", definition(services.root, Targets={"S3Targets": [{"Path": f"s3://{s3_bucket}/lake/"}]}))
        crawlers.start("t", "lake")
        assert wait_ready(crawlers, "t", "lake")["LastCrawl"]["Status"] == "SUCCEEDED"
    finally:
        crawlers.close()
    tables = {t["Name"]: t for t in services.catalog.tables.page("t", "shared", None, None, None)[0]}
    assert set(tables) == {"clicks", "users"}
    assert tables["clicks"]["StorageDescriptor"]["Location"] == f"s3://{s3_bucket}/lake/clicks/"
    partitions, _ = services.catalog.partitions.page("t", "shared", "clicks")
    assert sorted(p["Values"] for p in partitions) == [["2026-11-01"], ["2026-11-02"]]
