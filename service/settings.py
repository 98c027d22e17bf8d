"""Service settings (pydantic-settings, prefix ``QUANTRAC_``). Only ``service/`` reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be told through the environment or a ``.env`` file.

    The defaults run the Lạng Sơn demo with zero configuration: a SQLite file under
    ``data_dir``, the web service on 127.0.0.1:8000.
    """

    model_config = SettingsConfigDict(
        env_prefix="QUANTRAC_",
        env_file=".env",
        env_nested_delimiter="__",
        extra="ignore",
    )

    data_dir: Path = Field(Path("var"), description="raw-file archive, quarantine, SQLite, caches")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/quantrac.db. "
        "postgresql+psycopg://user@host/db selects PostgreSQL/PostGIS.",
    )
    display_tz: str = Field("Asia/Ho_Chi_Minh", description="time zone for display")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    access_log: bool = Field(True, description="one log line per HTTP request (uvicorn)")
    keep_alive_seconds: int = Field(
        30,
        ge=1,
        le=600,
        description="idle HTTP keep-alive; longer than clients' pauses, so a reused connection "
        "is not closed under a request",
    )
    public_url: str | None = Field(
        None, description="base URL used in links sent by e-mail; default http://host:port"
    )
    scheduler_enabled: bool = Field(True, description="run the polling/alert scheduler in-process")
    sources_file: Path | None = Field(
        None, description="YAML file listing the polled sources (FTP, folder, HTTP)"
    )
    offline_after_intervals: int = Field(
        3, ge=1, description="a station is offline after this many missed expected intervals"
    )

    # Alert delivery (see docs/alerts.md). Rules, recipient lists and webhooks live in a YAML file
    # so the duty roster can change without a restart of the code; secrets stay in the env.
    alerts_file: Path | None = Field(None, description="YAML: alert rules, recipients, webhooks")
    smtp_host: str | None = Field(None, description="SMTP server for alert e-mail")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "quantrac@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key for webhooks")

    # Accounts and access (see docs/security.md).
    auth_enabled: bool = Field(True, description="require login; False only for local trials")
    public_read: bool = Field(
        False, description="anonymous visitors may read the map, layers and AQI (read-only)"
    )
    secret_key: SecretStr | None = Field(
        None, description="key that signs session cookies; generated under data_dir if unset"
    )

    # Compliance engine (docs/compliance.md).
    compliance_near_fraction: float = Field(
        0.9, gt=0, lt=1, description="near-limit from this share of a limit"
    )
    compliance_hysteresis: float = Field(
        0.05, ge=0, lt=0.5, description="an exceedance closes at or below (1 - h) x limit"
    )
    compliance_o2_constant: float = Field(
        21.0, ge=20.5, le=21.0, description="O2 correction constant (21 or 20.9)"
    )
    # VN_WQI aggregation (stations/data/wqi/aggregation.csv, docs/programme.md): QĐ 1460's text
    # was not read; implementations use either core, so the choice is explicit and reported.
    wqi_formula: Literal["cube_root", "square_root"] = Field(
        "cube_root", description="VN_WQI core: cube_root [IV²·V]^(1/3) or square_root [IV·V]^(1/2)"
    )

    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="trusted reverse proxies (comma-separated addresses or networks, '*' for "
        "any): only their X-Forwarded-For/-Proto headers are believed",
    )
    # Forwarding to the national system (docs/forwarding.md).
    forward_file: Path | None = Field(
        None, description="YAML file listing the forwarding destinations (FTP/FTPS)"
    )

    log_format: Literal["text", "json"] = Field(
        "text", description="json: one JSON object per log line"
    )

    # Public portal (/public, docs/public-portal.md): what is disclosed and how it is served.
    public_fluegas: Literal["status", "values", "hidden"] = Field(
        "status", description="stacks on /public: compliance status only, values too, or hidden"
    )
    public_wastewater: Literal["status", "values", "hidden"] = Field(
        "status", description="wastewater on /public: status only, values too, or hidden"
    )
    public_aqi_max_age_minutes: int = Field(
        180, ge=60, description="an hourly AQI older than this shows 'no data' on /public"
    )
    public_requests_per_minute: int = Field(
        600, ge=1, description="per client address on /public (429 beyond it)"
    )
    public_licence: str = Field("CC BY 4.0", description="licence of the open-data downloads")
    public_attribution: str = Field(
        "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn", description="attribution of /public data"
    )
    # Basemap through our caching tile proxy (/public/basemap/{z}/{x}/{y}.png): browsers never
    # ask the upstream themselves. Empty URL = no basemap (outlines only).
    basemap_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png", description="XYZ upstream template"
    )
    basemap_attribution: str = Field(
        "© OpenStreetMap contributors", description="shown under every map using the basemap"
    )
    basemap_user_agent: str = Field(
        "quantrac/0.1 (So NN&MT Lang Son environmental monitoring)",
        description="identifying User-Agent the upstream's usage policy asks for",
    )
    basemap_cache_days: int = Field(30, ge=1, description="a cached tile is refetched after this")
    basemap_min_zoom: int = Field(6, ge=0, le=22)
    basemap_max_zoom: int = Field(17, ge=0, le=22)
    basemap_bounds: tuple[float, float, float, float] = Field(
        (105.9, 21.2, 107.5, 22.6), description="lon/lat box served (the province and a margin)"
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def db_url(self) -> str:
        """The effective database URL."""
        return self.database_url or f"sqlite:///{self.data_dir / 'quantrac.db'}"

    @property
    def base_url(self) -> str:
        """The public base URL for links (no trailing slash)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
