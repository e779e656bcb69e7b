"""Output models of the crawler REST API `/v1/crawlers` and `/v1/classifiers`.

The server speaks Glue's crawler shapes with snake_case member names (`targets.s3_targets`,
`last_crawl.status`). The members a caller reads most are typed here; deeper shapes (`targets`, policies)
stay plain dicts, exactly as the server sent them. Every model allows unknown fields (`model.model_extra`).
"""

from __future__ import annotations

from typing import Any

from glueworks.sdk.models import UtcDatetime, _Output

__all__ = [
    "Classifier",
    "ClassifierList",
    "Crawl",
    "CrawlList",
    "CrawlStarted",
    "Crawler",
    "CrawlerDeleted",
    "CrawlerList",
    "CrawlerMetrics",
    "CrawlerSchedule",
    "LastCrawl",
]


class CrawlerSchedule(_Output):
    """A crawler's schedule: a Glue cron expression and whether it is SCHEDULED."""

    schedule_expression: str | None = None
    state: str | None = None


class LastCrawl(_Output):
    """How the crawler's latest crawl ended: `status` is SUCCEEDED, CANCELLED or FAILED."""

    status: str | None = None
    error_message: str | None = None
    message_prefix: str | None = None
    start_time: UtcDatetime | None = None


class Crawler(_Output):
    """A crawler (Glue `Crawler`); `state` is READY, RUNNING or STOPPING."""

    name: str
    role: str | None = None
    database_name: str | None = None
    description: str | None = None
    targets: dict[str, Any] | None = None
    classifiers: list[str] | None = None
    table_prefix: str | None = None
    schema_change_policy: dict[str, Any] | None = None
    recrawl_policy: dict[str, Any] | None = None
    configuration: str | None = None
    state: str | None = None
    schedule: CrawlerSchedule | None = None
    crawl_elapsed_time: int | None = None
    creation_time: UtcDatetime | None = None
    last_updated: UtcDatetime | None = None
    last_crawl: LastCrawl | None = None
    version: int | None = None

    @property
    def paths(self) -> list[str]:
        """The paths of the crawler's S3 (or local folder) targets."""
        return [str(t.get("path")) for t in (self.targets or {}).get("s3_targets") or []]


class CrawlerList(_Output):
    """One page of crawlers; pass `next_token` back for the next page (None on the last page)."""

    crawlers: list[Crawler]
    next_token: str | None = None


class CrawlerDeleted(_Output):
    """Body returned when a crawler or a classifier is deleted."""

    name: str


class CrawlStarted(_Output):
    """Body returned by StartCrawler: the crawl runs in the background."""

    name: str
    crawl_id: str


class Crawl(_Output):
    """One crawl (Glue `CrawlerHistory`); `state` is RUNNING, COMPLETED, FAILED or STOPPED.

    `summary` counts what the crawl did: `{"TABLE": {"ADD": {"Count": 2}}, "PARTITION": {...},
    "FILE_ERRORS": {"Count": 1, "Files": [{"Path": ..., "Reason": ...}]}, ...}`.
    """

    crawl_id: str
    state: str
    start_time: UtcDatetime | None = None
    end_time: UtcDatetime | None = None
    summary: dict[str, Any] | None = None
    error_message: str | None = None
    dpu_hour: float | None = None


class CrawlList(_Output):
    """One page of crawls, newest first."""

    crawls: list[Crawl]
    next_token: str | None = None


class CrawlerMetrics(_Output):
    """Glue `CrawlerMetrics` of one crawler (the counts are those of its latest completed crawl)."""

    crawler_name: str
    time_left_seconds: float = 0.0
    still_estimating: bool = False
    last_runtime_seconds: float = 0.0
    median_runtime_seconds: float = 0.0
    tables_created: int = 0
    tables_updated: int = 0
    tables_deleted: int = 0


class Classifier(_Output):
    """A custom classifier: exactly one of the four members is set, as in Glue's `Classifier`."""

    grok_classifier: dict[str, Any] | None = None
    xml_classifier: dict[str, Any] | None = None
    json_classifier: dict[str, Any] | None = None
    csv_classifier: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        """`grok`, `xml`, `json` or `csv`."""
        for kind in ("grok", "xml", "json", "csv"):
            if getattr(self, f"{kind}_classifier") is not None:
                return kind
        return "unknown"

    @property
    def body(self) -> dict[str, Any]:
        """The members of the one classifier set (`name`, `classification`, `version`...)."""
        return dict(getattr(self, f"{self.kind}_classifier", None) or {})

    @property
    def name(self) -> str:
        return str(self.body.get("name", ""))


class ClassifierList(_Output):
    """One page of classifiers."""

    classifiers: list[Classifier]
    next_token: str | None = None
