"""Checking a SQL query over catalog tables, with DuckDB's own parser (never a regex over the text).

Only one statement is accepted, and only a SELECT (``WITH … SELECT`` included); anything else (INSERT, COPY,
CREATE, ATTACH, PRAGMA, SET, INSTALL, LOAD, EXPLAIN, a second statement) is refused naming ``sql``. The parse
tree (``json_serialize_sql``) gives every table the query names, wherever it is (joins, subqueries, CTEs),
and refuses table functions (``read_csv(...)``, ``glob(...)``): a query sees catalog tables only.

For partition pruning, the equality (``=``, ``IN``) constraints of a ``WHERE`` that are ANDed at the top of
a SELECT over one table are collected per table; a table named more than once gets none (another reference
may need other partitions). DuckDB still applies the whole ``WHERE``: pruning only saves reading.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from glueworks.platform.errors import InvalidInputError

__all__ = ["MAX_SQL_CHARS", "ParsedQuery", "TableRef", "parse_query"]

MAX_SQL_CHARS = 100_000


@dataclass(frozen=True)
class TableRef:
    """A table a query names: ``database.name`` or just ``name`` (database None)."""

    database: str | None
    name: str


@dataclass
class ParsedQuery:
    """A checked query.

    Attributes:
        sql: The single statement's text.
        tables: Distinct tables the query names, in order of appearance.
        equalities: Per table named once: partition-prunable ``column -> [literal texts]`` (lower-cased names).
    """

    sql: str
    tables: list[TableRef] = field(default_factory=list)
    equalities: dict[TableRef, dict[str, list[str]]] = field(default_factory=dict)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def parse_query(sql: object) -> ParsedQuery:
    """Check `sql` and find the tables it names.

    Raises:
        InvalidInputError: naming ``sql``: not a string, empty, too long, not parseable, more than one
            statement, not a SELECT, or a table function.
    """
    import duckdb

    if not isinstance(sql, str) or not sql.strip():
        raise InvalidInputError("must be a non-empty SELECT query", field="sql")
    if len(sql) > MAX_SQL_CHARS:
        raise InvalidInputError(f"is longer than {MAX_SQL_CHARS} characters", field="sql")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise InvalidInputError(str(exc).splitlines()[0], field="sql") from exc
    if len(statements) != 1:
        raise InvalidInputError(f"must be exactly one statement, got {len(statements)}", field="sql")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise InvalidInputError(
            f"only a single SELECT (or WITH ... SELECT) query is accepted, got {statement.type.name}", field="sql"
        )
    text = statement.query.strip().rstrip(";")
    with duckdb.connect(":memory:", config={"enable_external_access": False}) as con:
        row = con.execute("SELECT json_serialize_sql(?)", [text]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True, "error_message": "no parse tree"}
    if tree.get("error"):
        raise InvalidInputError(str(tree.get("error_message") or "cannot be parsed"), field="sql")
    return _analyse(text, tree)


def _analyse(text: str, tree: dict[str, Any]) -> ParsedQuery:
    ctes: set[str] = set()
    for node in _walk(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            ctes.update(str(item.get("key", "")).lower() for item in cte_map.get("map") or [])
    parsed = ParsedQuery(sql=text)
    counts: dict[TableRef, int] = {}
    for node in _walk(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "?")
            raise InvalidInputError(
                f"table functions such as {name}() are not allowed; query catalog tables", field="sql"
            )
        if kind != "BASE_TABLE":
            continue
        ref = _ref(node, ctes)
        if ref is None:
            continue
        counts[ref] = counts.get(ref, 0) + 1
        if ref not in parsed.tables:
            parsed.tables.append(ref)
    for node in _walk(tree):
        if node.get("type") != "SELECT_NODE":
            continue
        source = node.get("from_table") or {}
        if source.get("type") != "BASE_TABLE":
            continue
        ref = _ref(source, ctes)
        if ref is None or counts.get(ref) != 1:
            continue
        names = {ref.name, str(source.get("alias") or "").lower()} - {""}
        found = _equalities(node.get("where_clause"), names)
        if found:
            parsed.equalities[ref] = found
    return parsed


def _ref(node: dict[str, Any], ctes: set[str]) -> TableRef | None:
    if node.get("catalog_name"):
        raise InvalidInputError("three-part names (catalog.database.table) are not supported", field="sql")
    schema = str(node.get("schema_name") or "").lower()
    name = str(node.get("table_name") or "").lower()
    if not schema and name in ctes:
        return None
    return TableRef(schema or None, name)


def _literal(node: Any) -> str | None:
    if not isinstance(node, dict):
        return None
    if node.get("class") == "CAST" and not node.get("try_cast"):
        return _literal(node.get("child"))
    if node.get("class") != "CONSTANT":
        return None
    literal = node.get("literal") or {}
    if literal.get("kind") in ("NULL", None):
        return None
    return str(literal.get("text"))


def _column(node: Any, names: set[str]) -> str | None:
    if not isinstance(node, dict) or node.get("class") != "COLUMN_REF":
        return None
    parts = [str(p).lower() for p in node.get("column_names") or []]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2 and parts[0] in names:
        return parts[1]
    return None


def _equalities(where: Any, names: set[str]) -> dict[str, list[str]]:
    if not isinstance(where, dict):
        return {}
    conjuncts = [where]
    out: dict[str, list[str]] = {}
    while conjuncts:
        node = conjuncts.pop()
        if node.get("type") == "CONJUNCTION_AND":
            conjuncts.extend(c for c in node.get("children") or [] if isinstance(c, dict))
            continue
        pairs: list[tuple[str | None, list[str | None]]] = []
        if node.get("type") == "COMPARE_EQUAL":
            left, right = node.get("left"), node.get("right")
            pairs.append((_column(left, names), [_literal(right)]))
            pairs.append((_column(right, names), [_literal(left)]))
        elif node.get("type") == "COMPARE_IN":
            children = node.get("children") or []
            if children:
                pairs.append((_column(children[0], names), [_literal(c) for c in children[1:]]))
        for column, values in pairs:
            if column is None or not values or any(v is None for v in values):
                continue
            clean = [v for v in values if v is not None]
            # Two constraints on one column: both hold, so only common values can match.
            out[column] = [v for v in out[column] if v in clean] if column in out else clean
    return out
