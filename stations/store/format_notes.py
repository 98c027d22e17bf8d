"""How received files deviated from the canonical Circular 10/2021 form, summarised for admins.

Each ``ingested_files`` row carries ``format_notes`` ("LF; spaces; unit mg/Nm3→mg/Nm³"). The
summary groups them by station (the facility to call) and by source (the poll's source id, the
part of ``origin`` before ``:``; ``ingest`` for files loaded from disk), with one SQL group per
(station, notes) so memory stays bounded by the number of distinct spellings, not of files.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, func, select

from stations.store.dbapi import fetch_all
from stations.store.readings import _in_list
from stations.store.schema import ingested_files


def source_of(origin: str) -> str:
    """The source id of a poll's origin (``<source id>:<path>``); ``ingest`` for a local path."""
    head, sep, _rest = origin.partition(":")
    if not sep or head.startswith((".", "/", "\\")) or len(head) == 1:  # a path (or C:\...)
        return "ingest"
    return head


def format_summary(conn: Connection, since: int | None = None) -> dict[str, Any]:
    """``{stations: [...], sources: [...]}``: files received, files with deviations, the
    deviations with their file counts, and the last time each station sent a deviating file."""
    f = ingested_files.c
    query = select(
        f.station_id,
        f.format_notes,
        func.count(),
        func.max(f.received_at),
        func.min(f.origin),
    ).group_by(f.station_id, f.format_notes)
    if since is not None:
        query = query.where(f.received_at >= since)
    stations: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, Any]] = {}
    for station, notes, n, last, origin in conn.execute(query):
        key = station or "?"
        src = source_of(origin or "")
        for bucket, name in ((stations, key), (sources, src)):
            entry = bucket.setdefault(
                name, {"files": 0, "deviating_files": 0, "notes": Counter(), "last_deviation": None}
            )
            entry["files"] += n
            if notes:
                entry["deviating_files"] += n
                entry["last_deviation"] = max(entry["last_deviation"] or 0, last)
                for note in notes.split("; "):
                    entry["notes"][note] += n
        stations[key].setdefault("sources", set()).add(src)

    def rows(bucket: dict[str, dict[str, Any]], label: str) -> list[dict[str, Any]]:
        out = []
        for name, e in sorted(bucket.items()):
            row = {
                label: name,
                **e,
                "notes": [{"note": k, "files": v} for k, v in e["notes"].most_common()],
            }
            if "sources" in e:
                row["sources"] = sorted(e["sources"])
            out.append(row)
        return out

    return {"stations": rows(stations, "station_id"), "sources": rows(sources, "source")}


def notes_of_files(conn: Connection, file_ids: set[int]) -> dict[int, str]:
    """``{file id: format notes}`` of the files among ``file_ids`` that deviated (on the DBAPI
    cursor: the readings API asks this for every page, a day's page has 288 files)."""
    out: dict[int, str] = {}
    ids = sorted(file_ids)
    sql = "SELECT id, format_notes FROM ingested_files WHERE id {} AND format_notes IS NOT NULL"
    for i in range(0, len(ids), 500):
        test, args = _in_list(conn, ids[i : i + 500])
        out.update(fetch_all(conn, sql.format(test), args))
    return out
