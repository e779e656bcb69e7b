"""The Glue JSON 1.1 front door: ``POST /`` for unmodified boto3 and AWS CLI clients."""

from glueworks.platform.api.glue.model import ServiceModel, glue_model
from glueworks.platform.api.glue.router import OPERATIONS, build_glue_router

__all__ = ["OPERATIONS", "ServiceModel", "build_glue_router", "glue_model"]
