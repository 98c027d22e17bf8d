"""Queries on zone sources, zones and communes (SQLAlchemy Core, both backends)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, delete, func, insert, select

from layers.store import communes, zone_sources, zones


@dataclass(frozen=True, slots=True)
class ZoneRecord:
    """One zone as stored, with its source's metadata joined in."""

    id: int
    source_id: str
    hazard: str
    level: int
    source_value: str | None
    name: str | None
    attributes: dict[str, Any]
    geometry: BaseGeometry
    source_title: str
    source_file: str
    valid_from: int | None
    synthetic: bool


def geometry_columns(geom: BaseGeometry) -> dict[str, Any]:
    """The portable geometry columns (WKB + bbox) of an EPSG:4326 geometry.

    Polygons are stored as MultiPolygons so each layer has one geometry type for GIS clients.
    """
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    minx, miny, maxx, maxy = geom.bounds
    return {"wkb": shapely.to_wkb(geom), "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}


def replace_zone_source(
    conn: Connection, source: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    """Replace a zone source and its zones in the caller's transaction."""
    conn.execute(delete(zones).where(zones.c.source_id == source["id"]))
    conn.execute(delete(zone_sources).where(zone_sources.c.id == source["id"]))
    conn.execute(insert(zone_sources).values(**source))
    if rows:
        conn.execute(insert(zones), [{**r, "source_id": source["id"]} for r in rows])


def list_zone_sources(conn: Connection) -> list[dict[str, Any]]:
    """Every zone source as a dict, ordered by id."""
    return [
        dict(r._mapping) for r in conn.execute(select(zone_sources).order_by(zone_sources.c.id))
    ]


def load_zones(conn: Connection, hazard: str | None = None) -> list[ZoneRecord]:
    """All zones (optionally of one hazard), ordered by id, with shapely geometries."""
    query = (
        select(
            zones,
            zone_sources.c.title,
            zone_sources.c.source_file,
            zone_sources.c.valid_from,
            zone_sources.c.synthetic,
        )
        .join(zone_sources, zone_sources.c.id == zones.c.source_id)
        .order_by(zones.c.id)
    )
    if hazard:
        query = query.where(zones.c.hazard == hazard)
    rows = conn.execute(query).all()
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    return [
        ZoneRecord(
            id=r.id,
            source_id=r.source_id,
            hazard=r.hazard,
            level=r.level,
            source_value=r.source_value,
            name=r.name,
            attributes=dict(r.attributes or {}),
            geometry=g,
            source_title=r.title,
            source_file=r.source_file,
            valid_from=r.valid_from,
            synthetic=bool(r.synthetic),
        )
        for r, g in zip(rows, geoms, strict=True)
    ]


def replace_communes(conn: Connection, rows: list[dict[str, Any]], *, level: str) -> None:
    """Replace every area of one ``level`` (province | commune) in the caller's transaction."""
    conn.execute(delete(communes).where(communes.c.level == level))
    if rows:
        conn.execute(insert(communes), rows)


def load_communes(conn: Connection) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """Every administrative area as (row without WKB, geometry), province first, then by id."""
    rows = conn.execute(select(communes).order_by(communes.c.level.desc(), communes.c.id)).all()
    out = []
    for r in rows:
        data = {k: v for k, v in r._mapping.items() if k not in ("wkb",)}
        out.append((data, shapely.from_wkb(bytes(r.wkb))))
    return out


def layers_revision(conn: Connection) -> tuple[Any, ...]:
    """A cheap fingerprint of the zone and commune tables (a few rows, never the geometries)."""
    src = conn.execute(
        select(
            func.count(), func.max(zone_sources.c.imported_at), func.sum(zone_sources.c.imported_at)
        )
    ).one()
    com = conn.execute(select(func.count(), func.max(communes.c.imported_at))).one()
    return (tuple(src), tuple(com))
