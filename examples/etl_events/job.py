"""Clean click-stream events and write them as Parquet partitioned by day.

A Glue-style script: it runs unchanged under glueworks (which provides the awsglue names) and
needs only its three arguments:

    --JOB_NAME <name> --input_path <folder of JSON lines> --output_path <folder for Parquet>
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import *  # noqa: F403 - the usual Glue preamble
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "output_path"])

sc = SparkContext.getOrCreate()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logger = glueContext.get_logger()

events = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input_path"]], "recurse": True},
    format="json",
    transformation_ctx="events",
)

# session_ms is a number in most records and a string in others: settle it as a long
# ("n/a" becomes null).
resolved = ResolveChoice.apply(  # noqa: F405
    frame=events, specs=[("session_ms", "cast:long")], transformation_ctx="resolved"
)

mapped = ApplyMapping.apply(  # noqa: F405
    frame=resolved,
    mappings=[
        ("event_id", "string", "id", "string"),
        ("event_type", "string", "event_type", "string"),
        ("ts", "string", "ts", "timestamp"),
        ("dt", "string", "dt", "string"),
        ("user.id", "long", "user_id", "long"),
        ("user.country", "string", "country", "string"),
        ("user.address.city", "string", "city", "string"),
        ("amount", "double", "amount", "decimal(12,2)"),
        ("session_ms", "long", "session_ms", "long"),
    ],
    transformation_ctx="mapped",
)

kept = Filter.apply(  # noqa: F405
    frame=mapped,
    f=lambda event: event["event_type"] != "logout" and event["amount"] > 1,
    transformation_ctx="kept",
)

glueContext.write_dynamic_frame.from_options(
    frame=kept,
    connection_type="s3",
    connection_options={"path": args["output_path"], "partitionKeys": ["dt"]},
    format="parquet",
    transformation_ctx="sink",
)
logger.info(f"wrote events to {args['output_path']}; {events.errorsCount()} malformed input lines set aside")

job.commit()
