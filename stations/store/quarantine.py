"""Quarantined files (``ingested_files`` rows with outcome ``quarantined``), for operators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from stations.store.schema import ingested_files

_F = ingested_files.c
COLUMNS = (
    _F.id,
    _F.name,
    _F.origin,
    _F.station_id,
    _F.received_at,
    _F.size,
    _F.reason,
    _F.archive_path,
    _F.format_notes,
)


def list_quarantined(
    conn: Connection,
    *,
    reason: str | None = None,
    station: str | None = None,
    since: int | None = None,
    ids: list[int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """Quarantined files, newest first, and how many match (``reason``: a substring)."""
    where = [_F.outcome == "quarantined"]
    if reason:
        where.append(func.lower(_F.reason).contains(reason.lower(), autoescape=True))
    if station:
        where.append(_F.station_id == station)
    if since is not None:
        where.append(_F.received_at >= since)
    if ids is not None:
        where.append(_F.id.in_(ids))
    total = conn.scalar(select(func.count()).select_from(ingested_files).where(*where)) or 0
    rows = conn.execute(
        select(*COLUMNS)
        .where(*where)
        .order_by(_F.received_at.desc(), _F.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def get_quarantined(conn: Connection, file_id: int) -> Any | None:
    """One quarantined file's row (with its line errors), or None."""
    query = select(*COLUMNS, _F.line_errors).where(_F.id == file_id, _F.outcome == "quarantined")
    return conn.execute(query).first()
