"""The warning levels as a CAP 1.2 alert (OASIS Common Alerting Protocol, ITU-T X.1303).

One ``alert`` for the province; for every commune at issued level ≥ 1, two ``info`` blocks
(Vietnamese ``vi-VN`` and English ``en-US``) with the commune polygon. The schema is vendored in
``layers/data/cap/CAP-v1.2.xsd`` (OASIS, unchanged) and the tests validate against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from layers.warning_places import cached_places
from stations.store import rain as store
from stations.timeutil import VN_OFFSET

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SEVERITY = {1: "Moderate", 2: "Severe"}  # 3..5: Extreme
SIMPLIFY_DEG = 0.0005  # ~50 m: keeps polygons readable by receivers with size limits
VALID_H = 3  # a level is re-assessed every 10 minutes; a receiver drops it after 3 h silence

TEXT = {
    "vi-VN": {
        "event": "Rủi ro lũ quét, sạt lở đất do mưa lớn",
        "headline": "{name}: rủi ro thiên tai cấp độ {level} (QĐ 18/2021/QĐ-TTg)",
        "description": "Lượng mưa 24 giờ khoảng {rain} mm, {prior} ngày mưa trước đó; vùng nguy "
        "cơ {cls}. {provisional}Cơ sở: {citation}",
        "provisional": "Ngưỡng tạm thời, cần cán bộ xác nhận. ",
        "instruction": "Theo dõi thông báo của chính quyền địa phương; tránh xa sườn dốc, suối.",
    },
    "en-US": {
        "event": "Flash-flood and landslide risk from heavy rain",
        "headline": "{name}: natural-disaster risk level {level} (Decision 18/2021/QĐ-TTg)",
        "description": "About {rain} mm of rain in 24 hours after {prior} prior rain day(s); "
        "susceptibility {cls}. {provisional}Basis: {citation}",
        "provisional": "Provisional threshold, to be confirmed by an officer. ",
        "instruction": "Follow the local authorities' notices; keep away from steep slopes and "
        "streams.",
    },
}


def _cap_time(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, VN_OFFSET).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def _polygons(geom: BaseGeometry) -> list[str]:
    simple = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
    parts = list(simple.geoms) if isinstance(simple, MultiPolygon) else [simple]
    out = []
    for part in parts:
        if not isinstance(part, Polygon) or part.is_empty:
            continue
        ring = list(part.exterior.coords)
        out.append(" ".join(f"{lat:.5f},{lon:.5f}" for lon, lat, *_ in ring))
    return out


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _info(alert: ET.Element, lang: str, name: str, row: Any, geom: BaseGeometry, web: str) -> None:
    t = TEXT[lang]
    level = row.issued_level
    fields = {
        "name": name,
        "level": level,
        "rain": "—" if row.rain24 is None else f"{row.rain24:.0f}",
        "prior": row.prior_days,
        "cls": row.susceptibility or "—",
        "provisional": t["provisional"] if row.provisional else "",
        "citation": row.citation or "—",
    }
    info = _sub(alert, "info")
    _sub(info, "language", lang)
    _sub(info, "category", "Geo")
    _sub(info, "category", "Met")
    _sub(info, "event", t["event"])
    _sub(info, "urgency", "Expected")
    _sub(info, "severity", SEVERITY.get(level, "Extreme"))
    _sub(info, "certainty", "Likely")
    code = _sub(info, "eventCode")
    _sub(code, "valueName", "QD18_2021_risk_level")
    _sub(code, "value", str(level))
    _sub(info, "effective", _cap_time(row.at))
    _sub(info, "expires", _cap_time(row.at + VALID_H * 3600))
    _sub(info, "senderName", "quantrac — Sở Nông nghiệp và Môi trường Lạng Sơn")
    _sub(info, "headline", t["headline"].format(**fields))
    _sub(info, "description", t["description"].format(**fields))
    _sub(info, "instruction", t["instruction"])
    _sub(info, "web", web)
    for key, value in (
        ("rain24_mm", fields["rain"]),
        ("prior_rain_days", str(row.prior_days)),
        ("provisional_threshold", "true" if row.provisional else "false"),
        ("lower_bound", "true" if row.lower_bound else "false"),
    ):
        p = _sub(info, "parameter")
        _sub(p, "valueName", key)
        _sub(p, "value", value)
    area = _sub(info, "area")
    _sub(area, "areaDesc", name)
    for ring in _polygons(geom):
        _sub(area, "polygon", ring)
    geocode = _sub(area, "geocode")
    _sub(geocode, "valueName", "quantrac_commune_id")
    _sub(geocode, "value", row.place_id)


def warnings_cap(conn: Connection, *, sender: str, base_url: str, now: int) -> bytes:
    """The CAP 1.2 document of the current commune warnings (UTF-8 XML bytes)."""
    ET.register_namespace("", CAP_NS)
    placeset = cached_places(conn)
    latest = store.last_levels(conn)
    newest = max((r.at for r in latest.values()), default=now)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", f"quantrac-qd18-{newest}")
    _sub(alert, "sender", sender)
    _sub(alert, "sent", _cap_time(now))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", "Alert")
    _sub(alert, "scope", "Public")
    _sub(
        alert,
        "note",
        "Cấp độ rủi ro theo QĐ 18/2021/QĐ-TTg Điều 46, tính từ trạm đo mưa tự "
        "động / QĐ 18/2021 risk levels computed from automatic rain gauges",
    )
    web = f"{base_url.rstrip('/')}/api/warnings"
    for p in placeset.places:
        key = (p.place_type, p.place_id)
        row = latest.get(key)
        if p.place_type != "commune" or row is None or not row.issued_level:
            continue
        for lang in ("vi-VN", "en-US"):
            _info(alert, lang, p.name, row, placeset.geometries[key], web)
    body: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=True)
    return body
