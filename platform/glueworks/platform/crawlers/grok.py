"""Grok classifiers: a grok expression compiled to a Python regular expression.

``%{NAME}`` expands the pattern ``NAME`` (a custom pattern from ``CustomPatterns`` first, then the standard
Logstash base patterns in `grok_patterns`); ``%{NAME:field}`` also captures the match as column ``field``;
``%{NAME:field:type}`` gives the column a type (``int``/``integer``/``long``/``bigint`` → bigint, ``float``/
``double`` → double, ``boolean``, ``string``; Glue's grok types), otherwise it is a string. ``CustomPatterns``
holds one ``NAME regex`` definition per line (blank lines and ``#`` comments ignored).

A file is of the classifier's classification when every sampled non-blank line matches the whole expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glueworks.platform.crawlers.classified import Classified, estimate
from glueworks.platform.crawlers.grok_patterns import BASE_PATTERNS
from glueworks.platform.crawlers.sample import TextSample

_REFERENCE = re.compile(r"%\{(\w+)(?::([\w@.\[\]-]+))?(?::(\w+))?\}")
_CUSTOM_LINE = re.compile(r"^([A-Za-z0-9_]+)\s+(.+)$")
_TYPES = {
    "int": "int",
    "integer": "int",
    "long": "int",
    "bigint": "int",
    "float": "float",
    "double": "float",
    "boolean": "bool",
    "string": "str",
}
_MAX_DEPTH = 40


@dataclass(frozen=True)
class GrokClassifier:
    """A compiled grok classifier.

    Attributes:
        classification: The classification of matching files.
        regex: The compiled expression.
        fields: ``(group name, column, type)`` per captured field.
        pattern: The grok expression as given (kept for the SerDe parameters).
        custom: The custom pattern text as given.
    """

    classification: str
    regex: re.Pattern[str]
    fields: tuple[tuple[str, str, str], ...]
    pattern: str
    custom: str

    def classify(self, text: TextSample, max_records: int) -> Classified | None:
        """Classify a text sample (None unless every sampled line matches)."""
        try:
            decoded = text.data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        records: list[dict[str, Any]] = []
        consumed = 0
        for line in decoded.splitlines():
            if len(records) >= max_records:
                break
            consumed += len(line) + 1
            if not line.strip():
                continue
            match = self.regex.fullmatch(line)
            if match is None:
                return None
            records.append({column: _convert(match.group(group), kind) for group, column, kind in self.fields})
        if not records:
            return None
        fraction = text.stored_fraction * min(1.0, consumed / max(1, len(decoded)))
        serde = {"input.format": self.pattern}
        if self.custom:
            serde["input.grokCustomPatterns"] = self.custom
        return Classified(
            self.classification,
            "grok",
            text.compression,
            records,
            record_estimate=estimate(len(records), fraction),
            serde_parameters=serde,
            integral="bigint",
        )


def _convert(value: str | None, kind: str) -> Any:
    if value is None or value == "":
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        return value
    if kind == "bool":
        return value.strip().lower() == "true"
    return value


def compile_grok(definition: Mapping[str, Any]) -> GrokClassifier:
    """Compile a GrokClassifier shape (``Classification``, ``GrokPattern``, ``CustomPatterns``).

    Raises:
        ValueError: A member is missing or invalid; the message names it.
    """
    classification = definition.get("Classification")
    if not isinstance(classification, str) or not classification.strip():
        raise ValueError("Classification: required, a non-empty string")
    pattern = definition.get("GrokPattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError("GrokPattern: required, a non-empty string")
    custom_text = definition.get("CustomPatterns") or ""
    if not isinstance(custom_text, str):
        raise ValueError("CustomPatterns: must be a string")
    custom = _parse_custom(custom_text)
    fields: list[tuple[str, str, str]] = []
    expanded = _expand(pattern, {**BASE_PATTERNS, **custom}, fields, set(custom), 0)
    try:
        regex = re.compile(expanded)
    except re.error as exc:
        raise ValueError(f"GrokPattern: not a valid expression after expansion: {exc}") from exc
    return GrokClassifier(classification.strip().lower(), regex, tuple(fields), pattern, custom_text)


def _parse_custom(text: str) -> dict[str, str]:
    patterns: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _CUSTOM_LINE.match(line)
        if match is None:
            raise ValueError(f"CustomPatterns: line {number} is not 'NAME regex': {line!r}")
        try:
            re.compile(_REFERENCE.sub("", match.group(2)))
        except re.error as exc:
            raise ValueError(f"CustomPatterns: pattern {match.group(1)} is not a valid expression: {exc}") from exc
        patterns[match.group(1)] = match.group(2)
    return patterns


def _expand(
    pattern: str, known: Mapping[str, str], fields: list[tuple[str, str, str]], custom: set[str], depth: int
) -> str:
    if depth > _MAX_DEPTH:
        raise ValueError("GrokPattern: patterns refer to each other in a cycle")

    def replace(match: re.Match[str]) -> str:
        name, column, kind = match.group(1), match.group(2), match.group(3)
        if name not in known:
            member = "CustomPatterns" if name in custom else "GrokPattern"
            raise ValueError(f"{member}: unknown grok pattern %{{{name}}}")
        body = _expand(known[name], known, fields, custom, depth + 1)
        if column is None:
            return f"(?:{body})"
        if kind is not None and kind.lower() not in _TYPES:
            raise ValueError(f"GrokPattern: unknown type {kind!r} in %{{{match.group(0)[2:-1]}}}")
        group = f"g{len(fields)}"
        fields.append((group, column.lower(), _TYPES[kind.lower()] if kind else "str"))
        return f"(?P<{group}>{body})"

    return _REFERENCE.sub(replace, pattern)
