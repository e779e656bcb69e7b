"""DuckDB: ``read_json`` with an explicit schema, ``COPY … PARTITION_BY (date)``.

Closest honest equivalent of the pipeline: ``amount`` is read as VARCHAR (DuckDB keeps a number's text)
and ``TRY_CAST`` to BIGINT; ``ignore_errors`` turns each malformed line into an all-null row, which is
counted and left out (DuckDB has no raw text of the bad line to keep). ``items`` is unnested with its
position, as Relationalize's child table.
"""

from __future__ import annotations

import sys

from _common import DROP_EVENT_TYPE, MIN_AMOUNT, Clock, parse_args, write_result

COLUMNS = (
    "{event_id: 'VARCHAR', event_type: 'VARCHAR', ts: 'VARCHAR', date: 'VARCHAR', "
    "user: 'STRUCT(id BIGINT, country VARCHAR, age INTEGER, address STRUCT(city VARCHAR, zip VARCHAR))', "
    "device: 'STRUCT(os VARCHAR, version VARCHAR)', items: 'STRUCT(sku VARCHAR, qty BIGINT, price DOUBLE)[]', "
    "tags: 'VARCHAR[]', amount: 'VARCHAR', session_ms: 'VARCHAR', campaign: 'STRUCT(id BIGINT, name VARCHAR)'}"
)


def main() -> int:
    clock = Clock()
    args = parse_args()
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {args.workers}")
    con.execute("SET preserve_insertion_order = false")
    clock.setup_finished()
    source = str(args.input / "*")
    con.execute(
        f"""CREATE TEMP TABLE raw AS SELECT * FROM read_json('{source}', format = 'newline_delimited',
        ignore_errors = true, columns = {COLUMNS})"""
    )
    malformed = con.execute("SELECT count(*) FROM raw WHERE event_id IS NULL").fetchone()[0]  # type: ignore[index]
    con.execute(
        f"""CREATE TEMP TABLE kept AS SELECT event_id AS id, event_type, CAST(ts AS TIMESTAMPTZ) AS ts, date,
        user.id AS user_id, user.country AS country, user.age AS age, user.address.city AS city,
        device.os AS os, TRY_CAST(amount AS BIGINT) AS amount, TRY_CAST(session_ms AS BIGINT) AS session_ms,
        campaign.name AS campaign, items
        FROM raw WHERE event_id IS NOT NULL AND event_type <> '{DROP_EVENT_TYPE}'
        AND TRY_CAST(amount AS BIGINT) > {MIN_AMOUNT}"""
    )
    root = args.output / "root"
    items = args.output / "items"
    con.execute(
        f"""COPY (SELECT * EXCLUDE (items) FROM kept) TO '{root}'
        (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (date))"""
    )
    con.execute(
        f"""COPY (SELECT id, date, index, item.sku AS sku, item.qty AS qty, item.price AS price FROM
        (SELECT id, date, unnest(items) AS item, unnest(range(len(items))) AS index FROM kept))
        TO '{items}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (date))"""
    )
    write_result(args, clock, int(malformed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
