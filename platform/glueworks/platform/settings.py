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


class SchedulerSettings(BaseModel):
    reconcile_interval: float = Field(
        default=1.0, gt=0, description="Seconds between reconciler passes over non-terminal runs."
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
