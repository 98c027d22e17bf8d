"""``GET /map/stations/{id}``: one station's readings as a page, with CSV/XLSX download.

A plain HTML form (no script: the CSP forbids inline code) picks the parameter, the interval
(raw, hourly or daily means) and the dates; the table and the download links come from the
readings API (:mod:`service.web.routes.readings`, :mod:`service.web.readings_table`): one source.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from service.auth.pages import render
from service.web import readings_table
from service.web.deps import ConnDep, SettingsDep
from service.web.readings_window import read_window, window_body
from stations.errors import InvalidRequest, UnknownStation
from stations.parameters import catalogue
from stations.store.sites import get_site

router = APIRouter(tags=["readings"])

INTERVALS = (
    ("raw", "Số liệu gốc / raw"),
    ("hour", "Trung bình giờ / hourly means"),
    ("day", "Trung bình ngày / daily means"),
)
SHOWN = 500  # rows on the page; the download has them all


@router.get("/map/stations/{station_id}", response_class=HTMLResponse, summary="Station data page")
def station_data_page(
    station_id: str,
    conn: ConnDep,
    settings: SettingsDep,
    parameter: str = "",
    interval: str = "hour",
    start: str = "",
    end: str = "",
) -> HTMLResponse:
    """The station's readings over the chosen range, with download links."""
    site = get_site(conn, station_id)
    if site is None or site.site_type != "station":
        raise UnknownStation(station_id)
    query = {"parameter": parameter, "interval": interval, "start": start, "end": end}
    names = catalogue()
    parameters = [(c, names[c].name_vi if c in names else c) for c in sorted(site.parameters)]
    error, body, rows = None, None, []
    try:
        body = window_body(
            read_window(
                station_id, conn, settings, parameter or None, start or None, end or None, interval
            )
        )
        rows = readings_table.table_rows(body)
    except InvalidRequest as exc:
        error = str(exc)
    api = f"/api/stations/{station_id}/readings?"
    given = {k: v for k, v in query.items() if v}
    return render(
        "stations/data.html",
        400 if error else 200,
        principal=None,
        station=site,
        parameters=parameters,
        intervals=INTERVALS,
        query=query,
        body=body,
        rows=rows,
        shown=SHOWN,
        columns=readings_table.columns(interval if body else "hour"),
        error=error,
        csv_url=api + urlencode({**given, "format": "csv"}),
        xlsx_url=api + urlencode({**given, "format": "xlsx"}),
    )
