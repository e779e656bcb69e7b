"""PySpark ``local[N]`` (Glue's engine), DataFrames; the session start is the set-up time.

Closest honest equivalent: lines are read as text and parsed with ``from_json`` in PERMISSIVE mode with
a corrupt-record column; a line is quarantined when it is corrupt, is not an object (no ``event_id``),
is not valid UTF-8 (``is_valid_utf8``: Spark's text reader keeps the raw bytes and its JSON parser
accepts them) or does not end with ``}`` (Spark's parser stops after the first object and ignores
trailing garbage; this check is a heuristic that fits this data).
``amount`` is read as a string (Spark keeps a number's text) and ``try_cast`` to bigint. ``items`` is
pivoted with ``posexplode``. The parsed lines are cached, as a Spark user would, since three actions
(count, two writes) use them. Spark's default partitioned write makes up to tasks x partitions files.
"""

from __future__ import annotations

import sys

from _common import DROP_EVENT_TYPE, MIN_AMOUNT, Clock, parse_args, write_result


def main() -> int:
    clock = Clock()
    args = parse_args()
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark = (
        SparkSession.builder.master(f"local[{args.workers}]")
        .appName("lake")
        .config("spark.driver.memory", "4g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(args.workers * 2))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    clock.setup_finished()
    schema = T.StructType(
        [
            T.StructField("event_id", T.StringType()),
            T.StructField("event_type", T.StringType()),
            T.StructField("ts", T.StringType()),
            T.StructField("date", T.StringType()),
            T.StructField(
                "user",
                T.StructType(
                    [
                        T.StructField("id", T.LongType()),
                        T.StructField("country", T.StringType()),
                        T.StructField("age", T.IntegerType()),
                        T.StructField("address", T.StructType([T.StructField("city", T.StringType())])),
                    ]
                ),
            ),
            T.StructField("device", T.StructType([T.StructField("os", T.StringType())])),
            T.StructField(
                "items",
                T.ArrayType(
                    T.StructType(
                        [
                            T.StructField("sku", T.StringType()),
                            T.StructField("qty", T.LongType()),
                            T.StructField("price", T.DoubleType()),
                        ]
                    )
                ),
            ),
            T.StructField("amount", T.StringType()),
            T.StructField("session_ms", T.LongType()),
            T.StructField("campaign", T.StructType([T.StructField("name", T.StringType())])),
            T.StructField("_corrupt", T.StringType()),
        ]
    )
    lines = spark.read.text(str(args.input)).filter(F.length(F.trim("value")) > 0)
    parsed = lines.select(
        F.col("value"),
        F.from_json("value", schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt"}).alias("r"),
    )
    bad = (
        F.col("r._corrupt").isNotNull()
        | F.col("r.event_id").isNull()
        | ~F.expr("is_valid_utf8(value)")
        | ~F.rtrim("value").endswith("}")
    )
    flagged = parsed.select(bad.alias("bad"), "r.*").cache()
    malformed = flagged.filter("bad").count()
    kept = (
        flagged.filter(~F.col("bad"))
        .withColumn("amount", F.expr("try_cast(amount AS BIGINT)"))
        .filter((F.col("event_type") != DROP_EVENT_TYPE) & (F.col("amount") > MIN_AMOUNT))
        .select(
            F.col("event_id").alias("id"),
            "event_type",
            F.to_timestamp("ts").alias("ts"),
            "date",
            F.col("user.id").alias("user_id"),
            F.col("user.country").alias("country"),
            F.col("user.age").alias("age"),
            F.col("user.address.city").alias("city"),
            F.col("device.os").alias("os"),
            "amount",
            "session_ms",
            F.col("campaign.name").alias("campaign"),
            "items",
        )
    )
    kept.drop("items").write.mode("overwrite").partitionBy("date").parquet(str(args.output / "root"))
    child = kept.select("id", "date", F.posexplode("items").alias("index", "item")).select(
        "id", "date", "index", "item.sku", "item.qty", "item.price"
    )
    child.write.mode("overwrite").partitionBy("date").parquet(str(args.output / "items"))
    write_result(args, clock, int(malformed))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
