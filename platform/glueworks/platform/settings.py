"""One settings tree for the platform, read from ``GLUEWORKS_*`` environment variables.

Nesting uses ``__``: ``GLUEWORKS_DATABASE__URL``, ``GLUEWORKS_RAY__ADDRESS``. Nothing here is read at import
time; call :func:`load_settings` (or build :class:`Settings` directly in tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TENANT = "default"


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Unset means a SQLite file `glueworks.db` in the data directory.",
    )
    echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")


class RaySettings(BaseModel):
    address: str = Field(
        default="local",
        description=(
            "`local`: the platform starts a Ray head in its own process, owns it and stops it on exit. "
            "Anything else is passed to `ray.init(address=...)`, e.g. `127.0.0.1:6379` or `auto`."
        ),
    )
    num_cpus: int | None = Field(default=None, description="CPUs of the local head (local mode); unset = all.")
    warm_drivers: int = Field(
        default=2,
        ge=0,
        description="Job driver processes kept started and imported ahead of demand, so a run starts in ms.",
    )
    object_store_memory: int | None = Field(
        default=None, description="Bytes for the local head's object store (local mode); unset = Ray's default."
    )


class S3Settings(BaseModel):
    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint for s3:// paths (a self-hosted MinIO, Ceph or moto); unset = AWS."
    )
    region: str | None = Field(default=None, description="Region of the S3 endpoint.")
    access_key_id: str | None = Field(default=None, description="Access key id; unset = the default AWS chain.")
    secret_access_key: SecretStr | None = Field(default=None, description="Secret key; never logged.")

    def fsspec_options(self) -> dict[str, object]:
        """Keyword arguments for ``fsspec.filesystem("s3", ...)`` (s3fs)."""
        options: dict[str, object] = {}
        client: dict[str, str] = {}
        if self.endpoint_url:
            client["endpoint_url"] = self.endpoint_url
        if self.region:
            client["region_name"] = self.region
        if client:
            options["client_kwargs"] = client
        if self.access_key_id:
            options["key"] = self.access_key_id
        if self.secret_access_key is not None:
            options["secret"] = self.secret_access_key.get_secret_value()
        return options


class StorageSettings(BaseModel):
    root: str | None = Field(
        default=None,
        description="fsspec URL for scripts, logs, error records and staging. Unset = `<data_dir>/storage`.",
    )
    allowed_file_roots: list[str] = Field(
        default_factory=list,
        description=(
            "Local folders a user may name in `file://` script locations and job paths. "
            "Empty = the storage root and the folder the platform was started in."
        ),
    )
    s3: S3Settings = Field(default_factory=S3Settings, description="How s3:// paths are reached.")

    def fsspec_options(self) -> dict[str, dict[str, object]]:
        """Filesystem options per protocol, for the platform and for the jobs it runs."""
        s3 = self.s3.fsspec_options()
        return {"s3": s3} if s3 else {}


class AuthSettings(BaseModel):
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Tenant name -> API key. Empty is allowed only in embedded mode (one default tenant).",
    )
    run_token_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Secret that signs the run-scoped tokens job drivers use to reach the catalog. "
            "Unset = a random secret per platform process (tokens end with it)."
        ),
    )


class QuerySettings(BaseModel):
    default_max_rows: int = Field(default=1000, ge=1, description="Rows a SQL query returns when it asks for none.")
    max_rows_cap: int = Field(default=100_000, ge=1, description="Most rows a SQL query may ask for.")
    default_timeout: float = Field(default=30.0, gt=0, description="Seconds a SQL query may run when it asks for none.")
    max_timeout: float = Field(default=300.0, gt=0, description="Most seconds a SQL query may ask for.")
    threads: int = Field(default=2, ge=1, description="DuckDB threads per query.")
    memory_limit: str = Field(default="1GB", description="DuckDB memory limit per query (e.g. `512MB`).")


class SchedulerSettings(BaseModel):
    reconcile_interval: float = Field(
        default=1.0, gt=0, description="Seconds between reconciler passes over non-terminal runs."
    )
    # Run lifecycle (retries, queuing, timeouts): see services/runs.py.
    retry_base_delay: float = Field(
        default=10.0, ge=0, description="Seconds before the first retry of a failed run; doubles per attempt."
    )
    retry_max_delay: float = Field(default=300.0, ge=0, description="Cap in seconds on the delay before a retry.")
    cpu_overcommit: float = Field(
        default=4.0,
        gt=0,
        description=(
            "STANDARD runs start while the CPUs their capacity asks (at most the cluster's) sum to at most this many "
            "times the cluster's CPUs; beyond it runs wait (WAITING). FLEX runs start only on truly free CPUs."
        ),
    )
    timeout_minute_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds per minute of a run's Timeout. A test aid only: tests shrink it to see TIMEOUT fast.",
    )
    # Triggers and workflows: see glueworks/platform/scheduling/scheduler.py.
    enabled: bool = Field(
        default=True,
        description="Run the trigger scheduler's thread in the server process (see `role`).",
    )
    role: Literal["all", "dispatch"] = Field(
        default="all",
        description=(
            "`all`: the server fires triggers and starts their actions. `dispatch`: it only starts actions, and "
            "separate `glueworks scheduler` processes fire triggers."
        ),
    )
    interval: float = Field(default=1.0, gt=0, description="Seconds between scheduler passes.")
    lease_seconds: float = Field(
        default=15.0, gt=0, description="SQLite: how long the leading scheduler's lease lasts without renewal."
    )
    catch_up_window: float = Field(
        default=3600.0,
        ge=0,
        description="Seconds: after downtime, missed cron ticks this recent are all fired; older ones are skipped.",
    )
    min_interval_minutes: int = Field(
        default=5, ge=0, description="Refuse cron schedules firing more often than this (Glue's minimum: 5; 0 = off)."
    )


class CrawlerSettings(BaseModel):
    max_concurrent_crawls: int = Field(
        default=2, ge=1, description="Crawls that run at the same time; more wait their turn (still RUNNING)."
    )
    executor: Literal["local", "ray"] = Field(
        default="local", description="`local`: crawls read files on platform threads. `ray`: in Ray tasks."
    )
    max_parallelism: int = Field(default=2, ge=1, description="Threads (or Ray tasks in flight) of one crawl.")


class NotificationSettings(BaseModel):
    """Webhooks that receive run state-change events (Glue's EventBridge shape); see services/events.py."""

    webhooks: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Webhook URLs per tenant id (more can be added through REST /v1/webhooks).",
    )
    timeout: float = Field(default=5.0, gt=0, description="Seconds one webhook POST may take.")
    max_attempts: int = Field(default=5, ge=1, description="Attempts per delivery before it is recorded FAILED.")
    backoff_base: float = Field(default=1.0, ge=0, description="Seconds before the 2nd attempt; doubles per attempt.")
    backoff_cap: float = Field(default=60.0, ge=0, description="Cap in seconds on the delay between attempts.")
    poll_interval: float = Field(default=0.5, gt=0, description="Seconds between delivery passes.")
    output_sweep_interval: float = Field(
        default=5.0, gt=0, description="Seconds between passes that publish committed outputs and clean staging."
    )


class Settings(BaseSettings):
    """The platform's settings; see each field's description."""

    model_config = SettingsConfigDict(env_prefix="GLUEWORKS_", env_nested_delimiter="__", extra="forbid")

    mode: Literal["embedded", "cluster"] = Field(
        default="embedded",
        description="`embedded`: one process, one default tenant, no API key on loopback. `cluster`: multi-tenant.",
    )
    data_dir: Path = Field(
        default=Path(".glueworks"), description="Folder for the SQLite file and local storage (embedded defaults)."
    )
    host: str = Field(default="127.0.0.1", description="Interface `glueworks server` binds.")
    port: int = Field(default=8080, ge=0, le=65535, description="Port `glueworks server` binds (0 = any free).")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    ray: RaySettings = Field(default_factory=RaySettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    crawlers: CrawlerSettings = Field(default_factory=CrawlerSettings)
    query: QuerySettings = Field(default_factory=QuerySettings, description="SQL over catalog tables (/v1/query).")
    api_url: str | None = Field(
        default=None,
        description=(
            "URL job drivers use to reach this API (the catalog from job scripts). "
            "Unset = http://<host>:<port> (the embedded server's own loopback URL)."
        ),
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.mode == "cluster":
            if not self.auth.api_keys:
                raise ValueError("mode=cluster needs auth.api_keys (GLUEWORKS_AUTH__API_KEYS); refusing open access")
            if self.database_url.startswith("sqlite"):
                raise ValueError("mode=cluster needs a PostgreSQL database.url; SQLite is for embedded mode")
        elif self.host not in ("127.0.0.1", "localhost", "::1") and not self.auth.api_keys:
            raise ValueError(
                f"host={self.host!r} exposes the API beyond loopback without API keys; set auth.api_keys"
            )
        return self

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'glueworks.db').resolve()}"

    @property
    def storage_root(self) -> str:
        return self.storage.root or str((self.data_dir / "storage").resolve())

    def file_roots(self) -> list[Path]:
        roots = self.storage.allowed_file_roots or [self.storage_root, str(Path.cwd())]
        return [Path(r).resolve() for r in roots if "://" not in r]


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with keyword overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
