"""The crawl engine: walk include paths, classify files, infer schemas, decide tables and partitions.

The crawler service (Glue's crawler resources, runs and schedules) calls `crawl`; `check_classifier`
validates a custom classifier's definition before it is stored.
"""

from glueworks.platform.crawlers.classify import check_classifier
from glueworks.platform.crawlers.engine import crawl
from glueworks.platform.crawlers.model import (
    ClassifierSpec,
    CrawlConfig,
    CrawlFileError,
    CrawlResult,
    CrawlTarget,
    DiscoveredPartition,
    DiscoveredTable,
)

__all__ = [
    "ClassifierSpec",
    "CrawlConfig",
    "CrawlFileError",
    "CrawlResult",
    "CrawlTarget",
    "DiscoveredPartition",
    "DiscoveredTable",
    "check_classifier",
    "crawl",
]
