"""REST ``/v1/crawlers`` and ``/v1/classifiers``: crawlers, their crawls and schedules, and custom classifiers.

Bodies are Glue's shapes with snake_case member names (``targets.s3_targets[0].path``,
``schema_change_policy.update_behavior``), translated through botocore's Glue model and checked by the same
model checks as the Glue door, so both doors accept exactly the same input. A crawl's ``summary`` is a JSON
object here (the Glue door sends it as a JSON string, as Glue does).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query

from glueworks.platform.api.glue.model import glue_model
from glueworks.platform.api.rest.catalog import to_pascal, to_snake
from glueworks.platform.api.rest.router import MaxResults, Tenant
from glueworks.platform.context import Platform

__all__ = ["build_crawlers_router"]

Body = dict[str, Any]


def _checked(operation: str, body: Body, **others: Any) -> dict[str, Any]:
    """A snake_case body as the Glue input of ``operation``, checked by the model like a Glue request."""
    shape_name = glue_model().input_shape_name(operation) or f"{operation}Request"
    params = to_pascal(shape_name, body, "")
    checked: dict[str, Any] = glue_model().validate_input(operation, {**params, **others})
    return checked


def _crawl(shape: dict[str, Any]) -> Body:
    crawl: Body = dict(to_snake("CrawlerHistory", shape))
    if "summary" in crawl:
        crawl["summary"] = json.loads(crawl["summary"])
    return crawl


def build_crawlers_router(platform: Platform) -> APIRouter:
    """The router serving ``/v1/crawlers`` and ``/v1/classifiers``."""
    router = APIRouter(prefix="/v1")
    crawlers = platform.crawlers
    classifiers = platform.classifiers

    def crawler(tenant_id: str, name: str) -> Body:
        return dict(to_snake("Crawler", crawlers.get(tenant_id, name)))

    @router.post("/crawlers", status_code=201, tags=["crawlers"])
    def create_crawler(body: Body, tenant_id: Tenant) -> Body:
        """Create a crawler (Glue ``CreateCrawler`` members in snake_case: ``name``, ``role``, ``targets``...)."""
        params = _checked("CreateCrawler", body)
        crawlers.create(tenant_id, params)
        return crawler(tenant_id, params["Name"])

    @router.get("/crawlers", tags=["crawlers"])
    def list_crawlers(tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None) -> Body:
        rows, token = crawlers.page(tenant_id, max_results, next_token)
        return {"crawlers": [to_snake("Crawler", row) for row in rows], "next_token": token}

    @router.get("/crawlers/{name}", tags=["crawlers"])
    def get_crawler(name: str, tenant_id: Tenant) -> Body:
        return crawler(tenant_id, name)

    @router.patch("/crawlers/{name}", tags=["crawlers"])
    def update_crawler(name: str, body: Body, tenant_id: Tenant) -> Body:
        """Change the members given (Glue ``UpdateCrawler``); the others keep their values."""
        crawlers.update(tenant_id, _checked("UpdateCrawler", body, Name=name))
        return crawler(tenant_id, name)

    @router.delete("/crawlers/{name}", tags=["crawlers"])
    def delete_crawler(name: str, tenant_id: Tenant) -> Body:
        crawlers.delete(tenant_id, name)
        return {"name": name}

    @router.post("/crawlers/{name}/start", status_code=202, tags=["crawlers"])
    def start_crawler(name: str, tenant_id: Tenant) -> Body:
        """Start a crawl in the background; returns its ``crawl_id``."""
        crawl_id = crawlers.start(tenant_id, name)
        return {"name": name, "crawl_id": crawl_id}

    @router.post("/crawlers/{name}/stop", tags=["crawlers"])
    def stop_crawler(name: str, tenant_id: Tenant) -> Body:
        crawlers.stop(tenant_id, name)
        return crawler(tenant_id, name)

    @router.get("/crawlers/{name}/crawls", tags=["crawlers"])
    def list_crawls(
        name: str,
        tenant_id: Tenant,
        state: Annotated[str | None, Query(description="RUNNING, COMPLETED, FAILED or STOPPED")] = None,
        max_results: MaxResults = None,
        next_token: str | None = None,
    ) -> Body:
        filters = [{"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": state}] if state else None
        rows, token = crawlers.crawls(tenant_id, name, filters, max_results, next_token)
        return {"crawls": [_crawl(row) for row in rows], "next_token": token}

    @router.get("/crawlers/{name}/metrics", tags=["crawlers"])
    def crawler_metrics(name: str, tenant_id: Tenant) -> Body:
        crawlers.get(tenant_id, name)  # raises the not-found error
        rows, _ = crawlers.metrics(tenant_id, [name], None, None)
        return dict(to_snake("CrawlerMetrics", rows[0]))

    @router.put("/crawlers/{name}/schedule", tags=["crawlers"])
    def update_schedule(name: str, body: Body, tenant_id: Tenant) -> Body:
        """Set (``{"schedule": "cron(...)"}``) or remove (``{"schedule": null}``) the crawler's schedule."""
        params = _checked("UpdateCrawlerSchedule", body, CrawlerName=name)
        crawlers.update_schedule(tenant_id, name, params.get("Schedule"))
        return crawler(tenant_id, name)

    @router.post("/crawlers/{name}/schedule/start", tags=["crawlers"])
    def start_schedule(name: str, tenant_id: Tenant) -> Body:
        crawlers.start_schedule(tenant_id, name)
        return crawler(tenant_id, name)

    @router.post("/crawlers/{name}/schedule/stop", tags=["crawlers"])
    def stop_schedule(name: str, tenant_id: Tenant) -> Body:
        crawlers.stop_schedule(tenant_id, name)
        return crawler(tenant_id, name)

    # -- classifiers -------------------------------------------------------------------------------------

    @router.post("/classifiers", status_code=201, tags=["classifiers"])
    def create_classifier(body: Body, tenant_id: Tenant) -> Body:
        """Create a classifier: one of ``grok_classifier``, ``xml_classifier``, ``json_classifier``,
        ``csv_classifier`` with Glue's members in snake_case."""
        params = _checked("CreateClassifier", body)
        classifiers.create(tenant_id, params)
        name = next(value["Name"] for value in params.values() if isinstance(value, dict))
        return dict(to_snake("Classifier", classifiers.get(tenant_id, name)))

    @router.get("/classifiers", tags=["classifiers"])
    def list_classifiers(tenant_id: Tenant, max_results: MaxResults = None, next_token: str | None = None) -> Body:
        rows, token = classifiers.page(tenant_id, max_results, next_token)
        return {"classifiers": [to_snake("Classifier", row) for row in rows], "next_token": token}

    @router.get("/classifiers/{name}", tags=["classifiers"])
    def get_classifier(name: str, tenant_id: Tenant) -> Body:
        return dict(to_snake("Classifier", classifiers.get(tenant_id, name)))

    @router.patch("/classifiers/{name}", tags=["classifiers"])
    def update_classifier(name: str, body: Body, tenant_id: Tenant) -> Body:
        """Change the members given: ``{"grok_classifier": {"grok_pattern": "..."}}`` (the kind cannot change)."""
        named = {key: {"name": name, **value} if isinstance(value, dict) else value for key, value in body.items()}
        classifiers.update(tenant_id, _checked("UpdateClassifier", named))
        return dict(to_snake("Classifier", classifiers.get(tenant_id, name)))

    @router.delete("/classifiers/{name}", tags=["classifiers"])
    def delete_classifier(name: str, tenant_id: Tenant) -> Body:
        classifiers.delete(tenant_id, name)
        return {"name": name}

    return router
