"""Run-scoped credentials: how a job's driver reaches the Data Catalog (and SQL) of its own tenant.

A platform run gets, through ``LaunchRequest`` → ``DriverSpec`` (never stored in the run record, never
logged), the API URL and a credential:

* Embedded mode without API keys (loopback): no credential is needed, none is minted.
* With API keys (cluster mode): a token ``gwrun1.<tenant, base64url>.<run id>.<HMAC-SHA256>`` signed with
  the server secret (``auth.run_token_secret``; unset = a random secret per platform process, so tokens
  die with it). Tenancy accepts it only for that tenant, only while the run is STARTING/RUNNING/STOPPING,
  and only on the catalog and query paths (``/v1/catalog``, ``/v1/query``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable

from sqlalchemy import select

from glueworks.platform.db import Database
from glueworks.platform.db.models import JobRunRow

__all__ = ["RUN_TOKEN_PATHS", "RUN_TOKEN_PREFIX", "CatalogAccess", "RunTokens"]

RUN_TOKEN_PREFIX = "gwrun1."
#: API paths a run token may call.
RUN_TOKEN_PATHS = ("/v1/catalog/", "/v1/query")
_ACTIVE = ("STARTING", "RUNNING", "STOPPING")


class RunTokens:
    """Mints and checks run-scoped tokens.

    Args:
        db: The database holding the runs (a token is good only while its run is active).
        secret: The signing secret; None makes a random one for this process.
    """

    def __init__(self, db: Database, secret: bytes | None = None) -> None:
        self._db = db
        self._secret = secret or secrets.token_bytes(32)

    def _sign(self, tenant_id: str, run_id: str) -> str:
        message = f"{tenant_id}\x00{run_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def mint(self, tenant_id: str, run_id: str) -> str:
        """A token for `run_id` of `tenant_id`."""
        tenant = base64.urlsafe_b64encode(tenant_id.encode()).decode().rstrip("=")
        return f"{RUN_TOKEN_PREFIX}{tenant}.{run_id}.{self._sign(tenant_id, run_id)}"

    def tenant_of(self, token: str) -> str | None:
        """The tenant of a valid token whose run is still active, else None."""
        if not token.startswith(RUN_TOKEN_PREFIX):
            return None
        parts = token[len(RUN_TOKEN_PREFIX):].split(".")
        if len(parts) != 3:
            return None
        encoded, run_id, signature = parts
        try:
            tenant_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(signature, self._sign(tenant_id, run_id)):
            return None
        with self._db.transaction() as session:
            state = session.scalar(
                select(JobRunRow.state).where(JobRunRow.tenant_id == tenant_id, JobRunRow.id == run_id)
            )
        return tenant_id if state in _ACTIVE else None


class CatalogAccess:
    """What a run's driver gets to reach the catalog: ``(api_url, credential)`` for a run.

    Args:
        api_url: Returns the API URL jobs should use, or None when unknown (no catalog for jobs).
        tokens: Mints run tokens.
        needs_token: Whether the API asks for credentials (API keys configured).
    """

    def __init__(self, api_url: Callable[[], str | None], tokens: RunTokens, needs_token: bool) -> None:
        self._api_url = api_url
        self._tokens = tokens
        self._needs_token = needs_token

    def __call__(self, tenant_id: str, run_id: str) -> tuple[str | None, str | None]:
        url = self._api_url()
        if url is None:
            return None, None
        return url, self._tokens.mint(tenant_id, run_id) if self._needs_token else None
