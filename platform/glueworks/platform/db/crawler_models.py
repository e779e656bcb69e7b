"""Tables of crawlers, their crawls and custom classifiers. Every row carries ``tenant_id``.

A crawler's Glue definition (Targets, DatabaseName, SchemaChangePolicy, Configuration, ...) is kept as one JSON
document; the columns beside it are what the services look up, lock and change without rewriting it: state,
schedule, version, the last crawl. A crawl is one row per StartCrawler, from RUNNING to its end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from glueworks.platform.db.models import Base

__all__ = ["ClassifierRow", "CrawlRow", "CrawlerRow"]


class CrawlerRow(Base):
    """A crawler. ``state`` is READY, RUNNING or STOPPING; ``schedule_state`` SCHEDULED or NOT_SCHEDULED."""

    __tablename__ = "crawlers"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_crawlers_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    schedule_expression: Mapped[str | None] = mapped_column(String(512))
    schedule_state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    tags: Mapped[dict[str, str]]
    known_folders: Mapped[dict[str, Any]]
    current_crawl_id: Mapped[str | None] = mapped_column(String(64))
    creation_time: Mapped[datetime]
    last_updated: Mapped[datetime]


class CrawlRow(Base):
    """One crawl of a crawler: Glue's ``CrawlerHistory`` plus the counts GetCrawlerMetrics reports."""

    __tablename__ = "crawls"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    crawler_name: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]]
    error_message: Mapped[str | None] = mapped_column(Text)
    runtime_seconds: Mapped[float | None] = mapped_column(Float)
    tables_created: Mapped[int] = mapped_column(Integer, default=0)
    tables_updated: Mapped[int] = mapped_column(Integer, default=0)
    tables_deleted: Mapped[int] = mapped_column(Integer, default=0)


class ClassifierRow(Base):
    """A custom classifier: ``kind`` is grok, json, csv or xml; ``definition`` the Glue shape's members."""

    __tablename__ = "classifiers"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_classifiers_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    creation_time: Mapped[datetime]
    last_updated: Mapped[datetime]
