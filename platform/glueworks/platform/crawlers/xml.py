"""XML classifiers: each element named ``RowTag`` is a record.

A record's columns are the row element's attributes (named with a leading ``_``, as spark-xml names
them) and its child elements. A child holding only text is a
typed value (the CSV typing rule: integer, double, boolean or string); a child with attributes or children
is a struct; a child tag repeated within a row is an array. The sample is parsed incrementally, so a prefix
cut mid-document still yields the rows before the cut. A file matches when it holds at least one row.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from glueworks.platform.crawlers.builtin_csv import typed
from glueworks.platform.crawlers.classified import Classified, estimate
from glueworks.platform.crawlers.sample import TextSample

_TAG = re.compile(r"^[A-Za-z_][\w.\-]*(:[A-Za-z_][\w.\-]*)?$")


@dataclass(frozen=True)
class XmlClassifier:
    """A compiled XML classifier.

    Attributes:
        classification: The classification of matching files.
        row_tag: The element name of a record.
    """

    classification: str
    row_tag: str

    def classify(self, text: TextSample, max_records: int) -> Classified | None:
        """Classify a text sample (None unless it is XML holding at least one row element)."""
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
        records: list[dict[str, Any]] = []
        try:
            parser.feed(text.data)
            events = cast(Iterator[tuple[str, ET.Element]], parser.read_events())
            for _event, element in events:
                if isinstance(element, ET.Element) and element.tag == self.row_tag:
                    records.append(_record(element))
                    element.clear()
                    if len(records) >= max_records:
                        break
        except ET.ParseError:
            if not records or text.complete:
                return None
        if not records:
            return None
        return Classified(
            self.classification,
            "xml",
            text.compression,
            records,
            record_estimate=estimate(len(records), text.stored_fraction),
            serde_parameters={"rowTag": self.row_tag},
            integral="bigint",
        )


def _record(element: ET.Element) -> dict[str, Any]:
    record: dict[str, Any] = {f"_{key}": typed(value) for key, value in element.attrib.items()}
    for child in element:
        value = _value(child)
        if child.tag in record:
            current = record[child.tag]
            record[child.tag] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            record[child.tag] = value
    return record


def _value(element: ET.Element) -> Any:
    if len(element) or element.attrib:
        return _record(element)
    return typed((element.text or "").strip())


def compile_xml(definition: Mapping[str, Any]) -> XmlClassifier:
    """Compile an XMLClassifier shape (``Classification``, ``RowTag``).

    Raises:
        ValueError: A member is missing or invalid; the message names it.
    """
    classification = definition.get("Classification")
    if not isinstance(classification, str) or not classification.strip():
        raise ValueError("Classification: required, a non-empty string")
    row_tag = definition.get("RowTag")
    if not isinstance(row_tag, str) or not _TAG.match(row_tag.strip()):
        raise ValueError("RowTag: required, an XML element name such as 'row'")
    return XmlClassifier(classification.strip().lower(), row_tag.strip())
