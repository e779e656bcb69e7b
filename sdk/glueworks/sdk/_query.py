"""`client.query`: read-only SQL over the Data Catalog's tables (`POST /v1/query`).

The platform runs the query with DuckDB over the tables' files. Only one SELECT (or WITH … SELECT) is
accepted; anything that would write, read other files or change settings is refused with
`InvalidInputException` naming `sql`. Rows come back as JSON (`client.query(...)`) or as an Arrow IPC stream
(`client.query.arrow(...)`, read it with `pyarrow.ipc.open_stream`; the SDK itself does not need pyarrow).

Example:
    >>> result = client.query("SELECT region, count(*) AS n FROM sales.events GROUP BY 1")  # doctest: +SKIP
    >>> [c.name for c in result.columns], result.rows  # doctest: +SKIP
    (['region', 'n'], [['eu', 42]])
"""

from __future__ import annotations

from typing import Any

from glueworks.sdk._transport import Transport
from glueworks.sdk.models import _Output

__all__ = ["ARROW_STREAM", "Query", "QueryColumn", "QueryResult"]

#: Media type of an Arrow IPC stream.
ARROW_STREAM = "application/vnd.apache.arrow.stream"


class QueryColumn(_Output):
    """A result column: its name and Arrow type name (e.g. `int64`, `string`, `timestamp[us, tz=UTC]`)."""

    name: str
    type: str


class QueryResult(_Output):
    """Rows of a query, as JSON values (dates ISO 8601, decimals as strings).

    Attributes:
        columns: Result columns in order.
        rows: One list of values per row, in column order.
        row_count: Rows returned.
        truncated: Whether the row limit cut the result.
    """

    columns: list[QueryColumn]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = False

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name."""
        names = [c.name for c in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def _body(
    sql: str, database: str | None, max_rows: int | None, timeout_seconds: float | None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"sql": sql, **extra}
    if database is not None:
        body["database"] = database
    if max_rows is not None:
        body["max_rows"] = max_rows
    if timeout_seconds is not None:
        body["timeout_seconds"] = timeout_seconds
    return body


class Query:
    """SQL over catalog tables; reached as `client.query` (call it, or `.arrow(...)`).

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __call__(
        self,
        sql: str,
        *,
        database: str | None = None,
        max_rows: int | None = None,
        timeout_seconds: float | None = None,
    ) -> QueryResult:
        """Run one SELECT and return its rows as JSON values.

        Args:
            sql: The query; tables are `database.table`, or `table` with `database`.
            database: The database of unqualified table names.
            max_rows: Most rows to return (the server has a default and a cap).
            timeout_seconds: Seconds the query may run (the server has a default and a cap).

        Raises:
            InvalidInputException: The SQL is not a single SELECT, uses a table function, or DuckDB refuses it;
                or `max_rows`/`timeout_seconds` is out of range (the message names the member).
            EntityNotFoundException: A named database or table is not in the catalog.
            OperationTimeoutException: The query ran past its timeout.
        """
        body = _body(sql, database, max_rows, timeout_seconds)
        return self._transport.request_model(QueryResult, "POST", "/query", json=body)

    def arrow(
        self,
        sql: str,
        *,
        database: str | None = None,
        max_rows: int | None = None,
        timeout_seconds: float | None = None,
    ) -> bytes:
        """Run one SELECT and return the rows as Arrow IPC stream bytes (`pyarrow.ipc.open_stream(data)`).

        Raises:
            The same errors as calling `client.query(...)`.
        """
        body = _body(sql, database, max_rows, timeout_seconds, format="arrow")
        return self._transport.request("POST", "/query", json=body).content
