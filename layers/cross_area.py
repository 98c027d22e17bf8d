"""Values other areas compute, read through their store functions.

The compliance area provides ``stations.store.compliance`` (AQI, open exceedances, compliance
state) and the programme area ``stations.store.programme`` (latest results per monitoring
point). A provider that fails leaves its properties null: the schema stays the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection

from stations.store import compliance, programme
from stations.timeutil import VN_TZ, epoch_to_local_iso

log = logging.getLogger(__name__)


def _call(fn: Callable[[Connection], dict[str, Any]], conn: Connection) -> dict[str, Any]:
    # Enrichment must never take the map down: a failing provider leaves the properties null
    # and is logged. The same connection is used (a second one per request exhausts the pool
    # under load); a failed query is rolled back so ours can continue.
    try:
        return dict(fn(conn))
    except Exception as exc:
        log.warning("%s failed; its layer properties stay null: %s", fn.__qualname__, exc)
        if conn.in_transaction():
            conn.rollback()
        return {}


def station_extras(conn: Connection, tz: tzinfo = VN_TZ) -> dict[str, dict[str, Any]]:
    """``{station_id: {aqi, aqi_class, aqi_label_en, aqi_category, aqi_colour, open_exceedances,
    exceedances, compliance_state}}``.

    ``stations.store.compliance.latest_aqi`` gives ``{aqi, category, label_vi, label_en,
    colour}``: ``aqi_class`` is the Vietnamese label, ``aqi_category`` the class number 1..6.
    ``exceedances`` lists the open exceedance episodes, ``since`` in the display time zone.
    """
    aqi = _call(compliance.latest_aqi, conn)
    open_exc = _call(compliance.open_exceedances, conn)
    state = _call(compliance.station_compliance_state, conn)
    out: dict[str, dict[str, Any]] = {}
    for sid in set(aqi) | set(open_exc) | set(state):
        a = aqi.get(sid)
        a_dict = a if isinstance(a, dict) else {"aqi": a}
        st = state.get(sid)
        # A station the compliance module has assessed and found nothing open has [] (0).
        exc = open_exc.get(sid, [] if st is not None else None)
        out[sid] = {
            "aqi": a_dict.get("aqi", a_dict.get("value")),
            "aqi_class": _first(a_dict, "label_vi", "aqi_class", "class", "label"),
            "aqi_label_en": a_dict.get("label_en"),
            "aqi_category": a_dict.get("category"),
            "aqi_colour": _first(a_dict, "colour", "color"),
            "open_exceedances": len(exc) if isinstance(exc, list | tuple) else exc,
            "exceedances": [_exceedance(e, tz) for e in exc]
            if isinstance(exc, list | tuple)
            else None,
            "compliance_state": st.get("state") if isinstance(st, dict) else st,
        }
    return out


def _first(d: dict[str, Any], *keys: str) -> Any:
    return next((d[k] for k in keys if d.get(k) is not None), None)


def _exceedance(e: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    since = e.get("since")
    return {
        "parameter": e.get("parameter"),
        "averaging": e.get("averaging"),
        "mean": e.get("mean"),
        "limit": e.get("limit"),
        "unit": e.get("unit"),
        "ratio": e.get("ratio"),
        "band": e.get("band"),
        "since": epoch_to_local_iso(int(since), tz) if since is not None else None,
        "low_confidence": e.get("low_confidence"),
    }


def point_results(conn: Connection) -> dict[str, dict[str, Any]]:
    """``{point_id: {round, status, wqi, wqi_class, colour, exceedances, results}}``."""
    return _call(programme.latest_point_results, conn)
