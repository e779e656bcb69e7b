"""The crawl engine on small trees: formats, compression, table/partition rules, exclusions, sampling."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import cramjam
import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from glueworks.platform.crawlers import CrawlConfig, CrawlResult, CrawlTarget, DiscoveredTable, crawl


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


def _jsonl(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def _run(root: Path, config: CrawlConfig | None = None, **target: object) -> CrawlResult:
    return crawl([CrawlTarget(str(root), **target)], config or CrawlConfig())  # type: ignore[arg-type]


def _tables(result: CrawlResult) -> dict[str, DiscoveredTable]:
    return {t.name: t for t in result.tables}


def _types(table: DiscoveredTable) -> dict[str, str]:
    return {c["Name"]: c["Type"] for c in table.columns}


def test_columnar_formats_by_magic_bytes(tmp_path: Path) -> None:
    data = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": ["a", "b", "c"], "score": [1.5, 2.5, None]})
    pq.write_table(data, _mkdir(tmp_path / "p") / "data")  # no extension: found by its magic bytes
    orc.write_table(data, str(_mkdir(tmp_path / "o") / "part.orc"))
    schema = {
        "type": "record",
        "name": "r",
        "fields": [{"name": "id", "type": "long"}, {"name": "tags", "type": {"type": "array", "items": "string"}}],
    }
    with open(_mkdir(tmp_path / "a") / "part.avro", "wb") as handle:
        fastavro.writer(handle, schema, [{"id": 1, "tags": ["x"]}, {"id": 2, "tags": []}])
    tables = _tables(_run(tmp_path))
    assert tables["p"].classification == "parquet"
    assert _types(tables["p"]) == {"id": "bigint", "name": "string", "score": "double"}
    assert tables["p"].parameters["recordCount"] == "3"
    assert tables["p"].serde["InputFormat"].endswith("MapredParquetInputFormat")
    assert tables["o"].classification == "orc"
    assert tables["o"].serde["SerdeInfo"]["SerializationLibrary"].endswith("OrcSerde")
    assert _types(tables["o"]) == {"id": "bigint", "name": "string", "score": "double"}
    assert tables["a"].classification == "avro"
    assert _types(tables["a"]) == {"id": "bigint", "tags": "array<string>"}
    assert tables["a"].parameters["recordCount"] == "2"


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_large_parquet_file_is_read_from_its_footer(tmp_path: Path) -> None:
    big = pa.table({"n": pa.array(range(300_000), pa.int64()), "s": [str(i) for i in range(300_000)]})
    pq.write_table(big, _mkdir(tmp_path / "big") / "part.parquet", compression="none")
    assert (tmp_path / "big" / "part.parquet").stat().st_size > (1 << 20)
    table = _tables(_run(tmp_path / "big"))["big"]
    assert table.parameters["recordCount"] == "300000"


def test_compressed_text_files(tmp_path: Path) -> None:
    records = [{"k": i, "v": f"x{i}"} for i in range(5)]
    _write(tmp_path / "g" / "a.json.gz", gzip.compress(_jsonl(records).encode()))
    _write(tmp_path / "b" / "a.csv.bz2", bz2.compress(b"k,v\n1,x\n2,y\n"))
    _write(tmp_path / "z" / "a.json.zst", bytes(cramjam.zstd.compress(_jsonl(records).encode())))
    _write(tmp_path / "bad" / "a.json.gz", gzip.compress(_jsonl(records).encode())[:-12])
    result = _run(tmp_path)
    tables = _tables(result)
    assert tables["g"].parameters["compressionType"] == "gzip"
    assert _types(tables["g"]) == {"k": "int", "v": "string"}
    assert tables["g"].parameters["recordCount"] == "5"
    assert tables["b"].parameters["compressionType"] == "bzip2"
    assert _types(tables["b"]) == {"k": "bigint", "v": "string"}
    assert tables["z"].parameters["compressionType"] == "zstd"
    assert "bad" not in tables
    assert [e.path for e in result.errors] == [str(tmp_path / "bad" / "a.json.gz")]
    assert "gzip" in result.errors[0].reason


def test_large_gzip_file_is_sampled_by_prefix(tmp_path: Path) -> None:
    lines = [{"id": i, "pad": "p" * 40} for i in range(60_000)]
    _write(tmp_path / "t" / "big.json.gz", gzip.compress(_jsonl(lines).encode(), compresslevel=1))
    config = CrawlConfig(max_prefix_bytes=64 * 1024, max_records=10_000)
    table = _tables(_run(tmp_path / "t", config))["t"]
    estimate = int(table.parameters["recordCount"])
    # Estimated from the sampled prefix, so close to but not exactly the real count.
    assert 40_000 < estimate < 90_000
    assert _types(table) == {"id": "int", "pad": "string"}


def test_csv_header_rule_and_delimiters(tmp_path: Path) -> None:
    _write(tmp_path / "with_header" / "a.csv", "id|name|score\n1|a|2.5\n2|b|3\n")
    _write(tmp_path / "strings_only" / "a.csv", "a;b\nc;d\ne;f\n")
    _write(tmp_path / "quoted" / "a.csv", 'id,text\n1,"x, y"\n2,"z"\n')
    tables = _tables(_run(tmp_path))
    header = tables["with_header"]
    assert _types(header) == {"id": "bigint", "name": "string", "score": "double"}
    assert header.parameters["delimiter"] == "|"
    assert header.parameters["skip.header.line.count"] == "1"
    plain = tables["strings_only"]
    # Every column holds strings throughout: the first row is data, columns are col0, col1.
    assert [c["Name"] for c in plain.columns] == ["col0", "col1"]
    assert "skip.header.line.count" not in plain.parameters
    assert plain.parameters["recordCount"] == "3"
    quoted = tables["quoted"]
    assert quoted.serde["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert quoted.parameters["areColumnsQuoted"] == "true"


def test_json_documents_and_nested_types(tmp_path: Path) -> None:
    doc = {"a": {"b": 1, "c": [1, 2]}, "d": [{"e": "x"}], "big": 2**40}
    _write(tmp_path / "doc" / "one.json", json.dumps(doc, indent=2))
    _write(tmp_path / "arr" / "one.json", json.dumps([{"x": 1}, {"x": 2}], indent=2))
    _write(tmp_path / "mixed" / "a.json", _jsonl([{"v": 1}, {"v": "s"}, {"v": None}, {"w": None}]))
    tables = _tables(_run(tmp_path))
    assert _types(tables["doc"]) == {
        "a": "struct<b:int,c:array<int>>",
        "d": "array<struct<e:string>>",
        "big": "bigint",
    }
    # Glue's built-in classifier reads a top-level array as one column named "array".
    assert _types(tables["arr"]) == {"array": "array<struct<x:int>>"}
    # A number and a string have no common type in the catalog: string; never-set fields are strings too.
    assert _types(tables["mixed"]) == {"v": "string", "w": "string"}


def test_unpartitioned_folders_become_partition_n(tmp_path: Path) -> None:
    for region in ("eu", "us"):
        for day in ("01", "02"):
            _write(tmp_path / "sales" / region / day / "f.json", _jsonl([{"id": 1, "amt": 2}]))
    tables = _tables(_run(tmp_path / "sales"))
    sales = tables["sales"]
    assert [k["Name"] for k in sales.partition_keys] == ["partition_0", "partition_1"]
    assert {p.values for p in sales.partitions} == {("eu", "01"), ("eu", "02"), ("us", "01"), ("us", "02")}
    assert sales.location == f"{tmp_path}/sales/"


def test_incompatible_siblings_split_and_combine_merges_them(tmp_path: Path) -> None:
    _write(tmp_path / "root" / "year=2017" / "a.json", _jsonl([{"a": 1, "b": 2}]))
    _write(tmp_path / "root" / "year=2018" / "a.json", _jsonl([{"c": 1, "d": 2}]))
    split = _tables(_run(tmp_path / "root"))
    assert set(split) == {"year_2017", "year_2018"}
    combined = _tables(_run(tmp_path / "root", CrawlConfig(combine_compatible_schemas=True)))
    assert set(combined) == {"root"}
    assert [c["Name"] for c in combined["root"].columns] == ["a", "b", "c", "d"]
    assert [k["Name"] for k in combined["root"].partition_keys] == ["year"]


def test_formats_never_share_a_table(tmp_path: Path) -> None:
    _write(tmp_path / "mix" / "a.json", _jsonl([{"a": 1}]))
    _write(tmp_path / "mix" / "b.csv", "a,b\n1,x\n2,y\n")
    result = _run(tmp_path / "mix")
    assert sorted(t.classification for t in result.tables) == ["csv", "json"]
    names = [t.name for t in result.tables]
    assert len(set(names)) == 2 and all(n.startswith("mix_") for n in names)


def test_similar_schemas_make_one_table(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "p1" / "a.json", _jsonl([{"a": 1, "b": 2, "c": 3}]))
    _write(tmp_path / "t" / "p2" / "a.json", _jsonl([{"a": 1, "b": 2, "c": 3, "d": 4}]))
    _write(tmp_path / "t" / "p3" / "a.json", _jsonl([{"a": 1, "b": 2, "x": 3}]))
    tables = _tables(_run(tmp_path / "t"))
    # Two of three column sets are similar to the most common one: a majority, so one table.
    assert set(tables) == {"t"}
    assert len(tables["t"].partitions) == 3


def test_table_level_prefix_and_names(tmp_path: Path) -> None:
    for name in ("Sales-EU", "Sales-US"):
        _write(tmp_path / "lake" / name / "dt=1" / "a.json", _jsonl([{"id": 1}]))
    level = len(tmp_path.parts) - 1 + 2  # the folders Sales-EU and Sales-US
    result = _run(tmp_path / "lake", CrawlConfig(table_level=level, table_prefix="Raw_"))
    tables = _tables(result)
    assert set(tables) == {"raw_sales_eu", "raw_sales_us"}
    assert tables["raw_sales_eu"].location == f"{tmp_path}/lake/Sales-EU/"
    assert [k["Name"] for k in tables["raw_sales_eu"].partition_keys] == ["dt"]


def test_hidden_names_exclusions_and_sample_size(tmp_path: Path) -> None:
    root = tmp_path / "t"
    for i in range(6):
        _write(root / "dt=1" / f"part-{i}.json", _jsonl([{"id": i, "pad": "x" * 10}] * 2))
    _write(root / "dt=1" / "_SUCCESS", "")
    _write(root / "dt=1" / ".part-0.json.crc", "garbage")
    _write(root / "_glueworks_staging" / "x.json", "not json {")
    _write(root / "dt=1" / "notes.txt", "free text that is no format")
    _write(root / "logs" / "x" / "a.log", "also not data")
    # Past the sample (files are taken in name order): never read, so its corruption goes unseen.
    _write(root / "dt=1" / "part-9.json", '{"id": ')
    result = _run(root, exclusions=("**.txt", "logs/**"), sample_size=2)
    assert result.errors == ()
    table = _tables(result)["t"]
    assert table.parameters["objectCount"] == "7"
    # Two files read, five counted; their records estimated from the average record size.
    size = sum(p.stat().st_size for p in (root / "dt=1").glob("part-*.json"))
    per_record = (root / "dt=1" / "part-0.json").stat().st_size / 2
    assert table.parameters["recordCount"] == str(round(size / per_record))
    assert result.files_scanned == 7


def test_exclusion_braces_and_question_mark(tmp_path: Path) -> None:
    for name in ("a1", "a2", "b1", "c1"):
        _write(tmp_path / "t" / "k=v" / f"{name}.json", _jsonl([{"x": 1}]))
    result = _run(tmp_path / "t", exclusions=("k=v/{a?,b*}.json",))
    assert result.files_scanned == 1


def test_unknown_files_are_errors(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.json", _jsonl([{"x": 1}]))
    _write(tmp_path / "t" / "b.bin", bytes(range(256)))
    _write(tmp_path / "t" / "empty.json", "")
    _write(tmp_path / "t" / "deep.json", "[" * 100_000 + "]" * 100_000 + "\n")
    result = _run(tmp_path / "t")
    assert sorted(e.path.rsplit("/", 1)[-1] for e in result.errors) == ["b.bin", "deep.json", "empty.json"]
    assert all(e.reason for e in result.errors)
    assert _tables(result)["t"].parameters["objectCount"] == "1"


def test_progress_is_reported_and_can_abort(tmp_path: Path) -> None:
    for i in range(3):
        _write(tmp_path / "t" / f"p={i}" / "a.json", _jsonl([{"x": 1}]))
    seen: list[int] = []
    crawl([CrawlTarget(str(tmp_path / "t"))], CrawlConfig(max_parallelism=2), progress=seen.append)
    assert seen[-1] == 3 and seen == sorted(seen)

    class Stop(Exception):
        pass

    def stop(done: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        crawl([CrawlTarget(str(tmp_path / "t"))], CrawlConfig(), progress=stop)


def test_multiple_targets(tmp_path: Path) -> None:
    _write(tmp_path / "one" / "a.json", _jsonl([{"x": 1}]))
    _write(tmp_path / "two" / "a.csv", "a,b\n1,2\n3,4\n")
    result = crawl([CrawlTarget(str(tmp_path / "one")), CrawlTarget(str(tmp_path / "two"))], CrawlConfig())
    assert {t.name: t.classification for t in result.tables} == {"one": "json", "two": "csv"}


def test_bad_executor(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="executor"):
        crawl([CrawlTarget(str(tmp_path))], CrawlConfig(executor="spark"))


def test_hive_values_are_url_decoded(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "city=New%20York" / "a.json", _jsonl([{"x": 1}]))
    _write(tmp_path / "t" / "city=Paris" / "a.json", _jsonl([{"x": 2}]))
    table = _tables(_run(tmp_path / "t"))["t"]
    assert {p.values for p in table.partitions} == {("New York",), ("Paris",)}
    assert {p.location for p in table.partitions} == {f"{tmp_path}/t/city=New%20York/", f"{tmp_path}/t/city=Paris/"}


def test_known_folders_accept_either_slash_form(tmp_path: Path) -> None:
    for day in ("1", "2", "3"):
        _write(tmp_path / "t" / f"d={day}" / "a.json", _jsonl([{"x": 1}]))
    known = frozenset({f"{tmp_path}/t", f"{tmp_path}/t/d=1/", f"{tmp_path}/t/d=2"})
    result = _run(tmp_path / "t", CrawlConfig(known_folders=known))
    assert [(t.name, [p.values for p in t.partitions]) for t in result.tables] == [("t", [("3",)])]
    assert _run(tmp_path / "t", CrawlConfig(known_folders=known | {f"{tmp_path}/t/d=3/"})).tables == ()
