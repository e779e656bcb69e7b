"""Custom classifiers (grok, JSON path, CSV, XML): matching, schemas, order, and definition checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from glueworks.platform.crawlers import (
    ClassifierSpec,
    CrawlConfig,
    CrawlResult,
    CrawlTarget,
    DiscoveredTable,
    check_classifier,
    crawl,
)
from glueworks.platform.crawlers.grok import compile_grok

APACHE = (
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n'
    '10.0.0.7 - - [11/Oct/2000:09:01:02 +0000] "POST /login HTTP/1.1" 302 -\n'
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _crawl(root: Path, *specs: ClassifierSpec) -> CrawlResult:
    return crawl([CrawlTarget(str(root))], CrawlConfig(), specs)


def _one(result: CrawlResult) -> DiscoveredTable:
    assert result.errors == ()
    assert len(result.tables) == 1
    return result.tables[0]


def _types(table: DiscoveredTable) -> dict[str, str]:
    return {c["Name"]: c["Type"] for c in table.columns}


def test_grok_classifier_with_custom_pattern_and_types(tmp_path: Path) -> None:
    _write(tmp_path / "logs" / "app.log", "2024-01-02 INFO [api] took=12ms\n2024-01-03 WARN [db] took=1.5ms\n")
    spec = ClassifierSpec(
        "applog",
        "grok",
        {
            "Classification": "AppLog",
            "GrokPattern": r"%{DAY_ISO:day} %{LOGLEVEL:level} \[%{WORD:component}\] took=%{NUMBER:took:double}ms",
            "CustomPatterns": "# dates\nDAY_ISO %{YEAR}-%{MONTHNUM}-%{MONTHDAY}\n",
        },
    )
    table = _one(_crawl(tmp_path / "logs", spec))
    assert table.classification == "applog"
    assert _types(table) == {"day": "string", "level": "string", "component": "string", "took": "double"}
    assert table.serde["SerdeInfo"]["SerializationLibrary"] == "com.amazonaws.glue.serde.GrokSerDe"
    assert table.serde["SerdeInfo"]["Parameters"]["input.format"].startswith("%{DAY_ISO:day}")
    assert table.parameters["recordCount"] == "2"


def test_grok_base_patterns_expand_to_apache_fields(tmp_path: Path) -> None:
    _write(tmp_path / "web" / "access.log", APACHE)
    spec = ClassifierSpec("apache", "grok", {"Classification": "apache", "GrokPattern": "%{COMMONAPACHELOG}"})
    table = _one(_crawl(tmp_path / "web", spec))
    names = [c["Name"] for c in table.columns]
    assert names[:4] == ["clientip", "ident", "auth", "timestamp"]
    assert "response" in names and "bytes" in names


def test_grok_that_does_not_match_falls_through_to_builtins(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.json", '{"x": 1}\n')
    spec = ClassifierSpec("g", "grok", {"Classification": "never", "GrokPattern": "%{INT:n} %{INT:m}"})
    assert _one(_crawl(tmp_path / "t", spec)).classification == "json"


def test_grok_regex_is_a_full_python_translation() -> None:
    grok = compile_grok({"Classification": "c", "GrokPattern": "%{IPV4:ip} %{POSINT:port:int}"})
    assert grok.regex.fullmatch("192.168.0.1 8080") is not None
    assert grok.regex.fullmatch("192.168.0.300 8080") is None
    assert [f[1:] for f in grok.fields] == [("ip", "str"), ("port", "int")]


def test_json_path_classifier(tmp_path: Path) -> None:
    doc = {"meta": {"n": 2}, "records": [{"id": 1, "tags": ["a"]}, {"id": 2, "tags": []}, "skip-me"]}
    _write(tmp_path / "t" / "doc.json", json.dumps(doc, indent=2))
    spec = ClassifierSpec("records", "json", {"JsonPath": "$.records[*]"})
    table = _one(_crawl(tmp_path / "t", spec))
    assert table.classification == "json"
    assert _types(table) == {"id": "int", "tags": "array<string>"}
    assert table.serde["SerdeInfo"]["Parameters"] == {"jsonPath": "$.records[*]"}
    assert table.parameters["recordCount"] == "2"


def test_json_path_over_json_lines(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.json", '{"body": {"k": 1}}\n{"body": {"k": 2.5}}\n')
    table = _one(_crawl(tmp_path / "t", ClassifierSpec("b", "json", {"JsonPath": "$.body"})))
    assert _types(table) == {"k": "double"}


def test_csv_classifier_with_given_header_and_delimiter(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.txt", "alpha#1#2.5\nbeta#2#3.5\n")
    spec = ClassifierSpec(
        "hash",
        "csv",
        {"Delimiter": "#", "ContainsHeader": "ABSENT", "Header": ["Name", "N", "X"], "Serde": "LazySimpleSerDe"},
    )
    table = _one(_crawl(tmp_path / "t", spec))
    assert table.classification == "csv"
    assert _types(table) == {"name": "string", "n": "bigint", "x": "double"}
    assert table.parameters["delimiter"] == "#"
    assert table.serde["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "Parameters": {"field.delim": "#"},
    }


def test_csv_classifier_header_present_and_single_column(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.csv", "word\nalpha\nbeta\n")
    spec = ClassifierSpec("one", "csv", {"Delimiter": ",", "ContainsHeader": "PRESENT", "AllowSingleColumn": True})
    table = _one(_crawl(tmp_path / "t", spec))
    assert _types(table) == {"word": "string"}
    assert table.parameters["skip.header.line.count"] == "1"
    assert table.parameters["recordCount"] == "2"


def test_xml_classifier(tmp_path: Path) -> None:
    xml = (
        "<catalog>"
        '<book id="b1"><title>One</title><price>10.5</price><author>A</author><author>B</author></book>'
        '<book id="b2"><title>Two</title><price>7</price><author>C</author><pub><name>P</name></pub></book>'
        "</catalog>"
    )
    _write(tmp_path / "t" / "books.xml", xml)
    spec = ClassifierSpec("books", "xml", {"Classification": "xml", "RowTag": "book"})
    table = _one(_crawl(tmp_path / "t", spec))
    assert table.classification == "xml"
    types = _types(table)
    assert types["_id"] == "string" and types["title"] == "string" and types["price"] == "double"
    # One row has two authors (an array), the other one (a string): no common type, so string.
    assert types["author"] == "string"
    assert types["pub"] == "struct<name:string>"
    assert table.serde["SerdeInfo"]["Parameters"] == {"rowTag": "book"}


def test_custom_classifiers_are_tried_in_order(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.log", "1 2\n3 4\n")
    first = ClassifierSpec("first", "grok", {"Classification": "first", "GrokPattern": "%{INT:a} %{INT:b}"})
    second = ClassifierSpec("second", "grok", {"Classification": "second", "GrokPattern": "%{INT:a} %{INT:b}"})
    assert _one(_crawl(tmp_path / "t", first, second)).classification == "first"
    assert _one(_crawl(tmp_path / "t", second, first)).classification == "second"


@pytest.mark.parametrize(
    ("kind", "definition", "member"),
    [
        ("grok", {"Classification": "c", "GrokPattern": "%{NOPE:x}"}, "GrokPattern"),
        ("grok", {"Classification": "c", "GrokPattern": "%{INT:x:datetime}"}, "GrokPattern"),
        ("grok", {"Classification": "c", "GrokPattern": "(unclosed %{INT:x}"}, "GrokPattern"),
        ("grok", {"GrokPattern": "%{INT:x}"}, "Classification"),
        ("grok", {"Classification": "c", "GrokPattern": "%{A}", "CustomPatterns": "A %{B}\nB %{A}"}, "GrokPattern"),
        ("grok", {"Classification": "c", "GrokPattern": "%{A}", "CustomPatterns": "just-text"}, "CustomPatterns"),
        ("grok", {"Classification": "c", "GrokPattern": "%{A}", "CustomPatterns": "A (["}, "CustomPatterns"),
        ("json", {"JsonPath": "records[*]"}, "JsonPath"),
        ("json", {"JsonPath": "$.a[?(@.x)]"}, "JsonPath"),
        ("json", {}, "JsonPath"),
        ("csv", {"Delimiter": "ab"}, "Delimiter"),
        ("csv", {"Delimiter": ",", "QuoteSymbol": ","}, "QuoteSymbol"),
        ("csv", {"ContainsHeader": "MAYBE"}, "ContainsHeader"),
        ("csv", {"Header": ["a", "A"]}, "Header"),
        ("csv", {"Serde": "Fancy"}, "Serde"),
        ("xml", {"Classification": "x", "RowTag": "<row>"}, "RowTag"),
        ("xml", {"RowTag": "row"}, "Classification"),
        ("yaml", {}, "kind"),
    ],
)
def test_check_classifier_names_the_bad_member(kind: str, definition: dict[str, object], member: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(member)}"):
        check_classifier(ClassifierSpec("c", kind, definition))


def test_check_classifier_accepts_good_definitions() -> None:
    check_classifier(ClassifierSpec("g", "grok", {"Classification": "c", "GrokPattern": "%{COMBINEDAPACHELOG}"}))
    check_classifier(ClassifierSpec("j", "json", {"JsonPath": "$['a b'][*]"}))
    check_classifier(ClassifierSpec("c", "csv", {"Delimiter": "\t", "QuoteSymbol": "'"}))
    check_classifier(ClassifierSpec("x", "xml", {"Classification": "x", "RowTag": "ns:row"}))


def test_crawl_rejects_a_bad_classifier(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="JsonPath"):
        _crawl(tmp_path, ClassifierSpec("j", "json", {"JsonPath": "nope"}))
