"""How a job reaches the Data Catalog: a small `CatalogClient` protocol and its HTTP implementation.

The runtime never imports the platform. A job talks to the catalog over the platform's REST API
(``/v1/catalog``) through the SDK. Inside a platform run the driver gets the API URL and a
run-scoped credential with its spec and makes the client active for the run (`use_catalog`);
``glueworks run-local --catalog-url …`` does the same for a local run. A script then simply calls
``glueContext.create_dynamic_frame.from_catalog(...)``.

Shapes are the REST API's: Glue's catalog shapes with snake_case member names
(``storage_descriptor.location``, ``partition_keys[i].type``), as plain dicts.

Example:
    >>> client = HttpCatalogClient("http://127.0.0.1:8080")  # doctest: +SKIP
    >>> with use_catalog(client):  # doctest: +SKIP
    ...     frame = GlueContext().create_dynamic_frame.from_catalog("sales", "events")
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from glueworks.runtime.errors import InvalidOptionError

if TYPE_CHECKING:
    from glueworks.sdk import Client

__all__ = [
    "CatalogClient",
    "CatalogNotConfiguredError",
    "HttpCatalogClient",
    "current_catalog",
    "require_catalog",
    "use_catalog",
]


class CatalogNotConfiguredError(InvalidOptionError):
    """A catalog operation was asked for but no Data Catalog is reachable from this process."""

    def __init__(self, what: str) -> None:
        super().__init__(
            what,
            "needs the Data Catalog, but none is configured: run the script as a platform job, pass "
            "--catalog-url (and --catalog-key) to run-local, or pass catalog_client= to GlueContext",
        )


@runtime_checkable
class CatalogClient(Protocol):
    """What the runtime needs of the Data Catalog (snake_case Glue shapes as dicts)."""

    def get_table(self, database: str, name: str) -> dict[str, Any] | None:
        """The table, or None when the database or the table does not exist."""

    def get_partitions(
        self, database: str, table: str, expression: str | None = None, segment: tuple[int, int] | None = None
    ) -> list[dict[str, Any]]:
        """Partitions of a table matching a GetPartitions `expression` (server-side filter).

        Args:
            database: The database.
            table: The table.
            expression: Glue's partition filter grammar; None or blank means all.
            segment: ``(segment_number, total_segments)`` to list one slice.
        """

    def batch_create_partition(
        self, database: str, table: str, partitions: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Create partitions (``{"values": [...], "storage_descriptor": {...}}``); existing ones are
        left as they are. Returns per-partition errors (``{"values", "code", "message"}``), other
        than AlreadyExists."""

    def create_table(self, database: str, table_input: Mapping[str, Any]) -> None:
        """Create a table (``table_input["name"]`` names it)."""

    def update_table(self, database: str, table_input: Mapping[str, Any]) -> None:
        """Replace a table's definition (every member to keep must be restated)."""


#: Partitions per BatchCreatePartition call (Glue's limit).
_PARTITION_BATCH = 100


class HttpCatalogClient:
    """`CatalogClient` over the platform's REST API, through the SDK.

    Args:
        endpoint: Base URL of the platform API.
        api_key: Bearer credential (a tenant API key or a run-scoped token); None on an embedded
            server on loopback.
        timeout: Seconds per HTTP request.
    """

    def __init__(self, endpoint: str, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        self.endpoint = endpoint
        self._api_key = api_key
        self._timeout = timeout
        self._sdk: Client | None = None
        self._sdk_lock = threading.Lock()

    @property
    def _client(self) -> Client:
        """The SDK client, built on first use: every submitted run is given a catalog, most never call it,
        and building an HTTP client (its TLS context above all) took ~30 ms of each run's start."""
        with self._sdk_lock:
            if self._sdk is None:
                from glueworks.sdk import Client

                self._sdk = Client(self.endpoint, self._api_key, timeout=self._timeout)
            return self._sdk

    def __repr__(self) -> str:
        # The credential is never shown.
        return f"HttpCatalogClient(endpoint={self.endpoint!r})"

    def close(self) -> None:
        """Release the HTTP connections."""
        with self._sdk_lock:
            if self._sdk is not None:
                self._sdk.close()

    def get_table(self, database: str, name: str) -> dict[str, Any] | None:
        """The table as a snake_case dict, or None when it (or its database) does not exist."""
        from glueworks.sdk.errors import EntityNotFoundException

        try:
            table = self._client.catalog.tables.get(database, name)
        except EntityNotFoundException:
            return None
        return table.model_dump(mode="json", exclude_none=True)

    def get_partitions(
        self, database: str, table: str, expression: str | None = None, segment: tuple[int, int] | None = None
    ) -> list[dict[str, Any]]:
        """Every partition matching `expression`, one request per page."""
        number, total = segment if segment is not None else (None, None)
        found = self._client.catalog.partitions.iter(
            database, table, expression=expression or None, segment_number=number, total_segments=total
        )
        return [p.model_dump(mode="json", exclude_none=True) for p in found]

    def batch_create_partition(
        self, database: str, table: str, partitions: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Create the partitions in batches of 100 (BatchCreatePartition's limit); an existing partition is
        not an error."""
        errors: list[dict[str, Any]] = []
        items = [dict(item) for item in partitions]
        for first in range(0, len(items), _PARTITION_BATCH):
            result = self._client.catalog.partitions.create_many(
                database, table, items[first : first + _PARTITION_BATCH]
            )
            for failed in result.errors:
                if failed.code != "AlreadyExistsException":
                    errors.append(
                        {"values": failed.values, "code": failed.code, "message": failed.error.get("message")}
                    )
        return errors

    def create_table(self, database: str, table_input: Mapping[str, Any]) -> None:
        """Create a table from a snake_case `TableInput`."""
        fields = {k: v for k, v in table_input.items() if k != "name"}
        self._client.catalog.tables.create(database, str(table_input["name"]), **fields)

    def update_table(self, database: str, table_input: Mapping[str, Any]) -> None:
        """Replace a table's definition with a snake_case `TableInput`."""
        fields = {k: v for k, v in table_input.items() if k != "name"}
        self._client.catalog.tables.update(database, str(table_input["name"]), **fields)


# A job process runs one job; the driver activates the client on the thread that runs the
# script, and code on other threads of the process falls back to this stack (as run contexts do).
_STACK: list[CatalogClient] = []
_LOCK = threading.Lock()


@contextlib.contextmanager
def use_catalog(client: CatalogClient) -> Iterator[CatalogClient]:
    """Make `client` the catalog of this process for the code inside the ``with`` block."""
    with _LOCK:
        _STACK.append(client)
    try:
        yield client
    finally:
        with _LOCK:
            for index in range(len(_STACK) - 1, -1, -1):
                if _STACK[index] is client:
                    del _STACK[index]
                    break


def current_catalog() -> CatalogClient | None:
    """The catalog client most recently activated with `use_catalog`, or None."""
    with _LOCK:
        return _STACK[-1] if _STACK else None


def require_catalog(what: str, explicit: CatalogClient | None = None) -> CatalogClient:
    """`explicit` if given, else the active catalog client.

    Raises:
        CatalogNotConfiguredError: There is none; the message names `what` and how to configure one.
    """
    client = explicit if explicit is not None else current_catalog()
    if client is None:
        raise CatalogNotConfiguredError(what)
    return client
