"""The ``stations`` layer: automatic stations with data status and latest values, as GeoJSON.

Property schema (documented in docs/layers.md):
``id, name, kind, medium, facility, commune, district_former, synthetic, data_status,
last_observed_at (ISO 8601, display time zone), parameters ({code: {value, unit, observed_at,
status, qc_flags, limit, limit_low, limit_high, limit_unit, averaging, low_confidence, mean,
mean_hour, ratio, limit_missing}}; the limit keys are null where no limit applies), aqi, aqi_class,
aqi_label_en, aqi_category, aqi_colour, open_exceedances, exceedances, compliance_state``
(null until the compliance area provides them; ``limit_missing`` when a limit has no value),
``limits_missing`` and the zone levels at the station
``landslide_level, landslide_level_vi, landslide_level_en, flood_level, flood_level_vi,
flood_level_en`` (highest level 1..5 of each hazard's zones containing it, or null).
"""

from __future__ import annotations

import threading
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, select

from layers.cross_area import station_extras
from layers.zone_index import ZoneIndex, zone_index
from stations.averaging import HOUR, hour_floor, local_day_start
from stations.compliance.current import current_limit_state
from stations.compliance.inputs import normalised_parameters
from stations.compliance.rules import AppliedLimit, Unresolved
from stations.limits import LimitTable, load_limits
from stations.sites import Site
from stations.status import data_status
from stations.store.compliance_tables import normalised_hourly_means
from stations.store.latest import latest_by_station
from stations.store.schema import hourly_means
from stations.store.sites import cached_stations
from stations.timeutil import VN_TZ, epoch_to_local_iso

EXTRA_KEYS = (
    "aqi",
    "aqi_class",
    "aqi_label_en",
    "aqi_category",
    "aqi_colour",
    "open_exceedances",
    "exceedances",
    "compliance_state",
)
# The ratio uses the newest hourly mean within a day of the station's last observation.
MEAN_LOOKBACK_S = 24 * HOUR


Means = dict[str, tuple[int, float]]
# The bulk pass looks this far back from the current hour; a site whose newest mean is older
# (offline for a while) gets its own lookup.
RECENT_S = 2 * HOUR


def _mean_tables(site: Site) -> list[tuple[Any, list[str]]]:
    normalised = set(normalised_parameters(site))
    return [
        (hourly_means, sorted(set(site.parameters) - normalised)),
        (normalised_hourly_means, sorted(normalised)),
    ]


def latest_means(conn: Connection, site: Site, last_at: int) -> Means:
    """``{parameter: (hour_start, mean)}``: the newest hourly mean of each parameter (flue-gas
    concentrations: the O2-normalised mean the compliance engine compares)."""
    since = hour_floor(last_at) - MEAN_LOOKBACK_S
    out: Means = {}
    for table, params in _mean_tables(site):
        if not params:
            continue
        query = select(table.c.parameter, table.c.hour_start, table.c.mean).where(
            table.c.station_id == site.id,
            table.c.parameter.in_(params),  # names the key prefix: an index seek per parameter
            table.c.hour_start >= since,
            table.c.mean.is_not(None),
        )
        for parameter, hour, mean in conn.execute(query):
            _keep_newest(out, parameter, hour, mean)
    return out


def _keep_newest(out: dict[Any, tuple[int, float]], key: Any, hour: int, mean: float) -> None:
    held = out.get(key)
    if held is None or int(hour) > held[0]:
        out[key] = (int(hour), float(mean))


def recent_means(conn: Connection, now: int) -> dict[tuple[str, str, str], tuple[int, float]]:
    """``{(table, station, parameter): (hour_start, mean)}``: the newest non-null hourly mean of
    every station and parameter since two hours before the current hour, in one query per table
    (the stations layer is rebuilt after every ingest batch; one query per station was most of
    its cost at 2,000 stations)."""
    since = hour_floor(now) - RECENT_S
    out: dict[tuple[str, str, str], tuple[int, float]] = {}
    for table in (hourly_means, normalised_hourly_means):
        query = select(table.c.station_id, table.c.parameter, table.c.hour_start, table.c.mean)
        query = query.where(table.c.hour_start >= since, table.c.mean.is_not(None))
        for station, parameter, hour, mean in conn.execute(query):
            _keep_newest(out, (table.name, station, parameter), hour, mean)
    return out


def site_means(
    conn: Connection,
    site: Site,
    last_at: int,
    recent: dict[tuple[str, str, str], tuple[int, float]],
) -> Means:
    """:func:`latest_means`, answered from ``recent`` when it holds every parameter's newest
    mean (a mean in the recent window is newer than any before it), else looked up."""
    since = hour_floor(last_at) - MEAN_LOOKBACK_S
    out: Means = {}
    for table, params in _mean_tables(site):
        for parameter in params:
            held = recent.get((table.name, site.id, parameter))
            if held is None or held[0] < since:
                return latest_means(conn, site, last_at)
            out[parameter] = held
    return out


LimitState = tuple[dict[str, AppliedLimit], dict[str, Unresolved]]


class _LimitMemo:
    """:func:`current_limit_state` per site and local day; the registry cache hands out the same
    frozen ``Site`` objects until a site or permit changes, and the limit table object changes
    when its files do, so identity checks keep this exact."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[Site, LimitTable, int, LimitState]] = {}
        self._lock = threading.Lock()

    def get(self, site: Site, now: int, table: LimitTable) -> LimitState:
        day = local_day_start(now)
        held = self._held.get(site.id)
        if held is not None and held[0] is site and held[1] is table and held[2] == day:
            return held[3]
        limits = current_limit_state(site, now, table)
        with self._lock:
            self._held[site.id] = (site, table, day, limits)
        return limits


_limits = _LimitMemo()


NO_LIMIT: dict[str, Any] = dict.fromkeys(
    (
        "limit",
        "limit_low",
        "limit_high",
        "limit_unit",
        "averaging",
        "low_confidence",
        "mean",
        "mean_hour",
        "ratio",
    )
)


def limit_properties(
    limit: AppliedLimit | None, mean: tuple[int, float] | None, tz: tzinfo
) -> dict[str, Any]:
    """The limit keys of one parameter: the applicable limit and latest hourly mean ÷ limit
    (every key null when no limit applies)."""
    if limit is None:
        return dict(NO_LIMIT)
    return {
        "limit": limit.value,
        "limit_low": limit.low,
        "limit_high": limit.high,
        "limit_unit": limit.unit,
        "averaging": limit.averaging,
        "low_confidence": limit.low_confidence,
        "mean": None if mean is None else round(mean[1], 4),
        "mean_hour": None if mean is None else epoch_to_local_iso(mean[0], tz),
        "ratio": None if mean is None else round(limit.ratio(mean[1]), 3),
    }


def _state(state: str | None, missing: dict[str, Unresolved]) -> str | None:
    # A station with a parameter whose applicable limit has no value is never "compliant":
    # nothing open, but not assessed either (docs/compliance.md, "limit missing").
    if missing and state in (None, "compliant"):
        return "limit_missing"
    return state


def station_features(
    conn: Connection,
    now: int,
    *,
    offline_after: int = 3,
    tz: tzinfo = VN_TZ,
    zones: ZoneIndex | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of all automatic stations (WGS 84 lon/lat)."""
    latest = latest_by_station(conn)
    extras = station_extras(conn, tz)
    zones = zones or zone_index(conn)
    table = load_limits()
    recent = recent_means(conn, now)
    features = []
    for site in cached_stations(conn):
        values = latest.get(site.id, {})
        last_at = max((v["observed_at"] for v in values.values()), default=None)
        interval_s = site.interval_s
        limits, missing = _limits.get(site, now, table)
        means = site_means(conn, site, last_at, recent) if last_at is not None and limits else {}
        params = {}
        for code, v in sorted(values.items()):
            params[code] = {
                **v,
                "observed_at": epoch_to_local_iso(v["observed_at"], tz),
                **limit_properties(limits.get(code), means.get(code), tz),
                "limit_missing": code in missing,
            }
        extra = extras.get(site.id, {})
        features.append(
            {
                "type": "Feature",
                "id": site.id,
                "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                "properties": {
                    "id": site.id,
                    "name": site.name,
                    "kind": site.kind,
                    "medium": site.medium,
                    "facility": site.facility,
                    "commune": site.commune,
                    "district_former": site.district_former,
                    "synthetic": site.synthetic,
                    "data_status": data_status(last_at, now, interval_s, offline_after).value,
                    "last_observed_at": epoch_to_local_iso(last_at, tz) if last_at else None,
                    "parameters": params,
                    **{k: extra.get(k) for k in EXTRA_KEYS},
                    "compliance_state": _state(extra.get("compliance_state"), missing),
                    "limits_missing": sorted(missing),
                    **zones.levels_at(site.lon, site.lat),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
