"""Audited edits of the site registry by administrators: a site's name/active flag, permits.

The registry file (``quantrac import stations``) stays the source of truth: re-importing it
replaces what was edited here, and that import is what the audit trail then shows. Edits made
here are recorded with before/after and the reason; the compliance area recomputes from the
permit table on its own schedule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from stations.errors import UnknownStation
from stations.store import revisions
from stations.store.audit import audited_update, record_audit, row_as_dict
from stations.store.schema import permits, sites

SITE_FIELDS = ("name", "active")
PERMIT_FIELDS = (
    "regulation",
    "column_class",
    "coefficients",
    "limits",
    "o2_ref",
    "basis",
    "valid_from",
    "valid_to",
    "operating_since",
    "eia_approved_on",
    "permit_date",
)


def update_site(
    conn: Connection, site_id: str, changes: dict[str, Any], *, actor: str, reason: str, now: int
) -> dict[str, Any]:
    """Change a site's name and/or active flag; returns the site's registry row."""
    values = {k: v for k, v in changes.items() if k in SITE_FIELDS}
    values["updated_at"] = now
    result = audited_update(
        conn,
        sites,
        sites.c.id == site_id,
        values,
        actor=actor,
        action="site.update",
        target=f"site:{site_id}",
        reason=reason,
        at=now,
    )
    if result is None:
        raise UnknownStation(site_id)
    revisions.bump(conn, revisions.REGISTRY)
    return site_row(conn, site_id)


def site_row(conn: Connection, site_id: str) -> dict[str, Any]:
    """The registry fields an administrator edits, for one site."""
    row = conn.execute(
        select(sites.c.id, sites.c.name, sites.c.site_type, sites.c.kind, sites.c.active).where(
            sites.c.id == site_id
        )
    ).first()
    if row is None:
        raise UnknownStation(site_id)
    return row_as_dict(row)


def permit_row(conn: Connection, site_id: str) -> dict[str, Any] | None:
    """A site's current permit row (JSON-ready), or None."""
    row = conn.execute(select(permits).where(permits.c.site_id == site_id)).first()
    return None if row is None else row_as_dict(row)


def update_permit(
    conn: Connection, site_id: str, changes: dict[str, Any], *, actor: str, reason: str, now: int
) -> dict[str, Any]:
    """Change (or create) a site's permit fields; returns the permit row."""
    site_row(conn, site_id)  # UnknownStation when the site does not exist
    values = {k: v for k, v in changes.items() if k in PERMIT_FIELDS}
    existing = permit_row(conn, site_id)
    if existing is None:
        row = {
            "site_id": site_id,
            "coefficients": {},
            "limits": {},
            "basis": "1h",
            **values,
            "updated_at": now,
        }
        conn.execute(insert(permits).values(**row))
        revisions.bump(conn, revisions.PERMITS)
        created = permit_row(conn, site_id)
        record_audit(conn, actor, "permit.create", f"site:{site_id}", None, created, reason, at=now)
        return created or {}
    audited_update(
        conn,
        permits,
        permits.c.id == existing["id"],
        {**values, "updated_at": now},
        actor=actor,
        action="permit.update",
        target=f"site:{site_id}",
        reason=reason,
        at=now,
    )
    revisions.bump(conn, revisions.PERMITS)
    return permit_row(conn, site_id) or {}
