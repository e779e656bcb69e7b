"""Opaque page tokens: base64 of a small JSON cursor. A token that does not decode is an input error."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from glueworks.platform.errors import InvalidInputError


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
