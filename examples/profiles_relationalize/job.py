"""Flatten nested user profiles into relational tables with Relationalize.

A Glue-style script: it runs unchanged under glueworks (which provides the awsglue names) and
on AWS Glue. Each table Relationalize makes (the root ``profiles`` plus one per array:
``profiles_phones``, ``profiles_tags``) is written as Parquet to ``<output_path>/<table>/``.

    --JOB_NAME <name> --input_path <JSON lines> --output_path <folder> --TempDir <folder>
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import *  # noqa: F403 - the usual Glue preamble
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "output_path", "TempDir"])

sc = SparkContext.getOrCreate()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logger = glueContext.get_logger()

profiles = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input_path"]]},
    format="json",
    transformation_ctx="profiles",
)
profiles.printSchema()

# Root table: structs become dotted columns (name.first, address.city), arrays become join keys.
# One more table per array: id (the key in the root), index (position) and the element (.val).
tables = Relationalize.apply(  # noqa: F405
    frame=profiles, staging_path=args["TempDir"], name="profiles", transformation_ctx="relationalized"
)

output = args["output_path"].rstrip("/")
for table_name in sorted(tables.keys()):
    table = tables.select(table_name)
    logger.info(f"{table_name}: {table.count()} rows")
    glueContext.write_dynamic_frame.from_options(
        frame=table,
        connection_type="s3",
        connection_options={"path": f"{output}/{table_name}"},
        format="parquet",
        transformation_ctx=f"write_{table_name}",
    )

job.commit()
