"""Classifying one file: custom classifiers first (in the crawler's order), then the built-ins.

Order (Glue's): Avro, ORC and Parquet by magic bytes; then, on the (decompressed) text, each custom
classifier in turn, the built-in JSON classifier and the built-in CSV classifier. The first that recognises
the file wins. A file none recognises, or one that is corrupt, raises `CorruptFileError` with the reason; the
engine records it as a `CrawlFileError` and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from glueworks.platform.crawlers.builtin_csv import classify_csv
from glueworks.platform.crawlers.builtin_json import classify_json
from glueworks.platform.crawlers.classified import Classified
from glueworks.platform.crawlers.columnar import classify_columnar, columnar_kind
from glueworks.platform.crawlers.csv_custom import compile_csv
from glueworks.platform.crawlers.grok import compile_grok
from glueworks.platform.crawlers.json_path import compile_json_path
from glueworks.platform.crawlers.model import ClassifierSpec
from glueworks.platform.crawlers.sample import CorruptFileError, FileSample, codec_of, text_sample
from glueworks.platform.crawlers.xml import compile_xml


class CustomClassifier(Protocol):
    """A compiled custom classifier."""

    def classify(self, text: Any, max_records: int) -> Classified | None:
        """The classification of a text sample, or None when the classifier does not recognise it."""


_COMPILERS: dict[str, Callable[[Mapping[str, Any]], CustomClassifier]] = {
    "grok": compile_grok,
    "json": compile_json_path,
    "csv": compile_csv,
    "xml": compile_xml,
}


def compile_classifier(spec: ClassifierSpec) -> CustomClassifier:
    """Compile a custom classifier.

    Raises:
        ValueError: The kind is unknown or a member is invalid; the message names the member.
    """
    compiler = _COMPILERS.get(spec.kind)
    if compiler is None:
        raise ValueError(f"kind: unknown classifier kind {spec.kind!r}; use one of {', '.join(_COMPILERS)}")
    return compiler(spec.definition)


def check_classifier(spec: ClassifierSpec) -> None:
    """Check a custom classifier's definition.

    Raises:
        ValueError: A member is invalid (a bad grok pattern, JSON path, delimiter...); the message starts
            with the member's name.
    """
    compile_classifier(spec)


def classify_file(
    sample: FileSample, customs: Sequence[CustomClassifier], limit: int, max_records: int, fs: Any
) -> Classified:
    """Classify one file and read what inference needs of it.

    Raises:
        CorruptFileError: The file is corrupt, unreadable as its format, or of no known format.
    """
    kind = columnar_kind(sample)
    if kind is not None:
        return classify_columnar(kind, sample, fs)
    codec = codec_of(sample)
    text = text_sample(sample, codec, limit, fs)
    if not text.data.strip():
        if sample.size == 0:
            raise CorruptFileError("the file is empty")
        if not text.complete:
            raise CorruptFileError(f"no complete line in the first {limit} bytes (the sample size)")
        raise CorruptFileError("the file holds only blank lines")
    for custom in customs:
        found = custom.classify(text, max_records)
        if found is not None:
            return found
    found = classify_json(text, max_records)
    if found is None:
        found = classify_csv(text, max_records)
    if found is None:
        raise CorruptFileError("no classifier recognised the file (classification UNKNOWN)")
    return found
