"""The forwarding file (``QUANTRAC_FORWARD_FILE``): where received station files are relayed.

Read with the same ``${ENV}``-expanding reader as the sources file; secrets stay ``SecretStr``.
Example::

    defaults: {send_interval_seconds: 60, reconcile_every_hours: 6, reconcile_lookback_hours: 48,
               reconcile_cap: 720, lag_alert_minutes: 30}
    destinations:
      - id: ministry
        type: ftp                 # or ftps (explicit TLS)
        host: ftp.envisoft.gov.vn
        user: ${QUANTRAC_MINISTRY_FTP_USER}
        password: ${QUANTRAC_MINISTRY_FTP_PASSWORD}
        root: /
        folder: "{kind}/{station}/{yyyy}/{MM}/{dd}"
        kinds: [air, wastewater, fluegas]   # default: all
        stations: null                       # default: all
        content: raw              # or canonical
        start: "2026-12-01"       # local date (or date-time); earlier data are not forwarded
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from service.config_files import fill_unset, require_unique
from service.sources_config import read_yaml_with_env
from stations.config_fields import AtLeastOne, NonNegativeInt, Positive
from stations.errors import InvalidRequest
from stations.forward.route import KIND_FOLDERS, Route, check_template
from stations.forward.sender import RetryPolicy
from stations.forward.transport import FtpEndpoint
from stations.timeutil import VN_OFFSET


class ForwardDefaults(BaseModel):
    """Timing and limits for every destination (each may override)."""

    model_config = ConfigDict(extra="forbid")
    send_interval_seconds: Positive = 60
    batch_files: int = Field(500, ge=1, le=20_000)
    timeout_seconds: Positive = 30
    max_attempts: int = Field(10, ge=1, le=1000)
    backoff_seconds: NonNegativeInt = 30
    max_backoff_seconds: NonNegativeInt = 3600
    reconcile_every_hours: Positive = 6
    reconcile_lookback_hours: Positive = 48
    reconcile_cap: AtLeastOne = 720
    lag_alert_minutes: Positive = 30


class DestinationConfig(BaseModel):
    """One destination."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    type: Literal["ftp", "ftps"] = "ftp"
    host: str
    port: int = Field(21, ge=1, le=65535)
    user: str = "anonymous"
    password: SecretStr = SecretStr("")
    passive: bool = True
    tls_ca_file: Path | None = None  # ftps: trust this CA instead of the system's (a private CA)
    root: str = "/"
    folder: str = "{kind}/{station}/{yyyy}/{MM}/{dd}"
    kind_folders: dict[str, str] = Field(default_factory=lambda: dict(KIND_FOLDERS))
    stations: list[str] | None = None
    kinds: list[str] | None = None
    content: Literal["raw", "canonical"] = "raw"
    start: date | datetime | None = None
    enabled: bool = True
    # Per-destination overrides of the defaults.
    send_interval_seconds: Positive | None = None
    batch_files: int | None = Field(None, ge=1, le=20_000)
    timeout_seconds: Positive | None = None
    max_attempts: int | None = Field(None, ge=1, le=1000)
    backoff_seconds: NonNegativeInt | None = None
    max_backoff_seconds: NonNegativeInt | None = None
    reconcile_every_hours: Positive | None = None
    reconcile_lookback_hours: Positive | None = None
    reconcile_cap: AtLeastOne | None = None
    lag_alert_minutes: Positive | None = None

    @field_validator("folder")
    @classmethod
    def _template(cls, value: str) -> str:
        check_template(value)
        return value


class ForwardFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")
    defaults: ForwardDefaults = Field(default_factory=ForwardDefaults)
    destinations: list[DestinationConfig] = Field(default_factory=list)

    def effective(self, d: DestinationConfig) -> DestinationConfig:
        """``d`` with every unset override taken from the defaults."""
        return fill_unset(d, self.defaults)

    def get(self, dest_id: str) -> DestinationConfig:
        """The destination with this id (InvalidRequest naming the known ones otherwise)."""
        for d in self.destinations:
            if d.id == dest_id:
                return d
        known = [d.id for d in self.destinations]
        raise InvalidRequest(f"không có nơi nhận / unknown destination {dest_id!r}; known: {known}")


def load_forwarding(path: Path, env: dict[str, str] | None = None) -> ForwardFile:
    """Read and validate the forwarding file; errors name the field, never a secret."""
    parsed = read_yaml_with_env(path, ForwardFile, "forwarding file", env)
    require_unique(path, "destination ids", [d.id for d in parsed.destinations])
    return ForwardFile(
        defaults=parsed.defaults, destinations=[parsed.effective(d) for d in parsed.destinations]
    )


def _start_epoch(start: date | datetime | None) -> int:
    if start is None:
        return 0
    if not isinstance(start, datetime):
        start = datetime.combine(start, time(0))
    return int((start if start.tzinfo else start.replace(tzinfo=VN_OFFSET)).timestamp())


def route_of(d: DestinationConfig) -> Route:
    """The stations-layer route of a destination."""
    return Route(
        id=d.id,
        folder=d.folder,
        root=d.root,
        stations=frozenset(d.stations) if d.stations is not None else None,
        kinds=frozenset(d.kinds) if d.kinds is not None else None,
        start_at=_start_epoch(d.start),
        content=d.content,
        kind_folders=dict(d.kind_folders),
    )


def endpoint_of(d: DestinationConfig) -> FtpEndpoint:
    """Connection settings of a destination."""
    return FtpEndpoint(
        host=d.host,
        port=d.port,
        user=d.user,
        password=d.password.get_secret_value(),
        tls=d.type == "ftps",
        passive=d.passive,
        timeout_s=d.timeout_seconds or 30,
        ca_file=str(d.tls_ca_file) if d.tls_ca_file else None,
    )


def policy_of(d: DestinationConfig) -> RetryPolicy:
    """Retry policy of a destination."""
    return RetryPolicy(
        max_attempts=d.max_attempts or 10,
        backoff_s=d.backoff_seconds if d.backoff_seconds is not None else 30,
        max_backoff_s=d.max_backoff_seconds if d.max_backoff_seconds is not None else 3600,
    )
