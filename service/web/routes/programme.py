"""Periodic programme: results template and upload, rounds, round reports, a point's results."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, HTTPException, Query, Response, UploadFile

from service.reports.programme.rendering import MEDIA_TYPES, render_report, report_filename
from service.web.deps import ConnDep, EngineDep, SettingsDep
from service.web.params import IdPath
from stations.programme.rounds import UnknownRound
from stations.programme.template import template_csv, template_xlsx
from stations.store.programme import list_rounds, point_results, points, round_report
from stations.store.programme_import import import_results_file
from stations.timeutil import epoch_to_local_iso, now_epoch

router = APIRouter(tags=["programme"])


@router.get("/api/results/template", summary="Results template (CSV or XLSX)")
def results_template(
    conn: ConnDep, format: Annotated[Literal["csv", "xlsx"], Query()] = "csv"
) -> Response:
    """The laboratory results template; the XLSX adds a guide, the parameters and the points."""
    if format == "xlsx":
        rows = [(p.id, p.name, p.medium, p.commune, p.water_class) for p in points(conn).values()]
        body = template_xlsx(rows)
    else:
        body = ("\ufeff" + template_csv()).encode("utf-8")  # BOM: Excel opens it as UTF-8
    media = "text/csv; charset=utf-8" if format == "csv" else MEDIA_TYPES["xlsx"]
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="results-template.{format}"'},
    )


@router.post("/api/results", summary="Upload a laboratory results file (all or nothing)")
def upload_results(engine: EngineDep, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Validate every row, then import in one transaction; 422 lists every bad row and column."""
    data = file.file.read()
    with engine.begin() as conn:
        summary = import_results_file(conn, data, file.filename or "results.csv", now_epoch())
    return summary.as_dict()


@router.get("/api/rounds", summary="Monitoring rounds with their result counts")
def rounds(conn: ConnDep) -> dict[str, Any]:
    """Every round, oldest first: id, year, number, label, results, points sampled."""
    return {"rounds": list_rounds(conn)}


@router.get("/api/rounds/{round_id}/report", summary="Round report (HTML, XLSX or JSON)")
def round_report_route(
    round_id: IdPath,
    conn: ConnDep,
    settings: SettingsDep,
    format: Annotated[Literal["html", "xlsx", "json"], Query()] = "html",
) -> Any:
    """The round report; ``json`` gives the numbers the HTML and XLSX show."""
    try:
        report, evaluations = round_report(conn, round_id)
    except UnknownRound as exc:
        raise HTTPException(404, str(exc)) from exc
    if format == "json":
        return report
    generated = epoch_to_local_iso(now_epoch(), ZoneInfo(settings.display_tz))
    body = render_report(report, evaluations, format, generated)
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'{disposition}; filename="{report_filename(report, format)}"'
        },
    )


@router.get("/api/points/{point_id}/results", summary="A monitoring point's results by round")
def point_results_route(point_id: str, conn: ConnDep) -> dict[str, Any]:
    """The point, and for each round its status, VN_WQI, exceedances and results."""
    return point_results(conn, point_id)
