"""The warning chain over the whole province, and its GeoJSON view.

``recompute`` is the after-ingest step: the gauges that just sent data get their intervals
recomputed, then every commune and zone is assessed at the newest interval. ``replay`` re-runs
the chain over stored rain for verification. ``warnings_geojson`` serves the latest levels with
the rain behind them, coloured in the Decision 18/2021 Điều 4 colours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shapely.geometry import mapping
from sqlalchemy import Connection, Engine

from layers.levels import LEVELS
from layers.warning_places import cached_places
from stations.rain.data import settings
from stations.rain.engine import (
    DEFAULT_STEP_S,
    HOLD_S,
    assess_places,
    gauges_now,
    reset_hour_of,
    step_of,
)
from stations.rain.live import GaugeSpan, update_gauges
from stations.store import rain as store
from stations.timeutil import epoch_to_local_iso

Spans = Mapping[str, tuple[int, int]]
MAX_BACKLOG_S = 3 * 86400

# QĐ 18/2021 Điều 4 colours of risk levels 1..5 (the same five colours as layers/levels.py).
LEVEL_COLOURS = {lv: LEVELS[lv].colour for lv in LEVELS}
LEVEL_COLOUR_NAMES = {lv: LEVELS[lv].colour_name_vi for lv in LEVELS}
NO_LEVEL_COLOUR = "#bdbdbd"  # level 0, not assessed and no data are drawn apart (see map legend)


def region() -> str:
    """Lạng Sơn's QĐ 18 rainfall region (settings.csv, cited)."""
    value = settings()["region_lang_son"].value
    if value is None:
        raise LookupError("region_lang_son missing in stations/data/rain/settings.csv")
    return value


def _positions(conn: Connection) -> dict[str, tuple[float, float, int]]:
    return {g.id: (g.lon, g.lat, step_of(g.config)) for g in store.rain_gauges(conn)}


def _update(conn: Connection, spans: Spans) -> None:
    """Recompute the intervals of the rain gauges among ``spans`` (bulk live path)."""
    update_gauges(
        conn,
        [
            GaugeSpan(g.id, step_of(g.config), *spans[g.id], reset_hour_of(g.config))
            for g in store.rain_gauges(conn)
            if g.id in spans
        ],
    )


def recompute(engine: Engine, spans: Spans, *, hold_s: int = HOLD_S) -> list[dict[str, Any]]:
    """After ingest: update the rain gauges of ``spans``, then assess every place at the newest
    interval among them. Returns the stored level rows (empty when no rain gauge is in spans)."""
    with engine.begin() as conn:
        positions = _positions(conn)
        touched = {sid: span for sid, span in spans.items() if sid in positions}
        if not touched:
            return []
        _update(conn, touched)
        places = cached_places(conn).places
        reg = region()
        rows: list[dict[str, Any]] = []
        for at in assessment_times(conn, touched):
            rows += assess_places(
                conn, at, places, gauges_now(conn, at, positions), region=reg, hold_s=hold_s
            )
        return rows


def assessment_times(conn: Connection, spans: Spans) -> list[int]:
    """The times to assess after new data: every interval since the last assessment (a
    backlog is assessed in order, so hysteresis and alerts see its time), hourly when the
    backlog is long, never more than :data:`MAX_BACKLOG_S` back."""
    end = max(e for _, e in spans.values())
    end -= end % DEFAULT_STEP_S
    last = store.last_assessment_at(conn)
    first = min(s for s, _ in spans.values()) if last is None else last + DEFAULT_STEP_S
    first = max(first - first % DEFAULT_STEP_S, end - MAX_BACKLOG_S)
    step = DEFAULT_STEP_S if end - first <= 6 * 3600 else 3600
    times = list(range(end - ((end - first) // step) * step, end + 1, step)) if first <= end else []
    return times or [end]


def assess_at(engine: Engine, at: int, *, hold_s: int = HOLD_S) -> list[dict[str, Any]]:
    """Assess every place at ``at`` from the stored intervals (the periodic pass: gauges that
    fell silent turn their places to "no data" even when nothing is ingested)."""
    at -= at % DEFAULT_STEP_S
    with engine.begin() as conn:
        positions = _positions(conn)
        if not positions:  # no rain gauge registered: nothing to warn from, nothing stored
            return []
        places = cached_places(conn).places
        return assess_places(
            conn, at, places, gauges_now(conn, at, positions), region=region(), hold_s=hold_s
        )


def place_names(conn: Connection) -> dict[tuple[str, str], str]:
    """Display names of the places by (type, id)."""
    return {k: v["name"] for k, v in cached_places(conn).names.items()}


def zone_communes(conn: Connection) -> dict[tuple[str, str], tuple[str, ...]]:
    """The communes each hazard zone overlaps, by zone (type, id)."""
    return cached_places(conn).zone_communes


def replay(
    engine: Engine, start: int, end: int, *, step_s: int = DEFAULT_STEP_S, hold_s: int = HOLD_S
) -> dict[tuple[str, str], list[tuple[int, int | None]]]:
    """Re-run the chain over stored rain in ``[start, end]``: every gauge's intervals, then
    every place at each step. Returns the issued-level series per (place type, place id)."""
    series: dict[tuple[str, str], list[tuple[int, int | None]]] = {}
    with engine.begin() as conn:
        positions = _positions(conn)
        _update(conn, dict.fromkeys(positions, (start, end)))
        places = cached_places(conn).places
        reg = region()
        at = start - start % step_s
        while at <= end:
            rows = assess_places(
                conn, at, places, gauges_now(conn, at, positions), region=reg, hold_s=hold_s
            )
            for r in rows:
                series.setdefault((r["place_type"], r["place_id"]), []).append(
                    (at, r["issued_level"])
                )
            at += step_s
    return series


def level_colour(level: int | None) -> str:
    """The Điều 4 colour of a level (grey for 0 and for no level)."""
    return LEVEL_COLOURS.get(level or 0, NO_LEVEL_COLOUR)


def warnings_geojson(conn: Connection, tz: Any = None) -> dict[str, Any]:
    """The latest level of every commune and zone as a GeoJSON FeatureCollection."""
    placeset = cached_places(conn)
    latest = store.last_levels(conn)
    features = []
    for p in placeset.places:
        key = (p.place_type, p.place_id)
        row = latest.get(key)
        props: dict[str, Any] = {
            "place_type": p.place_type,
            "place_id": p.place_id,
            **placeset.names[key],
            "susceptibility": p.susceptibility,
        }
        if row is None:
            props.update(
                status="no_data",
                level=None,
                issued_level=None,
                at=None,
                reason="chưa tính / not computed yet",
            )
        else:
            props.update(
                status=row.status,
                level=row.level,
                issued_level=row.issued_level,
                provisional=row.provisional,
                lower_bound=row.lower_bound,
                at=epoch_to_local_iso(row.at, tz) if tz else epoch_to_local_iso(row.at),
                rain24_mm=None if row.rain24 is None else round(row.rain24, 1),
                prior_rain_days=row.prior_days,
                prior_1d_mm=None if row.prior_1d is None else round(row.prior_1d, 1),
                prior_2d_mm=None if row.prior_2d is None else round(row.prior_2d, 1),
                swi_mm=None if row.swi is None else round(row.swi, 1),
                gauges=[{"station": g[0], "km": g[1], "weight": g[2]} for g in row.gauges],
                reason=row.reason,
                citation=row.citation,
            )
        props["colour"] = level_colour(props.get("issued_level"))
        features.append(
            {
                "type": "Feature",
                "id": f"{p.place_type}:{p.place_id}",
                "geometry": mapping(placeset.geometries[key]),
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}
