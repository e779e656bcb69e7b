"""SearchTables: free text over table names, descriptions and columns, with filters and sorting.

``SearchText`` words are matched against the tokens (runs of letters and digits) of a table's database name, name,
description, owner, table type, parameters and column names, types and comments; every word must be found. Text
in double quotes must appear as it is. ``Filters`` compare ``DatabaseName``, ``Name``, ``Description``, ``Owner``
or ``TableType`` by token (or any other key with a parameter of that name), and ``CreateTime``/``UpdateTime`` with
a comparator. ``SortCriteria`` sorts by one of those fields; the default order is database, then name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from glueworks.platform.db import CatalogTableRow, Database
from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services.paging import decode_token, encode_token, page_size

__all__ = ["search_tables"]

_WORD = re.compile(r"[0-9A-Za-z]+")
_TEXT_KEYS = {"DatabaseName": "database_name", "Name": "name"}
_TIME_KEYS = {"CreateTime": "create_time", "UpdateTime": "update_time"}


def _tokens(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text)}


def _haystack(row: CatalogTableRow) -> str:
    definition = row.definition
    parts = [
        row.database_name,
        row.name,
        str(definition.get("Description", "")),
        str(definition.get("Owner", "")),
        str(definition.get("TableType", "")),
    ]
    parts += [f"{key} {value}" for key, value in definition.get("Parameters", {}).items()]
    columns = list(definition.get("StorageDescriptor", {}).get("Columns", [])) + list(
        definition.get("PartitionKeys", [])
    )
    for column in columns:
        parts += [column.get("Name", ""), column.get("Type", ""), column.get("Comment", "")]
    return "\n".join(parts)


def _text_matches(row: CatalogTableRow, search_text: str) -> bool:
    haystack = _haystack(row)
    phrases = re.findall(r'"([^"]*)"', search_text)
    if any(phrase.lower() not in haystack.lower() for phrase in phrases):
        return False
    words = _tokens(re.sub(r'"[^"]*"', " ", search_text))
    return words <= _tokens(haystack)


def _field(row: CatalogTableRow, key: str) -> Any:
    if key in _TEXT_KEYS:
        return getattr(row, _TEXT_KEYS[key])
    if key in _TIME_KEYS:
        return getattr(row, _TIME_KEYS[key])
    if key in ("Description", "Owner", "TableType"):
        return row.definition.get(key)
    return row.definition.get("Parameters", {}).get(key)


def _filter_matches(row: CatalogTableRow, predicate: Mapping[str, Any], index: int) -> bool:
    key, value = predicate.get("Key"), predicate.get("Value")
    if not key or value is None:
        raise InvalidInputError("needs a Key and a Value", field=f"Filters[{index}]")
    comparator = predicate.get("Comparator", "EQUALS")
    actual = _field(row, key)
    if key in _TIME_KEYS:
        try:
            wanted = datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            raise InvalidInputError(
                f"must be epoch seconds for {key}, got {value!r}", field=f"Filters[{index}].Value"
            ) from None
        outcome: bool = {
            "EQUALS": actual == wanted,
            "GREATER_THAN": actual > wanted,
            "LESS_THAN": actual < wanted,
            "GREATER_THAN_EQUALS": actual >= wanted,
            "LESS_THAN_EQUALS": actual <= wanted,
        }[comparator]
        return outcome
    if comparator != "EQUALS":
        raise InvalidInputError(f"only EQUALS applies to {key}", field=f"Filters[{index}].Comparator")
    return actual is not None and _tokens(str(value)) <= _tokens(str(actual))


def search_tables(
    db: Database,
    tenant_id: str,
    *,
    search_text: str | None = None,
    filters: Sequence[Mapping[str, Any]] = (),
    sort: Sequence[Mapping[str, Any]] = (),
    max_results: int | None = None,
    next_token: str | None = None,
) -> tuple[list[CatalogTableRow], str | None]:
    """Tables of every database of the tenant that match; reads all the tenant's tables once."""
    size = page_size(max_results, default=100, maximum=1000)
    cursor = decode_token(next_token)
    offset = int(cursor.get("offset", 0)) if cursor is not None else 0
    with db.transaction() as session:
        rows = list(session.scalars(select(CatalogTableRow).where(CatalogTableRow.tenant_id == tenant_id)))
    if search_text and search_text.strip():
        rows = [row for row in rows if _text_matches(row, search_text)]
    for index, predicate in enumerate(filters):
        rows = [row for row in rows if _filter_matches(row, predicate, index)]
    rows.sort(key=lambda row: (row.database_name, row.name))
    for index, criterion in enumerate(reversed(list(sort))):
        name = criterion.get("FieldName", "")
        if name not in _TEXT_KEYS and name not in _TIME_KEYS and name not in ("Description", "Owner", "TableType"):
            raise InvalidInputError(
                f"cannot sort by {name!r}", field=f"SortCriteria[{len(sort) - 1 - index}].FieldName"
            )
        rows.sort(
            key=lambda row: (_field(row, name) is None, _field(row, name) or ""),
            reverse=criterion.get("Sort", "ASC") == "DESC",
        )
    page = rows[offset : offset + size]
    token = encode_token({"offset": offset + size}) if len(rows) > offset + size else None
    return page, token
