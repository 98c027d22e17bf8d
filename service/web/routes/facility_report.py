"""``GET /api/facilities`` and ``GET /api/facilities/{id}/report``: a facility's compliance
report (JSON numbers, HTML or XLSX) over a window, default the last 30 days (thin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from service.reports.facility import MEDIA_TYPES, render_facility_report, report_filename
from service.web.deps import ConnDep, SettingsDep
from service.web.routes.compliance import _window
from stations.compliance.facility_report import facilities, facility_report
from stations.timeutil import epoch_to_local_iso, now_epoch

router = APIRouter(prefix="/api", tags=["compliance"])


@router.get("/facilities", summary="Facilities with wastewater or flue-gas stations")
def facilities_list(conn: ConnDep) -> dict[str, Any]:
    """``{facilities: [{key, name, stations}]}``; ``key`` names the facility in report URLs."""
    return {
        "facilities": [
            {"key": key, "name": sites[0].facility, "stations": [s.id for s in sites]}
            for key, sites in sorted(facilities(conn).items())
        ]
    }


@router.get(
    "/facilities/{facility_id}/report",
    summary="Facility compliance report (Decree 45/2022 evidence): JSON, HTML or XLSX",
)
def facility_report_route(
    facility_id: str,
    conn: ConnDep,
    settings: SettingsDep,
    start: str | None = None,
    end: str | None = None,
    format: Annotated[Literal["json", "html", "xlsx"], Query()] = "json",
) -> Any:
    """Per station and parameter: rule applied, capture %, compliant periods, calibration and
    device-error time, every exceedance episode with its source files and SHA-256."""
    tz = ZoneInfo(settings.display_tz)
    start_at, end_at = _window(start, end, tz, 30 * 86400)
    report = facility_report(conn, facility_id, start_at, end_at)
    if format == "json":
        return report
    body = render_facility_report(report, format, epoch_to_local_iso(now_epoch(), tz), tz)
    disposition = "inline" if format == "html" else "attachment"
    name = report_filename(report, format)
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )
