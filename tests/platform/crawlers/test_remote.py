"""Crawling ``s3://`` on the loopback S3 server, and scanning on Ray."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from glueworks.platform.crawlers import CrawlConfig, CrawlTarget, crawl
from tests.fixtures.s3 import S3Endpoint


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_s3_target(s3_endpoint: S3Endpoint, s3_bucket: str, s3fs_options: dict[str, Any]) -> None:
    client = s3_endpoint.client()
    for day in ("2024-01-01", "2024-01-02"):
        for i in range(3):
            rows = [{"id": i, "v": 1.5 if day.endswith("2") else 1}]
            client.put_object(Bucket=s3_bucket, Key=f"lake/clicks/dt={day}/part-{i}.json", Body=_jsonl(rows))
    client.put_object(Bucket=s3_bucket, Key="lake/clicks/dt=2024-01-02/_SUCCESS", Body=b"")
    client.put_object(Bucket=s3_bucket, Key="lake/clicks/dt=2024-01-02/bad.json", Body=b'{"id": ')
    client.put_object(Bucket=s3_bucket, Key="lake/users/part-0.csv", Body=b"id,name\n1,a\n2,b\n")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": [1, 2]}), buffer)
    client.put_object(Bucket=s3_bucket, Key="lake/facts/f.parquet", Body=buffer.getvalue())
    config = CrawlConfig(storage_options={"s3": s3fs_options}, table_prefix="s3_")
    result = crawl([CrawlTarget(f"s3://{s3_bucket}/lake", exclusions=("facts/**",))], config)
    tables = {t.name: t for t in result.tables}
    assert set(tables) == {"s3_clicks", "s3_users"}
    clicks = tables["s3_clicks"]
    assert clicks.location == f"s3://{s3_bucket}/lake/clicks/"
    assert {p.values for p in clicks.partitions} == {("2024-01-01",), ("2024-01-02",)}
    assert {c["Name"]: c["Type"] for c in clicks.columns} == {"id": "int", "v": "double"}
    assert clicks.parameters["objectCount"] == "6"
    assert tables["s3_users"].classification == "csv"
    assert [e.path for e in result.errors] == [f"s3://{s3_bucket}/lake/clicks/dt=2024-01-02/bad.json"]

    # An incremental crawl sees a new partition written after the first listing.
    known = frozenset({clicks.location, *(p.location for p in clicks.partitions)})
    client.put_object(Bucket=s3_bucket, Key="lake/clicks/dt=2024-01-03/part-0.json", Body=_jsonl([{"id": 9, "v": 2}]))
    again = crawl(
        [CrawlTarget(f"s3://{s3_bucket}/lake/clicks")],
        CrawlConfig(storage_options={"s3": s3fs_options}, known_folders=known),
    )
    assert [(t.name, [p.values for p in t.partitions]) for t in again.tables] == [("clicks", [("2024-01-03",)])]
    client.close()


def test_ray_executor(ray_cluster: None, tmp_path: Path) -> None:
    for day in range(4):
        folder = tmp_path / "t" / f"dt={day}"
        folder.mkdir(parents=True)
        for i in range(5):
            (folder / f"{i}.json").write_bytes(_jsonl([{"id": i, "day": day}]))
    (tmp_path / "t" / "dt=0" / "bad.json").write_text("{")
    local = crawl([CrawlTarget(str(tmp_path / "t"))], CrawlConfig())
    on_ray = crawl([CrawlTarget(str(tmp_path / "t"))], CrawlConfig(executor="ray", max_parallelism=2))
    assert on_ray.tables == local.tables
    assert on_ray.errors == local.errors
    assert len(on_ray.tables[0].partitions) == 4
