"""Clean sensor readings from CSV: drop unused columns, type the values, drop faulty readings.

A Glue-style script: it runs unchanged under glueworks (which provides the awsglue names) and
on AWS Glue. Output is Parquet partitioned by site.

    --JOB_NAME <name> --input_path <folder of CSV files> --output_path <folder for Parquet>
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import *  # noqa: F403 - the usual Glue preamble
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

# The sensor's operating range, in degrees Celsius.
MIN_C, MAX_C = -40.0, 85.0

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "output_path"])

sc = SparkContext.getOrCreate()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logger = glueContext.get_logger()

readings = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input_path"]], "recurse": True},
    format="csv",
    format_options={"withHeader": True, "separator": ",", "quoteChar": '"'},
    transformation_ctx="readings",
)

readings = DropFields.apply(frame=readings, paths=["firmware", "debug"], transformation_ctx="dropped")  # noqa: F405

# A faulty sensor writes "ERR": the column is a choice of double and string until it is cast;
# "ERR" becomes null.
readings = ResolveChoice.apply(  # noqa: F405
    frame=readings, specs=[("temperature_c", "cast:double")], transformation_ctx="resolved"
)

readings = ApplyMapping.apply(  # noqa: F405
    frame=readings,
    mappings=[
        ("sensor_id", "string", "sensor_id", "string"),
        ("site", "string", "site", "string"),
        ("reading_ts", "string", "reading_ts", "timestamp"),
        ("temperature_c", "double", "temperature_c", "double"),
        ("humidity_pct", "double", "humidity_pct", "double"),
    ],
    transformation_ctx="typed",
)

valid = Filter.apply(  # noqa: F405
    frame=readings,
    f=lambda r: r["temperature_c"] is not None and MIN_C <= r["temperature_c"] <= MAX_C,
    transformation_ctx="valid",
)

glueContext.write_dynamic_frame.from_options(
    frame=valid,
    connection_type="s3",
    connection_options={"path": args["output_path"], "partitionKeys": ["site"]},
    format="parquet",
    transformation_ctx="sink",
)
logger.info(f"{readings.errorsCount()} malformed CSV rows set aside")

job.commit()
