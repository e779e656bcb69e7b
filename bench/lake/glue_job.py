"""The lake benchmark's pipeline as an AWS Glue script (runs unchanged under glueworks).

    --JOB_NAME <name> --input_path <folder of JSON lines> --output_path <folder>

Read JSON lines (malformed lines become error records), resolve the drifting ``amount`` to long,
ApplyMapping with casts, Filter, Relationalize ``items`` into a child table, give the child rows their
parent's ``date`` (a Join on the Relationalize key) and write both tables as Parquet partitioned by date.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping, DropFields, Filter, Join, ResolveChoice, SelectFields
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "output_path"])
# No SparkContext.getOrCreate(): where pyspark is installed (it is, for the Spark peer) the usual
# preamble would start a real JVM; glueworks ignores the context anyway.
glueContext = GlueContext()
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

events = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input_path"]], "recurse": True},
    format="json",
    transformation_ctx="events",
)
resolved = ResolveChoice.apply(frame=events, specs=[("amount", "cast:long")], transformation_ctx="resolved")
mapped = ApplyMapping.apply(
    frame=resolved,
    mappings=[
        ("event_id", "string", "id", "string"),
        ("event_type", "string", "event_type", "string"),
        ("ts", "string", "ts", "timestamp"),
        ("date", "string", "date", "string"),
        ("user.id", "long", "user_id", "long"),
        ("user.country", "string", "country", "string"),
        ("user.age", "int", "age", "int"),
        ("user.address.city", "string", "city", "string"),
        ("device.os", "string", "os", "string"),
        ("amount", "long", "amount", "long"),
        ("session_ms", "long", "session_ms", "long"),
        ("campaign.name", "string", "campaign", "string"),
        ("items", "array", "items", "array"),
    ],
    transformation_ctx="mapped",
)
kept = Filter.apply(
    frame=mapped,
    f=lambda r: r["event_type"] != "logout" and r["amount"] is not None and r["amount"] > 100,
    transformation_ctx="kept",
)
tables = kept.relationalize("root", args["output_path"] + "/_relationalize_tmp", transformation_ctx="tables")
root = tables.select("root")
child = tables.select("root_items")
# Relationalize's child rows carry only the parent's key: join it back to get their partition.
parent_dates = SelectFields.apply(frame=root, paths=["items", "date"], transformation_ctx="parent_dates")
child_dated = DropFields.apply(
    frame=Join.apply(frame1=child, frame2=parent_dates, keys1=["id"], keys2=["items"]),
    paths=["items"],
    transformation_ctx="child_dated",
)
for frame, name in ((root, "root"), (child_dated, "items")):
    glueContext.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": f"{args['output_path']}/{name}", "partitionKeys": ["date"]},
        format="parquet",
        transformation_ctx=f"write_{name}",
    )
job.commit()
