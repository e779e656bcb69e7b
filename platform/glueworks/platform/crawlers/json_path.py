"""JSON classifiers: a JSON path selects the records inside each document.

The path uses the runtime's ``jsonPath`` grammar (``$.records[*]``, ``$['a b'].items[0]``, ``$[*]``, ``$.*``).
A whole file is parsed as one document when it is complete in the sample; otherwise (and when the whole does
not parse) each line is a document. The file matches when the path selects at least one object; selected
values that are not objects are left out of the records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glueworks.platform.crawlers.classified import Classified, estimate
from glueworks.platform.crawlers.sample import TextSample
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.formats.json import JsonPath, parse_json_path, select


@dataclass(frozen=True)
class JsonPathClassifier:
    """A compiled JSON classifier.

    Attributes:
        path: The JSON path as given.
        steps: Its parsed steps.
    """

    path: str
    steps: JsonPath

    def classify(self, text: TextSample, max_records: int) -> Classified | None:
        """Classify a text sample (None when it is not JSON or the path selects no object)."""
        data = text.data.removeprefix(b"\xef\xbb\xbf")
        documents: list[Any] = []
        if text.complete:
            try:
                documents = [json.loads(data)]
            except ValueError:
                documents = []
        if not documents:
            for line in data.split(b"\n"):
                if not line.strip():
                    continue
                try:
                    documents.append(json.loads(line))
                except ValueError:
                    return None
        records = [v for doc in documents for v in select(doc, self.steps) if isinstance(v, dict)]
        if not records:
            return None
        found = len(records)
        return Classified(
            "json",
            "json",
            text.compression,
            records[:max_records],
            record_estimate=estimate(found, text.stored_fraction),
            serde_parameters={"jsonPath": self.path},
        )


def compile_json_path(definition: Mapping[str, Any]) -> JsonPathClassifier:
    """Compile a JsonClassifier shape (``JsonPath``).

    Raises:
        ValueError: The path is missing or not supported; the message names ``JsonPath``.
    """
    path = definition.get("JsonPath")
    if not isinstance(path, str) or not path.strip():
        raise ValueError("JsonPath: required, a JSON path such as $[*]")
    try:
        steps = parse_json_path(path, "JsonPath")
    except InvalidOptionError as exc:
        raise ValueError(f"JsonPath: {exc}") from exc
    return JsonPathClassifier(path.strip(), steps)
