"""Values other areas compute, read through their store functions when those exist.

The compliance area provides ``stations.store.compliance`` (AQI, open exceedances, compliance
state) and the programme area ``stations.store.programme`` (latest results per monitoring
point). Until a module is installed, its properties are null: the schema stays the same.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sqlalchemy import Connection

log = logging.getLogger(__name__)


def _call(module: str, func: str, conn: Connection) -> dict[str, Any]:
    # Enrichment must never take the map down: a missing or failing provider leaves the
    # properties null and is logged. The same connection is used (a second one per request
    # exhausts the pool under load); a failed query is rolled back so ours can continue.
    try:
        fn = getattr(importlib.import_module(module), func, None)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            log.warning("%s.%s unavailable: %s", module, func, exc)
        return {}
    except Exception as exc:
        log.warning("%s.%s unavailable: %s", module, func, exc)
        return {}
    if fn is None:
        return {}
    try:
        result = fn(conn)
    except Exception as exc:
        log.warning("%s.%s failed; its layer properties stay null: %s", module, func, exc)
        if conn.in_transaction():
            conn.rollback()
        return {}
    return dict(result) if isinstance(result, dict) else {}


def station_extras(conn: Connection) -> dict[str, dict[str, Any]]:
    """``{station_id: {aqi, aqi_class, aqi_colour, open_exceedances, compliance_state}}``."""
    aqi = _call("stations.store.compliance", "latest_aqi", conn)
    open_exc = _call("stations.store.compliance", "open_exceedances", conn)
    state = _call("stations.store.compliance", "station_compliance_state", conn)
    out: dict[str, dict[str, Any]] = {}
    for sid in set(aqi) | set(open_exc) | set(state):
        a = aqi.get(sid)
        a_dict = a if isinstance(a, dict) else {"aqi": a}
        exc = open_exc.get(sid)
        st = state.get(sid)
        out[sid] = {
            "aqi": a_dict.get("aqi", a_dict.get("value")),
            "aqi_class": a_dict.get("class") or a_dict.get("aqi_class") or a_dict.get("label"),
            "aqi_colour": a_dict.get("colour") or a_dict.get("color"),
            "open_exceedances": len(exc) if isinstance(exc, list | tuple) else exc,
            "compliance_state": st.get("state") if isinstance(st, dict) else st,
        }
    return out


def point_results(conn: Connection) -> dict[str, dict[str, Any]]:
    """``{point_id: {round, status, wqi, wqi_class, colour, exceedances, results}}``."""
    return _call("stations.store.programme", "latest_point_results", conn)
