"""Request metrics (Prometheus text format, no extra dependency) and JSON log lines.

Request counts and latencies are kept per process and labelled by the *route template*
(``/api/stations/{station_id}/readings``), never the raw path, so label cardinality stays
bounded however many stations exist. Requests that match no route share ``route="<none>"``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def escape_label(value: str) -> str:
    """Escape a label value for the exposition format."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def labels(**pairs: object) -> str:
    """``{a="1",b="x"}`` (empty string for no labels)."""
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{escape_label(str(v))}"' for k, v in pairs.items())
    return "{" + inner + "}"


@dataclass
class RequestMetrics:
    """Counters and a latency histogram per (method, route, status)."""

    _counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    _hist: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # buckets+sum+count
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        with self._lock:
            key = (method, route, str(status))
            self._counts[key] = self._counts.get(key, 0) + 1
            hist = self._hist.setdefault((method, route), [0.0] * (len(BUCKETS) + 3))
            hist[bisect_left(BUCKETS, seconds)] += 1  # index len(BUCKETS) = above the last
            hist[-2] += seconds
            hist[-1] += 1

    def exposition(self) -> Iterable[str]:
        """The metrics as Prometheus text-format lines."""
        with self._lock:
            counts = dict(self._counts)
            hists = {k: list(v) for k, v in self._hist.items()}
        yield "# HELP quantrac_http_requests_total HTTP requests by method, route and status."
        yield "# TYPE quantrac_http_requests_total counter"
        for (method, route, status), count in sorted(counts.items()):
            tags = labels(method=method, route=route, status=status)
            yield f"quantrac_http_requests_total{tags} {count}"
        name = "quantrac_http_request_duration_seconds"
        yield f"# HELP {name} Time to answer HTTP requests, by method and route."
        yield f"# TYPE {name} histogram"
        for (method, route), hist in sorted(hists.items()):
            cumulative = 0.0
            for bound, n in zip((*BUCKETS, float("inf")), hist[: len(BUCKETS) + 1], strict=True):
                cumulative += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                yield f"{name}_bucket{labels(method=method, route=route, le=le)} {cumulative:g}"
            yield f"{name}_sum{labels(method=method, route=route)} {hist[-2]:.6f}"
            yield f"{name}_count{labels(method=method, route=route)} {hist[-1]:g}"


class MetricsMiddleware:
    """Times every HTTP request and records it in a :class:`RequestMetrics`."""

    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<none>"
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - started)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time (UTC ISO 8601), level, logger, message, extras."""

    _STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int, log_format: str) -> None:
    """Log to stderr: plain text lines, or JSON lines when ``log_format`` is ``json``."""
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    if log_format == "json":
        configure_json_logging(level)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON lines (``QUANTRAC_LOG_FORMAT=json``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
