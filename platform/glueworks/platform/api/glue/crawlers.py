"""Glue crawler and classifier operations: the crawler's definition, crawls, metrics, schedules, classifiers.

Each handler hands Glue's validated input to the crawler or classifier service and returns Glue's output shape;
the rules (states, targets, policies, schedules) live in the services. ``CatalogId`` on CreateCrawler/UpdateCrawler
must name the default catalog.
"""

from __future__ import annotations

from typing import Any

from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.context import Platform
from glueworks.platform.services.catalog import check_catalog

__all__ = ["CRAWLER_OPERATIONS"]


# -- crawlers --------------------------------------------------------------------------------------------


def create_crawler(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.crawlers.create(tenant, params)
    return {}


def get_crawler(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"Crawler": platform.crawlers.get(tenant, params["Name"])}


def get_crawlers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.crawlers.page(tenant, params.get("MaxResults"), params.get("NextToken"))
    return compact({"Crawlers": rows, "NextToken": token})


def batch_get_crawlers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    found, missing = platform.crawlers.batch_get(tenant, params["CrawlerNames"])
    return {"Crawlers": found, "CrawlersNotFound": missing}


def list_crawlers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    names, token = platform.crawlers.names(
        tenant, params.get("Tags"), params.get("MaxResults"), params.get("NextToken")
    )
    return compact({"CrawlerNames": names, "NextToken": token})


def update_crawler(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    check_catalog(params.get("CatalogId"))
    platform.crawlers.update(tenant, params)
    return {}


def delete_crawler(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.crawlers.delete(tenant, params["Name"])
    return {}


def start_crawler(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.crawlers.start(tenant, params["Name"])
    return {}


def stop_crawler(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.crawlers.stop(tenant, params["Name"])
    return {}


def get_crawler_metrics(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.crawlers.metrics(
        tenant, params.get("CrawlerNameList"), params.get("MaxResults"), params.get("NextToken")
    )
    return compact({"CrawlerMetricsList": rows, "NextToken": token})


def list_crawls(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.crawlers.crawls(
        tenant, params["CrawlerName"], params.get("Filters"), params.get("MaxResults"), params.get("NextToken")
    )
    return compact({"Crawls": rows, "NextToken": token})


def start_crawler_schedule(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.crawlers.start_schedule(tenant, params["CrawlerName"])
    return {}


def stop_crawler_schedule(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.crawlers.stop_schedule(tenant, params["CrawlerName"])
    return {}


def update_crawler_schedule(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.crawlers.update_schedule(tenant, params["CrawlerName"], params.get("Schedule"))
    return {}


# -- classifiers -----------------------------------------------------------------------------------------


def create_classifier(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.classifiers.create(tenant, params)
    return {}


def get_classifier(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"Classifier": platform.classifiers.get(tenant, params["Name"])}


def get_classifiers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.classifiers.page(tenant, params.get("MaxResults"), params.get("NextToken"))
    return compact({"Classifiers": rows, "NextToken": token})


def update_classifier(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.classifiers.update(tenant, params)
    return {}


def delete_classifier(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.classifiers.delete(tenant, params["Name"])
    return {}


CRAWLER_OPERATIONS: dict[str, Handler] = {
    "BatchGetCrawlers": batch_get_crawlers,
    "CreateClassifier": create_classifier,
    "CreateCrawler": create_crawler,
    "DeleteClassifier": delete_classifier,
    "DeleteCrawler": delete_crawler,
    "GetClassifier": get_classifier,
    "GetClassifiers": get_classifiers,
    "GetCrawler": get_crawler,
    "GetCrawlerMetrics": get_crawler_metrics,
    "GetCrawlers": get_crawlers,
    "ListCrawlers": list_crawlers,
    "ListCrawls": list_crawls,
    "StartCrawler": start_crawler,
    "StartCrawlerSchedule": start_crawler_schedule,
    "StopCrawler": stop_crawler,
    "StopCrawlerSchedule": stop_crawler_schedule,
    "UpdateClassifier": update_classifier,
    "UpdateCrawler": update_crawler,
    "UpdateCrawlerSchedule": update_crawler_schedule,
}
