"""Page sizes and opaque page tokens (base64 of a small JSON cursor; one that does not decode is an input error),
and the newest-first keyset paging that job runs and workflow runs share."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_

from glueworks.platform.errors import InvalidInputError

_Query = TypeVar("_Query", bound=Select[Any])


def encode_token(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode()


def decode_token(token: str | None, *, field: str = "NextToken") -> dict[str, Any] | None:
    if not token:
        return None
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInputError("is not a token this API issued", field=field) from None
    if not isinstance(cursor, dict):
        raise InvalidInputError("is not a token this API issued", field=field)
    return cursor


def page_size(value: int | None, *, default: int, maximum: int, field: str = "MaxResults") -> int:
    if value is None:
        return default
    if not 1 <= value <= maximum:
        raise InvalidInputError(f"must be between 1 and {maximum}, got {value}", field=field)
    return value


def newest_first(query: _Query, model: type[Any], size: int, token: str | None) -> _Query:
    """`query` over `model` rows ordered newest first by (``started_on``, ``id``), from the cursor in `token`,
    one row past `size`.

    The extra row says whether a next page exists; `newest_first_token` makes the next page's cursor from
    the same two columns.

    Raises:
        InvalidInputError: `token` is not a token this API issued (field NextToken).
    """
    started, row_id = model.started_on, model.id
    query = query.order_by(started.desc(), row_id.desc()).limit(size + 1)
    cursor = decode_token(token)
    if cursor is None:
        return query
    try:
        at, after = datetime.fromisoformat(str(cursor["t"])), str(cursor["id"])
    except (KeyError, ValueError):
        raise InvalidInputError("is not a token this API issued", field="NextToken") from None
    return query.where(or_(started < at, and_(started == at, row_id < after)))


def newest_first_token(rows: Sequence[Any], size: int) -> str | None:
    """The token of the page after `rows` (a `newest_first` query's rows), or None when they were the last."""
    if len(rows) <= size:
        return None
    last = rows[size - 1]
    return encode_token({"t": last.started_on.isoformat(), "id": last.id})
