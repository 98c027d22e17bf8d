"""Store side of the periodic programme: points, rounds, evaluated results, round reports.

``latest_point_results(conn)`` is what the monitoring-points layer shows for each point.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, func, select

from stations.errors import UnknownStation
from stations.programme.evaluate import PointInfo, PointRound, StoredResult, evaluate_point
from stations.programme.report import build_round_report
from stations.programme.rounds import UnknownRound
from stations.store.programme_tables import lab_results, programme_rounds
from stations.store.schema import sites

MAX_ID_LIST = 1000


def points(conn: Connection, ids: Collection[str] | None = None) -> dict[str, PointInfo]:
    """Every periodic monitoring point (or those of ``ids``): ``{id: PointInfo}``."""
    query = select(sites).where(sites.c.site_type == "point")
    if ids is not None:
        query = query.where(sites.c.id.in_(sorted(ids)))
    rows = conn.execute(query.order_by(sites.c.id))
    return {
        r.id: PointInfo(
            id=r.id,
            name=r.name,
            medium=r.medium,
            commune=r.commune,
            lon=r.lon,
            lat=r.lat,
            water_class=(r.config or {}).get("water_class"),
            synthetic=bool(r.synthetic),
        )
        for r in rows
    }


def _round_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "year": r.year,
        "number": r.number,
        "key": f"{r.year}-{r.number}",
        "label": f"Đợt {r.number}/{r.year}",
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
    }


def list_rounds(conn: Connection) -> list[dict[str, Any]]:
    """Every round, oldest first, with the number of results and points sampled."""
    counts = {
        r.round_id: (r.n, r.points)
        for r in conn.execute(
            select(
                lab_results.c.round_id,
                func.count().label("n"),
                func.count(func.distinct(lab_results.c.point_id)).label("points"),
            ).group_by(lab_results.c.round_id)
        )
    }
    out = []
    query = select(programme_rounds).order_by(programme_rounds.c.year, programme_rounds.c.number)
    for r in conn.execute(query):
        n, pts = counts.get(r.id, (0, 0))
        out.append({**_round_dict(r), "results": n, "points": pts})
    return out


def get_round(conn: Connection, round_id: int) -> dict[str, Any]:
    """One round by id; raises :class:`UnknownRound`."""
    row = conn.execute(select(programme_rounds).where(programme_rounds.c.id == round_id)).first()
    if row is None:
        raise UnknownRound(str(round_id))
    return _round_dict(row)


def find_round(conn: Connection, year: int, number: int) -> dict[str, Any]:
    """The round ``number`` of ``year``; raises :class:`UnknownRound`."""
    row = conn.execute(
        select(programme_rounds).where(
            programme_rounds.c.year == year, programme_rounds.c.number == number
        )
    ).first()
    if row is None:
        raise UnknownRound(f"{year}-{number}")
    return _round_dict(row)


def previous_round(conn: Connection, round_: dict[str, Any]) -> dict[str, Any] | None:
    """The round just before ``round_`` that has results, or None."""
    rows = [
        r
        for r in list_rounds(conn)
        if r["results"] and (r["year"], r["number"]) < (round_["year"], round_["number"])
    ]
    return rows[-1] if rows else None


def _stored(rows: Iterable[Any]) -> dict[str, list[StoredResult]]:
    out: dict[str, list[StoredResult]] = {}
    for r in rows:
        out.setdefault(r.point_id, []).append(
            StoredResult(
                round_id=r.round_id,
                point_id=r.point_id,
                parameter=r.parameter,
                sampled_at=r.sampled_at,
                averaging=r.averaging,
                value=r.value,
                unit=r.unit,
                qualifier=r.qualifier,
                laboratory=r.laboratory,
                method=r.method,
                synthetic=bool(r.synthetic),
            )
        )
    return out


def round_evaluations(conn: Connection, round_id: int) -> list[PointRound]:
    """Every point sampled in the round, evaluated; ordered by point id."""
    known = points(conn)
    by_point = _stored(conn.execute(select(lab_results).where(lab_results.c.round_id == round_id)))
    return [
        evaluate_point(known[pid], rs, round_id=round_id)
        for pid, rs in sorted(by_point.items())
        if pid in known
    ]


def round_results(conn: Connection, round_id: int) -> list[StoredResult]:
    """Every stored result of a round, by point, parameter and time."""
    rows = conn.execute(
        select(lab_results)
        .where(lab_results.c.round_id == round_id)
        .order_by(lab_results.c.point_id, lab_results.c.parameter, lab_results.c.sampled_at)
    )
    return [r for rs in _stored(rows).values() for r in rs]


def point_results(conn: Connection, point_id: str) -> dict[str, Any]:
    """A point and its evaluated results, round by round (oldest first)."""
    known = points(conn)
    point = known.get(point_id)
    if point is None:
        raise UnknownStation(point_id)
    rounds = {r["id"]: r for r in list_rounds(conn)}
    by_round: dict[int, list[StoredResult]] = {}
    for r in _stored(
        conn.execute(select(lab_results).where(lab_results.c.point_id == point_id))
    ).get(point_id, []):
        by_round.setdefault(r.round_id, []).append(r)
    out = []
    for rid in sorted(by_round, key=lambda i: (rounds[i]["year"], rounds[i]["number"])):
        ev = evaluate_point(point, by_round[rid], round_id=rid)
        out.append(
            {
                "round": rounds[rid]["key"],
                "round_id": rid,
                "round_label": rounds[rid]["label"],
                **ev.as_dict(),
            }
        )
    return {
        "point": asdict(point),
        "rounds": out,
    }


def latest_point_results(conn: Connection) -> dict[str, dict[str, Any]]:
    """``{point_id: {round, status, wqi, wqi_class, colour, exceedances, results, ...}}``.

    For each point with results, its latest round with results. ``status`` is ``meets`` |
    ``exceeds`` | ``no_limit`` | ``no_data``; ``results`` is ``{parameter: {value, unit,
    qualifier, limit, ratio, verdict, ...}}``. Points without results are absent.
    """
    rounds = {r["id"]: r for r in list_rounds(conn)}
    order = {rid: (r["year"], r["number"]) for rid, r in rounds.items()}
    latest_round: dict[str, int] = {}
    for pid, rid in conn.execute(select(lab_results.c.point_id, lab_results.c.round_id).distinct()):
        if pid not in latest_round or order[rid] > order[latest_round[pid]]:
            latest_round[pid] = rid
    # only the points with results (a layer of 100,000 points has results at a few hundred);
    # a long id list would outgrow the backends' parameter limits, so then all are read
    known = points(conn, latest_round if len(latest_round) <= MAX_ID_LIST else None)
    wanted = set(latest_round.values())
    rows: Iterable[Any] = (
        conn.execute(select(lab_results).where(lab_results.c.round_id.in_(wanted)))
        if wanted
        else []
    )
    by_point_round: dict[tuple[str, int], list[StoredResult]] = {}
    for pid, rs in _stored(rows).items():
        for r in rs:
            if r.round_id == latest_round[pid]:
                by_point_round.setdefault((pid, r.round_id), []).append(r)
    out = {}
    for (pid, rid), rs in sorted(by_point_round.items()):
        if pid not in known:
            continue
        ev = evaluate_point(known[pid], rs, round_id=rid)
        out[pid] = {
            "round": rounds[rid]["key"],
            "round_id": rid,
            "round_label": rounds[rid]["label"],
            **ev.as_dict(),
        }
    return out


def round_report(conn: Connection, round_id: int) -> tuple[dict[str, Any], list[PointRound]]:
    """The round report's numbers (``report.build_round_report``) and the evaluations behind it."""
    round_ = get_round(conn, round_id)
    evaluations = round_evaluations(conn, round_id)
    prev = previous_round(conn, round_)
    prev_evaluations = round_evaluations(conn, prev["id"]) if prev else []
    synthetic = bool(
        conn.scalar(
            select(func.count())
            .select_from(lab_results)
            .where(lab_results.c.round_id == round_id, lab_results.c.synthetic.is_(True))
        )
    )
    report = build_round_report(round_, evaluations, prev, prev_evaluations, synthetic=synthetic)
    return report, evaluations
