"""Public answers as ready bytes: JSON, gzip, ETag and Last-Modified, rebuilt only when the data
behind them changes, and written as files the reverse proxy serves (``<data_dir>/public``).

The layer snapshots carry the data fingerprint (readings, AQI, compliance events, the minute):
when their keys are unchanged nothing is read. A rebuild whose content equals the previous one
keeps the old bytes, ETag and Last-Modified, so clients and the proxy see no change.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import math
import os
import threading
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from layers.errors import UnknownCollection
from service.public.content import Disclosure, Inputs, build_document
from stations.store.compliance import latest_aqi, latest_daily_aqi
from stations.timeutil import now_epoch

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger(__name__)
MAX_EXTRA = 256  # bounded per-station answers (week charts, widgets) per data change


@dataclass(frozen=True, slots=True)
class Entry:
    """One public answer."""

    body: bytes
    gz: bytes
    etag: str
    modified: int  # UTC epoch seconds of the last content change
    media_type: str = "application/json"

    @property
    def last_modified(self) -> str:
        """The HTTP date of ``modified``."""
        return formatdate(self.modified, usegmt=True)


def encode(obj: Any, modified: int, media_type: str = "application/json") -> Entry:
    """Serialise once: compact UTF-8 JSON, its gzip, a strong ETag from the content."""
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return entry_for(body, modified, media_type)


def entry_for(body: bytes, modified: int, media_type: str) -> Entry:
    """An entry for bytes already encoded."""
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    gz = gzip.compress(body, compresslevel=6, mtime=0)
    return Entry(body, gz, f'"{digest}"', modified, media_type)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file in one rename so the proxy never serves half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class PublicCache:
    """The public document and per-station answers of one app."""

    def __init__(self, ctx: Runtime) -> None:
        self.ctx = ctx
        self.dir = ctx.settings.data_dir / "public"
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._doc: dict[str, Any] | None = None
        self._entry: Entry | None = None
        self._extra: dict[Any, Entry] = {}
        self.builds = 0  # documents serialised (tests count them)
        self.refreshed_at = -math.inf  # monotonic time of the last after-ingest refresh
        self.refresh_cost_s = 0.0  # how long that refresh took (service/public/steps.py)

    def _snapshot_keys(self) -> tuple[Any, ...]:
        snaps = self.ctx.snapshots
        keys: list[Any] = []
        for cid in ("stations", "monitoring-points", "communes"):
            try:
                keys.append(snaps.get(cid).key)
            except UnknownCollection:  # pragma: no cover - the registry holds all three
                keys.append(None)
        return tuple(keys)

    def _inputs(self, now: int) -> Inputs:
        s = self.ctx.settings
        snaps = self.ctx.snapshots
        with self.ctx.engine.connect() as conn:
            hourly, daily = latest_aqi(conn), latest_daily_aqi(conn)
        communes = [
            f["properties"].get("name")
            for f in snaps.get("communes").features
            if f["properties"].get("level", "commune") == "commune"
        ]
        return Inputs(
            stations=snaps.get("stations").features,
            points=snaps.get("monitoring-points").features,
            hourly=hourly,
            daily=daily,
            communes=[c for c in communes if c],
            now=now,
            tz=ZoneInfo(s.display_tz),
            max_age_s=s.public_aqi_max_age_minutes * 60,
            disclosure=Disclosure(s.public_fluegas, s.public_wastewater),
            licence=s.public_licence,
            attribution=s.public_attribution,
            basemap=basemap_options(s),
        )

    def current(self) -> tuple[dict[str, Any], Entry] | None:
        """The document when it is known to be current, without waiting or touching the
        database (event-loop safe); None when it must be (re)built first."""
        if self._entry is None or self._doc is None:
            return None
        snaps = self.ctx.snapshots
        keys = []
        for cid in ("stations", "monitoring-points", "communes"):
            snap = snaps.get_nowait(cid)
            if snap is None:
                return None
            keys.append(snap.key)
        return (self._doc, self._entry) if tuple(keys) == self._key else None

    def document(self) -> tuple[dict[str, Any], Entry]:
        """The current public document and its encoded answer (blocking: call off the loop)."""
        key = self._snapshot_keys()
        with self._lock:
            if key == self._key and self._entry is not None and self._doc is not None:
                return self._doc, self._entry
            now = now_epoch()
            inputs = self._inputs(now)
            held = self._entry
            doc = build_document(inputs, held.modified if held else now)
            entry = encode(doc, held.modified if held else now)
            if held is None or entry.etag != held.etag:
                if held is not None:  # content changed: stamp it now
                    doc = build_document(inputs, now)
                    entry = encode(doc, now)
                self.builds += 1
                self._write_files(entry)
                self._extra.clear()
            else:
                doc, entry = self._doc or doc, held
            self._key, self._doc, self._entry = key, doc, entry
            return doc, entry

    def extra(self, key: Any, build: Any) -> Entry:
        """A per-station answer (``build(doc, modified) -> Entry``), cached until the data
        changes; at most ``MAX_EXTRA`` held."""
        doc, entry = self.document()
        with self._lock:
            held = self._extra.get(key)
            if held is not None:
                return held
        made: Entry = build(doc, entry.modified)
        with self._lock:
            if len(self._extra) >= MAX_EXTRA:
                self._extra.clear()
            self._extra[key] = made
        return made

    def _write_files(self, entry: Entry) -> None:
        """``data.json`` and ``data.json.gz`` for nginx (gzip_static), with the same bytes."""
        write_atomic(self.dir / "data.json", entry.body)
        write_atomic(self.dir / "data.json.gz", entry.gz)
        os.utime(self.dir / "data.json", (entry.modified, entry.modified))
        os.utime(self.dir / "data.json.gz", (entry.modified, entry.modified))


def basemap_options(s: Any) -> dict[str, Any] | None:
    """What the page's map needs to ask our tile proxy (never the upstream's address)."""
    if not s.basemap_url:
        return None
    lon_min, lat_min, lon_max, lat_max = s.basemap_bounds
    return {
        "url": "/public/basemap/{z}/{x}/{y}.png",
        "attribution": s.basemap_attribution,
        "bounds": [[lat_min, lon_min], [lat_max, lon_max]],
        "min_zoom": s.basemap_min_zoom,
        "max_zoom": s.basemap_max_zoom,
    }


def public_cache(ctx: Runtime) -> PublicCache:
    """The runtime's public cache."""
    return ctx.public.cache
