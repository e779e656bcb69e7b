"""Catalog rows belong to a tenant: one tenant never sees, changes or deletes another's, on SQLite and PostgreSQL.

Also checks that migration 0002 builds the catalog tables from scratch on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from glueworks.platform.db import Database
from glueworks.platform.errors import EntityNotFoundError
from glueworks.platform.services.catalog import CatalogService, search_tables


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CatalogService]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    db = Database.connect(url)
    yield CatalogService(db, lambda: datetime.now(UTC))
    db.dispose()


def test_tenants_never_see_each_others_catalog(catalog: CatalogService) -> None:
    table = {"Name": "t", "PartitionKeys": [{"Name": "p", "Type": "string"}]}
    for tenant in ("a", "b"):
        catalog.databases.create(tenant, {"Name": "shared", "Description": f"of {tenant}"})
        catalog.tables.create(tenant, "shared", table)
    catalog.partitions.create("a", "shared", "t", {"Values": ["only-a"]})
    catalog.databases.create("a", {"Name": "private"})

    assert catalog.databases.get("b", "shared")["Description"] == "of b"
    assert [db["Name"] for db in catalog.databases.page("b", None, None)[0]] == ["shared"]
    assert catalog.partitions.page("b", "shared", "t")[0] == []
    with pytest.raises(EntityNotFoundError):
        catalog.databases.get("b", "private")
    with pytest.raises(EntityNotFoundError):
        catalog.partitions.get("b", "shared", "t", ["only-a"])

    catalog.databases.delete("b", "shared")
    assert [p["Values"] for p in catalog.partitions.page("a", "shared", "t")[0]] == [["only-a"]]
    assert catalog.tables.get("a", "shared", "t")["Name"] == "t"
    rows, _ = search_tables(catalog.db, "b")
    assert rows == []
    rows, _ = search_tables(catalog.db, "a")
    assert [(row.database_name, row.name) for row in rows] == [("shared", "t")]
