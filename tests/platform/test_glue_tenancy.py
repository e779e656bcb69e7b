"""Tenants on the Glue door in cluster mode: boto3 signs with SigV4, its access key id names the tenant.

A cluster-mode platform needs PostgreSQL; it gets a database of its own on the session's embedded server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import LiveServer
from tests.fixtures.postgres import EmbeddedPostgres, create_database
from tests.platform.glue_helpers import create_job, error_of, isolated_aws_env, raw_call

pytestmark = pytest.mark.postgres

KEYS = {"acme": "acme-secret", "globex": "globex-secret"}


@pytest.fixture(scope="module")
def cluster(start_server: Callable[..., LiveServer], postgres_server: EmbeddedPostgres) -> LiveServer:
    name = f"gw_glue_{uuid.uuid4().hex[:12]}"
    create_database(postgres_server, name)  # lives as long as the session's server
    return start_server(postgres_server.url(name), mode="cluster", auth={"api_keys": KEYS})


def client_as(server: LiveServer, key_id: str, secret: str) -> Any:
    with isolated_aws_env(server.root):
        return boto3.client(
            "glue",
            endpoint_url=server.url,
            region_name="eu-west-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )


def test_each_tenant_sees_only_its_own_jobs(cluster: LiveServer) -> None:
    acme, globex = client_as(cluster, "acme", KEYS["acme"]), client_as(cluster, "globex", KEYS["globex"])
    name = create_job(acme, cluster, Description="acme's")
    assert acme.get_job(JobName=name)["Job"]["Description"] == "acme's"
    with pytest.raises(globex.exceptions.EntityNotFoundException):
        globex.get_job(JobName=name)
    assert name not in globex.list_jobs()["JobNames"]
    # Names are unique per tenant, not across tenants.
    create_job(globex, cluster, Name=name, Description="globex's")
    assert acme.get_job(JobName=name)["Job"]["Description"] == "acme's"
    assert globex.batch_get_jobs(JobNames=[name])["Jobs"][0]["Description"] == "globex's"


@pytest.mark.parametrize(
    ("key_id", "secret"), [("acme", "wrong-secret"), ("initech", "any"), ("globex", "acme-secret")]
)
def test_bad_credentials_are_denied(cluster: LiveServer, key_id: str, secret: str) -> None:
    client = client_as(cluster, key_id, secret)
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.get_jobs()


def test_unsigned_requests_are_denied(cluster: LiveServer) -> None:
    code, message = error_of(raw_call(cluster, "AWSGlue.GetJobs", json.dumps({})))
    assert code == "AccessDeniedException"
    assert "credentials" in message
