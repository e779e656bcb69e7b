"""Paid orders per day, enriched with the customer, written as Parquet partitioned by day.

A Glue-style script: it runs unchanged under glueworks (which provides the awsglue names) and
on AWS Glue. Arguments:

    --JOB_NAME <name> --orders_path <folder of JSON lines> --customers_path <JSON lines file>
    --output_path <folder for Parquet>
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import *  # noqa: F403 - the usual Glue preamble
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "orders_path", "customers_path", "output_path"])

sc = SparkContext.getOrCreate()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logger = glueContext.get_logger()

orders = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["orders_path"]], "recurse": True},
    format="json",
    transformation_ctx="orders",
)
customers = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["customers_path"]]},
    format="json",
    transformation_ctx="customers",
)

# total is a number in most orders and a string in some ("12.50", "n/a"): settle it as a double;
# strings that are not numbers become null.
orders = ResolveChoice.apply(frame=orders, specs=[("total", "cast:double")], transformation_ctx="resolved")  # noqa: F405

# Keep only what the report needs (items is dropped), with proper types.
orders = ApplyMapping.apply(  # noqa: F405
    frame=orders,
    mappings=[
        ("order_id", "string", "order_id", "string"),
        ("customer_id", "long", "customer_id", "long"),
        ("status", "string", "status", "string"),
        ("order_ts", "string", "order_ts", "timestamp"),
        ("order_date", "string", "order_date", "string"),
        ("total", "double", "total", "decimal(12,2)"),
    ],
    transformation_ctx="mapped",
)

paid = Filter.apply(  # noqa: F405
    frame=orders, f=lambda order: order["status"] == "paid" and order["total"] is not None, transformation_ctx="paid"
)

# The customer key gets its own name, so the joined frame has one customer_id column.
customers = ApplyMapping.apply(  # noqa: F405
    frame=customers,
    mappings=[
        ("customer_id", "long", "cust_id", "long"),
        ("name", "string", "customer_name", "string"),
        ("country", "string", "country", "string"),
        ("tier", "string", "tier", "string"),
    ],
    transformation_ctx="customers_mapped",
)
enriched = Join.apply(paid, customers, "customer_id", "cust_id", transformation_ctx="joined")  # noqa: F405
enriched = DropFields.apply(frame=enriched, paths=["cust_id"], transformation_ctx="enriched")  # noqa: F405

glueContext.write_dynamic_frame.from_options(
    frame=enriched,
    connection_type="s3",
    connection_options={"path": args["output_path"], "partitionKeys": ["order_date"]},
    format="parquet",
    transformation_ctx="sink",
)
logger.info(f"wrote paid orders to {args['output_path']}; {orders.errorsCount()} malformed order lines set aside")

job.commit()
