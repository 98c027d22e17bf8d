"""What one running quantrac process holds, typed and built once.

``create_app()`` builds a :class:`Runtime` for the web service, ``quantrac worker`` and the CLI
build one for the scheduler. Everything routes and jobs share lives here as a typed field
(no dict of extras, nothing created on first use), and :meth:`Runtime.after_ingest` runs the
after-ingest chain of :mod:`service.worker.after_ingest` in its written order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from layers.registry import BuildContext
from layers.snapshot import SnapshotCache
from layers.tiles import TileCache
from service.alerting.config import config_from_settings
from service.alerting.runtime import AlertRuntime
from service.answer_cache import AnswerCache
from service.auth.observability import RequestMetrics
from service.auth.ratelimit import LoginRateLimiter
from service.auth.secret import load_secret_key
from service.public.state import PublicState
from service.settings import Settings
from service.worker.after_ingest import AFTER_INGEST, AfterIngestStep, run_chain
from stations.compliance.engine import EngineOptions
from stations.ingest.model import Spans
from stations.timeutil import now_epoch

if TYPE_CHECKING:  # service.forwarding imports this module
    from service.forwarding import Forwarding


@dataclass
class SourceStatus:
    """The last poll outcome of one source (for monitoring; never holds credentials)."""

    ok: bool
    at: int
    files: int = 0
    failed: int = 0
    error: str | None = None


def compliance_options(settings: Settings) -> EngineOptions:
    """Compliance engine options from settings."""
    return EngineOptions(
        near_fraction=settings.compliance_near_fraction,
        hysteresis=settings.compliance_hysteresis,
        o2_constant=settings.compliance_o2_constant,
    )


def _snapshot_cache(settings: Settings, engine: Engine) -> SnapshotCache:
    tz = ZoneInfo(settings.display_tz)
    return SnapshotCache(
        engine, lambda: BuildContext(now_epoch(), tz, settings.offline_after_intervals)
    )


@dataclass
class Runtime:
    """Settings, engine and every per-process object shared by routes, jobs and the CLI."""

    settings: Settings
    engine: Engine
    alerts: AlertRuntime = field(init=False)
    snapshots: SnapshotCache = field(init=False)
    compliance: EngineOptions = field(init=False)
    tiles: TileCache = field(default_factory=TileCache)
    # raster id -> (checked at, generation, raster path, imported at); see routes/layers.py
    tile_sources: dict[str, tuple[float, Any, str | None, Any]] = field(default_factory=dict)
    # (layer, with results) -> (snapshot key, body, gzip body); see routes/map.py
    slim_layers: dict[tuple[str, bool], tuple[Any, bytes, bytes]] = field(default_factory=dict)
    # finished readings answers keyed by request and data version; see routes/readings.py
    readings_answers: AnswerCache = field(default_factory=AnswerCache)
    # station id -> (registry revision, site) for readings answers; see web/readings_window.py
    readings_sites: dict[str, tuple[int, Any]] = field(default_factory=dict)
    request_metrics: RequestMetrics = field(default_factory=RequestMetrics)
    login_limiter: LoginRateLimiter = field(default_factory=LoginRateLimiter)
    source_status: dict[str, SourceStatus] = field(default_factory=dict)
    steps: tuple[AfterIngestStep, ...] = AFTER_INGEST
    public: PublicState = field(init=False)  # issue 18: the portal's cache, limit, tile proxy
    # Built by service.forwarding.forwarding_for: a bad forwarding file must not stop the app.
    forwarding: Forwarding | None = field(default=None, repr=False)
    _secret_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.compliance = compliance_options(self.settings)
        self.snapshots = _snapshot_cache(self.settings, self.engine)
        self.alerts = AlertRuntime(self.settings, self.engine, config_from_settings(self.settings))
        # Before open maps are told that alerts changed, the live layer snapshots catch up.
        self.alerts.before_notify = self.snapshots.refresh_live
        self.public = PublicState.build(self)

    def after_ingest(self, spans: Spans, timings: dict[str, float] | None = None) -> None:
        """Run the after-ingest chain once over committed batches, in written order."""
        run_chain(self, self.steps, spans, timings)

    def ingest_hook(self, _engine: Engine, spans: Spans) -> None:
        """The chain in the pipeline's hook shape ``hook(engine, spans)``."""
        self.after_ingest(spans)

    @property
    def secret_key(self) -> bytes:
        """The signing key (configured, or loaded/created in the data folder once)."""
        if self._secret_key is None:
            configured = self.settings.secret_key
            self._secret_key = load_secret_key(
                configured.get_secret_value() if configured else None, self.settings.data_dir
            )
        return self._secret_key
