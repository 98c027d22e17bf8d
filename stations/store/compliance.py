"""Read side of the compliance engine, for routes and for other areas (layers, maps, alerts).

- ``latest_aqi(conn)`` → ``{station_id: {aqi, value, category, label_vi, label_en, colour,
  dominant, sub_indices, at}}`` (``at`` = hour start, UTC epoch seconds)
- ``latest_daily_aqi(conn)`` → the same per station for the newest day
- ``open_exceedances(conn)`` → ``{station_id: [{parameter, averaging, mean, limit, unit, ratio,
  band, since, peak_value, peak_ratio, regulation, rule, low_confidence}]}``
- ``station_compliance_state(conn)`` → ``{station_id: 'compliant' | 'near_limit' | 'exceeding'}``
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from stations.aqi import category_of
from stations.store.compliance_tables import aqi_daily, aqi_hourly, exceedance_episodes
from stations.store.schema import sites

E = exceedance_episodes


def _aqi_dict(r: Any, at: int) -> dict[str, Any]:
    """One stored AQI row (hourly or daily) as the API and the layers show it."""
    return {
        "station_id": r.station_id,
        "at": at,
        "aqi": r.aqi,
        "category": r.category,
        "label_vi": r.label_vi,
        "label_en": category_of(r.aqi).label_en,
        "colour": r.colour,
        "dominant": r.dominant,
        "sub_indices": dict(r.sub_indices or {}),
    }


def _newest(table: Any, key: Any) -> Any:
    """The rows of ``table`` holding each station's largest ``key``."""
    newest = (
        select(table.c.station_id, func.max(key).label("k")).group_by(table.c.station_id).subquery()
    )
    return select(table).join(
        newest, (newest.c.station_id == table.c.station_id) & (newest.c.k == key)
    )


def latest_aqi(conn: Connection) -> dict[str, dict[str, Any]]:
    """The newest hourly AQI of every station that has one."""
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(_newest(aqi_hourly, aqi_hourly.c.hour_start)):
        out[r.station_id] = {**_aqi_dict(r, int(r.hour_start)), "value": r.aqi}
    return out


def latest_daily_aqi(conn: Connection) -> dict[str, dict[str, Any]]:
    """The newest daily AQI of every station that has one (``at`` = local midnight, UTC epoch)."""
    rows = conn.execute(_newest(aqi_daily, aqi_daily.c.day_start))
    return {r.station_id: _aqi_dict(r, int(r.day_start)) for r in rows}


def _episode_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "station_id": r.station_id,
        "parameter": r.parameter,
        "averaging": r.averaging,
        "kind": r.kind,
        "state": r.state,
        "regulation": r.regulation,
        "rule": r.rule,
        "limit": r.limit_value,
        "limit_low": r.limit_low,
        "limit_high": r.limit_high,
        "unit": r.unit,
        "since": int(r.opened_at),
        "opened_at": int(r.opened_at),
        "closed_at": None if r.closed_at is None else int(r.closed_at),
        "last_period_end": int(r.last_period_end),
        "mean": r.last_value,
        "ratio": r.last_ratio,
        "peak_value": r.peak_value,
        "peak_ratio": r.peak_ratio,
        "band": r.band,
        "low_confidence": bool(r.low_confidence),
        "citation": r.citation,
    }


def open_exceedances(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Open exceedance episodes per station (near-limit ones are not exceedances)."""
    query = (
        select(E)
        .where(E.c.state == "open", E.c.kind == "exceedance", E.c.voided_at.is_(None))
        .order_by(E.c.station_id, E.c.parameter, E.c.averaging)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in conn.execute(query):
        out.setdefault(r.station_id, []).append(_episode_dict(r))
    return out


def station_compliance_state(conn: Connection) -> dict[str, str]:
    """Every automatic station: exceeding (an open exceedance), near_limit, or compliant."""
    state = dict.fromkeys(
        conn.scalars(select(sites.c.id).where(sites.c.site_type == "station")), "compliant"
    )
    query = select(E.c.station_id, E.c.kind).where(E.c.state == "open", E.c.voided_at.is_(None))
    for station_id, kind in conn.execute(query):
        if kind == "exceedance":
            state[station_id] = "exceeding"
        elif state.get(station_id) != "exceeding":
            state[station_id] = "near_limit"
    return state


def list_episodes(
    conn: Connection,
    *,
    station_id: str | None = None,
    start: int | None = None,
    end: int | None = None,
    open_only: bool | None = None,
    include_near: bool = False,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Episodes overlapping [start, end), newest first."""
    query = select(E).where(E.c.voided_at.is_(None))
    if not include_near:
        query = query.where(E.c.kind == "exceedance")
    if station_id is not None:
        query = query.where(E.c.station_id == station_id)
    if end is not None:
        query = query.where(E.c.opened_at < end)
    if start is not None:
        query = query.where((E.c.closed_at.is_(None)) | (E.c.closed_at > start))
    if open_only is True:
        query = query.where(E.c.state == "open")
    elif open_only is False:
        query = query.where(E.c.state == "closed")
    query = query.order_by(E.c.opened_at.desc(), E.c.id.desc()).limit(limit)
    return [_episode_dict(r) for r in conn.execute(query)]


def aqi_series(
    conn: Connection, station_id: str | None, start: int, end: int, interval: str = "hour"
) -> list[dict[str, Any]]:
    """Hourly (``hour``) or daily (``day``) AQI rows in [start, end), oldest first."""
    table = aqi_hourly if interval == "hour" else aqi_daily
    key = table.c.hour_start if interval == "hour" else table.c.day_start
    query = select(table).where(key >= start, key < end)
    if station_id is not None:
        query = query.where(table.c.station_id == station_id)
    out = []
    for r in conn.execute(query.order_by(table.c.station_id, key)):
        at = int(r.hour_start if interval == "hour" else r.day_start)
        out.append({**_aqi_dict(r, at), "concentrations": dict(r.concentrations or {})})
    return out
