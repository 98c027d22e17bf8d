"""The public document: air stations with VN_AQI and freshness, emission sources as disclosed,
the latest periodic round per point, commune names for the search.

Pure functions over plain inputs (layer features, AQI rows, settings values, the clock), so the
rules are tested without a server. Every object is built key by key from ``allowlist``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from service.public.allowlist import AQI, CATEGORY, parameter_codes
from stations.aqi import categories, category_of
from stations.aqi_advice import advice_for
from stations.timeutil import epoch_to_local_iso

METHOD = "VN_AQI — Quyết định 1459/QĐ-TCMT (12/11/2019), Tổng cục Môi trường"
SILENT = frozenset({"offline", "no_data"})  # data_status values that mean "no data" here
EMISSION_KINDS = ("fluegas", "wastewater")
DEVICE_OK = "00"  # Circular 10/2021 device status: measuring normally


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What the department discloses of each emission kind: status, values or hidden."""

    fluegas: str = "status"
    wastewater: str = "status"

    def of(self, kind: str) -> str:
        """The level for a station kind (ambient air is always disclosed in full)."""
        return getattr(self, kind, "values") if kind in EMISSION_KINDS else "values"


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything the document is built from (read once per data change)."""

    stations: Sequence[dict[str, Any]]  # features of the ``stations`` layer
    points: Sequence[dict[str, Any]]  # features of the ``monitoring-points`` layer
    hourly: dict[str, dict[str, Any]]  # stations.store.compliance.latest_aqi
    daily: dict[str, dict[str, Any]]  # newest daily AQI per station (same keys, ``at`` = day)
    communes: list[str]  # commune names of the communes layer
    now: int
    tz: tzinfo
    max_age_s: int
    disclosure: Disclosure
    licence: str
    attribution: str
    basemap: dict[str, Any] | None = None  # allowlist.BASEMAP keys, None = outlines only


def category_rows() -> list[dict[str, Any]]:
    """The six categories with colour and the QĐ 1459 health texts (Bảng 1, 4, 5)."""
    out = []
    for cat in categories():
        adv = advice_for(cat.index)
        row = {
            "category": cat.index,
            "aqi_from": cat.aqi_from,
            "aqi_to": cat.aqi_to,
            "label_vi": cat.label_vi,
            "label_en": cat.label_en,
            "colour": cat.hex,
            "health_vi": adv.health_vi,
            "general_vi": adv.general_vi,
            "sensitive_vi": adv.sensitive_vi,
            "health_en": adv.health_en,
            "general_en": adv.general_en,
            "sensitive_en": adv.sensitive_en,
            "citation": adv.citation,
        }
        out.append({k: row[k] for k in CATEGORY})
    return out


def public_aqi(row: dict[str, Any] | None, tz: tzinfo) -> dict[str, Any] | None:
    """An AQI row as the public sees it; the category and colour come from the one table."""
    if row is None or row.get("aqi") is None:
        return None
    cat = category_of(int(row["aqi"]))
    out = {
        "aqi": int(row["aqi"]),
        "category": cat.index,
        "colour": cat.hex,
        "label_vi": cat.label_vi,
        "label_en": cat.label_en,
        "dominant": row.get("dominant"),
        "at": epoch_to_local_iso(int(row["at"]), tz),
    }
    return {k: out[k] for k in AQI}


def _values(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Raw latest values with units; an invalid one (device not measuring, QC flag) is null."""
    codes = parameter_codes()
    out = {}
    for code, v in (props.get("parameters") or {}).items():
        if code not in codes:
            continue
        valid = v.get("status") in (DEVICE_OK, None) and not v.get("qc_flags")
        out[code] = {
            "value": v.get("value") if valid else None,
            "unit": v.get("unit"),
            "observed_at": v.get("observed_at"),
        }
    return out


def _place(f: dict[str, Any]) -> dict[str, Any]:
    p = f["properties"]
    lon, lat = f["geometry"]["coordinates"][:2]
    return {"id": p["id"], "name": p["name"], "commune": p.get("commune"), "lon": lon, "lat": lat}


def air_station(f: dict[str, Any], inp: Inputs) -> dict[str, Any]:
    """One ambient-air station: grey "no data" when silent, never an old colour."""
    p = f["properties"]
    sid = p["id"]
    silent = p.get("data_status") in SILENT
    hourly = inp.hourly.get(sid)
    fresh = hourly is not None and inp.now - int(hourly["at"]) <= inp.max_age_s
    return {
        **_place(f),
        "status": "no_data" if silent else "ok",
        "last_observed_at": p.get("last_observed_at"),
        "hourly": None if silent or not fresh else public_aqi(hourly, inp.tz),
        "daily": public_aqi(inp.daily.get(sid), inp.tz),
        "concentrations": {} if silent else _values(p),
    }


def emission_source(f: dict[str, Any], inp: Inputs) -> dict[str, Any] | None:
    """A stack or wastewater outlet as disclosed (None when hidden)."""
    p = f["properties"]
    level = inp.disclosure.of(p["kind"])
    if level == "hidden":
        return None
    silent = p.get("data_status") in SILENT
    return {
        **_place(f),
        "kind": p["kind"],
        "facility": p.get("facility"),
        "status": "no_data" if silent else "ok",
        # a missing state is "not assessed", never "compliant"
        "state": None if silent else p.get("compliance_state"),
        "values": _values(p) if level == "values" and not silent else None,
    }


def monitoring_point(f: dict[str, Any]) -> dict[str, Any]:
    """A periodic monitoring point with its latest round's results and QCVN verdicts."""
    p = f["properties"]
    codes = parameter_codes()
    results = {
        code: {k: r.get(k) for k in ("value", "unit", "qualifier", "verdict")}
        for code, r in (p.get("results") or {}).items()
        if code in codes and isinstance(r, dict)
    }
    return {
        **_place(f),
        "medium": p.get("medium"),
        "round": p.get("round"),
        "status": p.get("status"),
        "results": results,
    }


def build_document(inp: Inputs, data_changed_at: int) -> dict[str, Any]:
    """The whole public document (``/public/data.json``)."""
    air, sources = [], []
    for f in inp.stations:
        kind = f["properties"].get("kind")
        if kind == "air":
            air.append(air_station(f, inp))
        elif kind in EMISSION_KINDS and (src := emission_source(f, inp)) is not None:
            sources.append(src)
    points = [monitoring_point(f) for f in inp.points if f["properties"].get("round")]
    names = {*inp.communes, *(x["commune"] for x in [*air, *sources, *points] if x["commune"])}
    return {
        "generated_at": epoch_to_local_iso(inp.now, inp.tz),
        "data_changed_at": epoch_to_local_iso(data_changed_at, inp.tz),
        "licence": inp.licence,
        "attribution": inp.attribution,
        "method": METHOD,
        "disclosure": {"fluegas": inp.disclosure.fluegas, "wastewater": inp.disclosure.wastewater},
        "categories": category_rows(),
        "air": air,
        "sources": sources,
        "points": points,
        "communes": sorted(names),
        "basemap": inp.basemap,
    }
