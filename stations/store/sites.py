"""Queries on sites, site parameters, permits and the parameter catalogue."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from stations.parameters import catalogue
from stations.sites import Permit, Site
from stations.store import revisions
from stations.store.schema import parameters, permits, site_parameters, sites


def sync_parameters(conn: Connection) -> int:
    """Make the ``parameters`` table match the catalogue CSV; returns the number of rows."""
    existing = set(conn.scalars(select(parameters.c.code)))
    for p in catalogue().values():
        row = {
            "name_vi": p.name_vi,
            "name_en": p.name_en,
            "unit": p.unit,
            "units_by_kind": p.units_by_kind,
            "min_valid": p.min_valid,
            "max_valid": p.max_valid,
            "media": " ".join(p.media),
        }
        if p.code in existing:
            conn.execute(update(parameters).where(parameters.c.code == p.code).values(**row))
        else:
            conn.execute(insert(parameters).values(code=p.code, **row))
    return len(catalogue())


def upsert_sites(conn: Connection, items: Iterable[Site], now: int) -> tuple[int, int]:
    """Insert new sites and update existing ones in place; returns (inserted, updated)."""
    existing = set(conn.scalars(select(sites.c.id)))
    inserted = updated = 0
    for site in items:
        config = dict(site.config)
        row = {
            "name": site.name,
            "site_type": site.site_type,
            "kind": site.kind,
            "medium": site.medium,
            "lon": site.lon,
            "lat": site.lat,
            "commune": site.commune,
            "district_former": site.district_former,
            "facility": site.facility,
            "active": site.active,
            "synthetic": site.synthetic,
            "config": config,
            "updated_at": now,
        }
        if site.id in existing:
            conn.execute(update(sites).where(sites.c.id == site.id).values(**row))
            updated += 1
        else:
            conn.execute(insert(sites).values(id=site.id, **row))
            inserted += 1
        conn.execute(delete(site_parameters).where(site_parameters.c.site_id == site.id))
        if site.parameters:
            conn.execute(
                insert(site_parameters),
                [
                    {"site_id": site.id, "parameter": c, "unit": u}
                    for c, u in site.parameters.items()
                ],
            )
        _replace_permit(conn, site, now)
    revisions.bump(conn, revisions.REGISTRY, revisions.PERMITS)
    return inserted, updated


def _replace_permit(conn: Connection, site: Site, now: int) -> None:
    # The registry file is the source of truth for the current permit; history of permit
    # changes is kept by the audit trail, not by piling up rows here.
    conn.execute(delete(permits).where(permits.c.site_id == site.id))
    if site.permit is None:
        return
    conn.execute(
        insert(permits).values(
            site_id=site.id,
            regulation=site.permit.regulation,
            column_class=site.permit.column_class,
            coefficients=site.permit.coefficients,
            limits=site.permit.limits,
            o2_ref=site.permit.o2_ref,
            basis=site.permit.basis,
            operating_since=site.permit.operating_since,
            eia_approved_on=site.permit.eia_approved_on,
            permit_date=site.permit.permit_date,
            updated_at=now,
        )
    )


def _permit_from_row(p: Any) -> Permit:
    return Permit(
        regulation=p.regulation,
        column_class=p.column_class,
        coefficients=dict(p.coefficients or {}),
        limits=dict(p.limits or {}),
        o2_ref=p.o2_ref,
        basis=p.basis,
        operating_since=p.operating_since,
        eia_approved_on=p.eia_approved_on,
        permit_date=p.permit_date,
    )


def _site_from_row(row: Any, params: dict[str, str], permit: Permit | None) -> Site:
    return Site(
        id=row.id,
        name=row.name,
        site_type=row.site_type,
        kind=row.kind,
        medium=row.medium,
        lon=row.lon,
        lat=row.lat,
        commune=row.commune,
        district_former=row.district_former,
        facility=row.facility,
        active=row.active,
        synthetic=row.synthetic,
        parameters=params,
        permit=permit,
        config=dict(row.config or {}),
    )


def list_sites(
    conn: Connection, *, site_type: str | None = None, kind: str | None = None
) -> list[Site]:
    """All sites (optionally one type or kind), with parameters and permit, ordered by id."""
    query = select(sites).order_by(sites.c.id)
    if site_type:
        query = query.where(sites.c.site_type == site_type)
    if kind:
        query = query.where(sites.c.kind == kind)
    rows = conn.execute(query).all()
    params: dict[str, dict[str, str]] = {}
    for p in conn.execute(select(site_parameters)):
        params.setdefault(p.site_id, {})[p.parameter] = p.unit
    permit_of: dict[str, Permit] = {}
    for p in conn.execute(select(permits)):
        permit_of[p.site_id] = _permit_from_row(p)
    return [_site_from_row(r, params.get(r.id, {}), permit_of.get(r.id)) for r in rows]


def get_sites(conn: Connection, site_ids: Iterable[str]) -> dict[str, Site]:
    """Several sites by id (those that exist), in three queries whatever their number."""
    ids = {"ids": list(site_ids)}
    if not ids["ids"]:
        return {}
    params: dict[str, dict[str, str]] = {}
    for p in conn.execute(_PARAMETERS_OF, ids):
        params.setdefault(p.site_id, {})[p.parameter] = p.unit
    found = {p.site_id: _permit_from_row(p) for p in conn.execute(_PERMITS_OF, ids)}
    return {
        row.id: _site_from_row(row, params.get(row.id, {}), found.get(row.id))
        for row in conn.execute(_SITES_OF, ids)
    }


# get_sites' statements, built once (the after-ingest step reads a batch's sites every batch)
_PARAMETERS_OF = select(site_parameters).where(
    site_parameters.c.site_id.in_(bindparam("ids", expanding=True))
)
_PERMITS_OF = select(permits).where(permits.c.site_id.in_(bindparam("ids", expanding=True)))
_SITES_OF = select(sites).where(sites.c.id.in_(bindparam("ids", expanding=True)))


def get_site(conn: Connection, site_id: str) -> Site | None:
    """One site by id, or None."""
    row = conn.execute(select(sites).where(sites.c.id == site_id)).first()
    if row is None:
        return None
    params = {
        p.parameter: p.unit
        for p in conn.execute(select(site_parameters).where(site_parameters.c.site_id == site_id))
    }
    prow = conn.execute(select(permits).where(permits.c.site_id == site_id)).first()
    permit = _permit_from_row(prow) if prow else None
    return _site_from_row(row, params, permit)


def site_labels(conn: Connection, ids: list[str]) -> list[Any]:
    """``(id, name, facility, kind)`` rows of the listed sites (no config decoding)."""
    if not ids:
        return []
    query = select(sites.c.id, sites.c.name, sites.c.facility, sites.c.kind)
    return list(conn.execute(query.where(sites.c.id.in_(ids))))


def permit_as_dict(permit: Permit | None) -> dict[str, Any] | None:
    """A JSON-ready view of a permit."""
    return asdict(permit) if permit else None


_station_cache: dict[str, tuple[tuple[Any, ...], list[Site]]] = {}
_station_cache_lock = threading.Lock()


def _scalar(*columns: Any, where: Any = None, table: Any = None) -> Any:
    query = select(*columns)
    if table is not None:
        query = query.select_from(table)
    return (query if where is None else query.where(where)).scalar_subquery()


_STATION = sites.c.site_type == "station"
# The fingerprint in one statement (the alert pass after every polled batch reads it).
_FINGERPRINT = select(
    _scalar(func.count(), where=_STATION, table=sites),
    _scalar(func.max(sites.c.updated_at), where=_STATION),
    _scalar(func.count(), table=permits),
    _scalar(func.max(permits.c.updated_at)),
    _scalar(func.count(), table=site_parameters),
    *(
        func.coalesce(
            _scalar(revisions.revisions.c.value, where=revisions.revisions.c.name == n), 0
        )
        for n in (revisions.REGISTRY, revisions.PERMITS)
    ),
)


def _stations_fingerprint(conn: Connection) -> tuple[Any, ...]:
    return tuple(conn.execute(_FINGERPRINT).one())


def cached_stations(conn: Connection) -> list[Site]:
    """All automatic stations, as :func:`list_sites` gives them, cached per database.

    Hot paths (the alert pass after every ingested file) need the registry each time; with
    thousands of stations rebuilding it dominated. The cache is keyed by a cheap fingerprint
    of the sites, permits and site parameters, so any registry or permit change is seen at once.
    Callers must not mutate the returned objects (they are frozen dataclasses).
    """
    key = conn.engine.url.render_as_string(hide_password=True)
    fingerprint = _stations_fingerprint(conn)
    with _station_cache_lock:
        hit = _station_cache.get(key)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    items = list_sites(conn, site_type="station")
    with _station_cache_lock:
        _station_cache[key] = (fingerprint, items)
    return items
