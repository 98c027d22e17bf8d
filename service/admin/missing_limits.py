"""Every limit value still to enter, grouped by regulation and table, with the citation to take
it from and the stations left "not assessed" by it today (``/api/admin/missing-limits``,
``/admin/missing-limits`` and the count on the admin home page).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from service.admin.limits import list_limits
from stations.compliance.current import current_limit_state
from stations.limits import load_limits
from stations.limits.table import regulation_code
from stations.store.sites import list_sites


def _affected(conn: Connection, now: int) -> dict[tuple[str, str, str], list[str]]:
    """``{(regulation code, parameter, column): [station ids]}`` left without a limit today."""
    table = load_limits()
    out: dict[tuple[str, str, str], list[str]] = {}
    for site in list_sites(conn, site_type="station"):
        if not site.active:
            continue
        _, missing = current_limit_state(site, now, table)
        column = (site.permit.column_class or "") if site.permit else ""
        for parameter, unresolved in missing.items():
            code = regulation_code(unresolved.regulation or "")
            out.setdefault((code, parameter, column), []).append(site.id)
    return out


def missing_limits(path: Path, conn: Connection, now: int) -> dict[str, Any]:
    """``{count, stations_affected, groups: [{regulation, table, citations, count, rows}]}``."""
    affected = _affected(conn, now)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in list_limits(path, missing=True):
        limit = entry.limit
        group = groups.setdefault(
            (limit.regulation, limit.table),
            {"regulation": limit.regulation, "table": limit.table, "citations": [], "rows": []},
        )
        if limit.citation not in group["citations"]:
            group["citations"].append(limit.citation)
        key = (regulation_code(limit.regulation), limit.parameter, limit.column_class or "")
        group["rows"].append(
            {
                "key": entry.key,
                "parameter": limit.parameter,
                "averaging": limit.averaging,
                "column_class": limit.column_class,
                "unit": limit.unit,
                "medium": limit.medium,
                "effective_from": limit.effective_from.isoformat()
                if limit.effective_from
                else None,
                "note": limit.note,
                "stations": affected.get(key, []),
            }
        )
    ordered = sorted(groups.values(), key=lambda g: (g["regulation"], g["table"]))
    for group in ordered:
        group["count"] = len(group["rows"])
    stations = sorted({s for ids in affected.values() for s in ids})
    return {
        "count": sum(g["count"] for g in ordered),
        "stations_affected": stations,
        "groups": ordered,
    }
