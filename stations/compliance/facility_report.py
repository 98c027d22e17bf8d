"""The numbers of a facility compliance report (evidence under Decree 45/2022), JSON-ready.

Per station and parameter: the rule that applied (and why), data capture %, periods evaluated and
compliant, calibration and device-error time, and every exceedance episode in the window with
its peak, Decree 45/2022 band and duration, and the source files behind it (name, SHA-256, where
the raw archive keeps the bytes) so a copy can be verified against the evidence. Rendering (HTML,
XLSX) lives outside the domain core (``service/reports``).

A facility is named by its key (the facility name folded to ASCII, e.g.
``khu-cong-nghiep-dong-banh``), its exact name, or the id of one of its stations.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import Connection, func, select

from stations.compliance.bands import band_label
from stations.compliance.current import current_limit_state
from stations.compliance.summary import station_summary
from stations.errors import InvalidRequest, QuantracError
from stations.ingest.evidence import ArchiveReader
from stations.sites import Site
from stations.store.compliance import list_episodes
from stations.store.schema import ingested_files, readings
from stations.store.sites import list_sites

DEVICE_STATUS = {"01": "calibrating", "02": "device_error"}
MAX_FILES_PER_EPISODE = 2000  # a 5-minute station sends 288 files a day: a week-long episode


class UnknownFacility(QuantracError, LookupError):
    """No facility has this key, name or station id."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Không có cơ sở / unknown facility {key!r}")


def facility_key(name: str) -> str:
    """``"Khu công nghiệp Đồng Bành"`` → ``"khu-cong-nghiep-dong-banh"``."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def facilities(conn: Connection) -> dict[str, list[Site]]:
    """``{facility key: [its active wastewater/flue-gas stations]}``."""
    out: dict[str, list[Site]] = {}
    for site in list_sites(conn, site_type="station"):
        if site.facility and site.kind in ("wastewater", "fluegas"):
            out.setdefault(facility_key(site.facility), []).append(site)
    return out


def find_facility(conn: Connection, key: str) -> tuple[str, list[Site]]:
    """(facility key, stations) for a key, a facility name or a station id."""
    known = facilities(conn)
    wanted = facility_key(key)
    if wanted in known:
        return wanted, known[wanted]
    for fkey, sites in known.items():
        if any(s.id == key for s in sites):
            return fkey, sites
    raise UnknownFacility(key)


def _device_time(conn: Connection, site: Site, start: int, end: int) -> dict[str, dict[str, Any]]:
    """``{parameter: {calibrating: h, device_error: h}}`` from readings with status 01/02."""
    interval_h = float(site.config.get("polling", {}).get("interval_minutes", 5) or 5) / 60
    query = (
        select(readings.c.parameter, readings.c.status, func.count())
        .where(
            readings.c.station_id == site.id,
            readings.c.observed_at >= start,
            readings.c.observed_at < end,
            readings.c.status.in_(sorted(DEVICE_STATUS)),
        )
        .group_by(readings.c.parameter, readings.c.status)
    )
    out: dict[str, dict[str, Any]] = {}
    for parameter, status, n in conn.execute(query):
        row = out.setdefault(parameter, {"calibrating": 0.0, "device_error": 0.0})
        row[DEVICE_STATUS[status]] = round(int(n) * interval_h, 2)
    return out


def episode_files(
    conn: Connection,
    station_id: str,
    parameter: str,
    start: int,
    end: int,
    archive: ArchiveReader,
) -> list[dict[str, Any]]:
    """The received files whose readings fall in [start, end): name, the SHA-256 of the bytes
    in the raw archive (``verified``: the archive object still hashes to its name), archive
    path, and ``file_key`` (the ingest identity, a hash of name and bytes)."""
    query = (
        select(
            ingested_files.c.name,
            ingested_files.c.sha256,
            ingested_files.c.archive_path,
            ingested_files.c.received_at,
        )
        .where(
            ingested_files.c.id.in_(
                select(readings.c.file_id).where(
                    readings.c.station_id == station_id,
                    readings.c.parameter == parameter,
                    readings.c.observed_at >= start,
                    readings.c.observed_at < end,
                )
            )
        )
        .order_by(ingested_files.c.name)
        .limit(MAX_FILES_PER_EPISODE)
    )
    out = []
    for name, key, path, at in conn.execute(query):
        proof = archive.evidence(path)
        out.append(
            {
                "name": name,
                "sha256": proof.sha256,
                "verified": proof.verified,
                "archive_path": path,
                "file_key": key,
                "received_at": int(at),
            }
        )
    return out


def _episode(
    conn: Connection, e: dict[str, Any], end: int, archive: ArchiveReader
) -> dict[str, Any]:
    stop = e["closed_at"] if e["closed_at"] is not None else min(end, e["last_period_end"])
    files = episode_files(conn, e["station_id"], e["parameter"], e["opened_at"], stop, archive)
    return {
        "parameter": e["parameter"],
        "averaging": e["averaging"],
        "state": e["state"],
        "opened_at": e["opened_at"],
        "closed_at": e["closed_at"],
        "duration_hours": round((stop - e["opened_at"]) / 3600, 2),
        "peak_value": e["peak_value"],
        "peak_ratio": e["peak_ratio"],
        "limit": e["limit"],
        "unit": e["unit"],
        "band": e["band"],
        "band_label": band_label(e["band"]) if e["band"] is not None else None,
        "regulation": e["regulation"],
        "rule": e["rule"],
        "citation": e["citation"],
        "low_confidence": e["low_confidence"],
        "files": files,
        "files_truncated": len(files) >= MAX_FILES_PER_EPISODE,
    }


def station_section(
    conn: Connection, site: Site, start: int, end: int, archive: ArchiveReader
) -> dict[str, Any]:
    """One station's part of the report."""
    summary = station_summary(conn, site, start, end)
    limits, missing = current_limit_state(site, max(start, end - 1))
    device = _device_time(conn, site, start, end)
    episodes = [
        _episode(conn, e, end, archive)
        for e in reversed(list_episodes(conn, station_id=site.id, start=start, end=end))
    ]
    series = {s["parameter"]: s for s in summary["series"]}
    parameters = []
    for code in sorted(site.parameters):
        s = series.get(code)
        limit = limits.get(code)
        parameters.append(
            {
                "parameter": code,
                "unit": site.parameters[code],
                "rule": limit.reason or limit.citation if limit else None,
                "regulation": limit.regulation if limit else None,
                "limit": limit.as_dict() if limit else None,
                "state": "limit_missing"
                if code in missing
                else ("assessed" if limit else "no_limit"),
                "missing_reason": missing[code].rule_reason if code in missing else None,
                "data_capture_pct": summary["data_capture_pct"].get(code),
                "periods_evaluated": s["periods_evaluated"] if s else 0,
                "periods_compliant": s["periods_compliant"] if s else 0,
                "pct_compliant": s["pct_compliant"] if s else None,
                "calibrating_hours": device.get(code, {}).get("calibrating", 0.0),
                "device_error_hours": device.get(code, {}).get("device_error", 0.0),
                "exceedances": sum(1 for e in episodes if e["parameter"] == code),
            }
        )
    return {
        "station": site.id,
        "name": site.name,
        "kind": site.kind,
        "permit": _permit(site),
        "hours": summary["hours"],
        "pct_compliant": summary["pct_compliant"],
        "parameters": parameters,
        "episodes": episodes,
    }


def _permit(site: Site) -> dict[str, Any] | None:
    p = site.permit
    if p is None:
        return None
    return {
        "regulation": p.regulation,
        "column": p.column_class,
        "coefficients": p.coefficients,
        "limits": p.limits,
        "basis": p.basis,
        **{k: v.isoformat() for k, v in p.applicability_dates().items()},
    }


def facility_report(conn: Connection, key: str, start: int, end: int) -> dict[str, Any]:
    """The whole report for one facility over [start, end) (UTC epoch seconds)."""
    if end <= start:
        raise InvalidRequest("Khoảng thời gian rỗng / end must be after start")
    fkey, sites = find_facility(conn, key)
    archive = ArchiveReader()
    try:
        stations = [station_section(conn, s, start, end, archive) for s in sites if s.active]
    finally:
        archive.close()
    return {
        "facility": sites[0].facility,
        "key": fkey,
        "start": start,
        "end": end,
        "synthetic": any(s.synthetic for s in sites),
        "stations": stations,
        "exceedances": sum(len(s["episodes"]) for s in stations),
        "legal_basis": (
            "Nghị định 45/2022/NĐ-CP (mức vượt / exceedance bands); quy chuẩn theo giấy phép "
            "và quy định chuyển tiếp / regulations per permit and transition rules"
        ),
    }
