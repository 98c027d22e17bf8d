"""``GET /api/stations/{id}/readings``: a station's readings, raw or as hourly/daily means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Connection, Engine

from service.runtime import Runtime
from service.settings import Settings
from service.web import readings_table
from service.web.cpu_slots import on_cpu_pool
from service.web.deps import get_runtime
from service.web.json_answer import accepts_gzip, encoded_answer
from service.web.readings_json import window_json
from service.web.readings_paging import decode_cursor, encode_cursor, page_limit
from service.web.readings_window import read_window, window_body
from service.web.routes.answers import ReadingsAnswer
from stations.errors import InvalidRequest
from stations.store.data_version import readings_version
from stations.store.dbapi import snapshot
from stations.timeutil import now_epoch

router = APIRouter(prefix="/api", tags=["readings"])


@router.get(
    "/stations/{station_id}/readings",
    summary="Readings of one station (raw/hour/day)",
    responses={200: {"model": ReadingsAnswer}},
)
async def station_readings(
    station_id: str,
    request: Request,
    parameter: str | None = None,
    start: str | None = None,
    end: str | None = None,
    interval: str = "raw",
    format: str = "json",
    limit: str | None = None,
    cursor: str | None = None,
) -> Any:
    """Series per parameter with units; raw points carry status and QC flags.

    ``parameter``: one code or a comma list (default: all of the station's); ``start``/``end``:
    ISO 8601 (default: the last day for raw, 7 days for hour, 90 days for day);
    ``interval``: raw | hour | day (days are local calendar days); ``format``: json (default),
    or csv | xlsx for a table to download (Vietnamese headers, units, local times).
    JSON raw answers are paged: at most ``limit`` readings (default 10,000, at most 50,000)
    and, when more remain, ``next`` (this request with ``cursor``); answers over 1 KB are
    gzip-compressed for clients that accept it.
    """
    if format not in ("json", *readings_table.MEDIA_TYPES):
        raise InvalidRequest(f"format phải là / must be json, csv or xlsx; got {format[:20]!r}")
    q = _Question(station_id, parameter, start, end, interval, format, limit, cursor)
    # The runtime read as service.web.deps.get_runtime reads it, without resolving three
    # dependencies per request; then one hop to one of the two answer threads for the whole
    # answer (the connection, the cache lookup and the build), where a sync route took three.
    runtime = await get_runtime(request)
    return await on_cpu_pool(_respond, request, runtime.engine, runtime.settings, runtime, q)


@dataclass(frozen=True, slots=True)
class _Question:
    station_id: str
    parameter: str | None
    start: str | None
    end: str | None
    interval: str
    format: str
    limit: str | None
    cursor: str | None


def _respond(
    request: Request, engine: Engine, settings: Settings, runtime: Runtime, q: _Question
) -> Response:
    now = now_epoch()  # the one clock read: it keys the answer and ends a default window
    # one snapshot and one file lock for the page's ten statements
    with engine.connect() as conn, snapshot(conn):
        version = readings_version(conn)
        key = None
        if q.format == "json":
            # The same question over the same data has the same answer: the request as sent
            # (its host for the `next` link; the clock when a default window depends on it),
            # the encoding asked for, and the data version read now (any new file changes it).
            key = (
                str(request.url),
                None if q.start and q.end else now,
                accepts_gzip(request.headers.get("accept-encoding")),
                version,
            )
            kept = runtime.readings_answers.get(key)
            if kept is not None:
                return Response(kept[0], media_type="application/json", headers=kept[1])
        answer = _answer(request, conn, settings, q, now, (runtime.readings_sites, version[1]))
    if key is not None:
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        runtime.readings_answers.put(key, bytes(answer.body), headers)
    return answer


def _answer(
    request: Request,
    conn: Connection,
    settings: Settings,
    q: _Question,
    now: int,
    sites: tuple[dict[str, tuple[int, Any]], int],
) -> Response:
    raw = q.interval == "raw"
    if q.format != "json":
        w = read_window(
            q.station_id, conn, settings, q.parameter, q.start, q.end, q.interval, now=now,
            sites=sites,
        )  # fmt: skip
        body = window_body(w)
        return Response(
            readings_table.render(body, q.format),
            media_type=readings_table.MEDIA_TYPES[q.format],
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{readings_table.filename(body, q.format)}"'
                )
            },
        )
    page = page_limit(q.limit) if raw else None
    w = read_window(
        q.station_id, conn, settings, q.parameter, q.start, q.end, q.interval,
        after=decode_cursor(q.cursor) if raw else None, limit=page, now=now, sites=sites,
    )  # fmt: skip
    extra: dict[str, Any] = {}
    if raw:
        nxt = w.next_cursor
        extra["page_limit"] = page
        extra["next"] = (
            str(request.url.include_query_params(cursor=encode_cursor(nxt))) if nxt else None
        )
    return encoded_answer(request, window_json(w, extra))
