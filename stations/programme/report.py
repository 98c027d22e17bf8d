"""The numbers of a round report (pure): compliance per medium, exceedances, change, WQI, follow-up.

Definitions (docs/programme.md, "Round report"):

- ``share_meeting`` = points that meet QCVN ÷ points compared, in % (one decimal). A point is
  *compared* when at least one of its results had a limit; points with no limit configured
  (noise and soil until the department enters them) are counted apart, never as meeting.
- ``change`` = this round's share − the previous round's share, in percentage points.
- A point needs follow-up when it exceeds QCVN in this round, or its VN_WQI is 50 or below
  (class Xấu or worse); ``repeat`` marks a point that also exceeded in the previous round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from stations.programme.catalogue import lab_catalogue
from stations.programme.evaluate import MEDIUM_LABELS, PointRound
from stations.programme.wqi import wqi_classes
from stations.programme.wqi_formula import current_formula, wqi_formulas

MEDIA_ORDER = tuple(MEDIUM_LABELS)
FOLLOW_UP_WQI = 50


def _share(meets: int, compared: int) -> float | None:
    return round(100 * meets / compared, 1) if compared else None


def media_summary(evaluations: Sequence[PointRound]) -> dict[str, dict[str, Any]]:
    """``{medium: {points, meets, exceeds, no_limit, compared, share_meeting, limits_missing,
    limits_missing_parameters}}``: ``limits_missing`` counts results not assessed because their
    applicable limit row has no value yet (never counted as meeting)."""
    out: dict[str, dict[str, Any]] = {}
    for medium in MEDIA_ORDER:
        statuses = Counter(e.status for e in evaluations if e.point.medium == medium)
        if not statuses:
            continue
        compared = statuses["meets"] + statuses["exceeds"]
        missing = _limits_missing(e for e in evaluations if e.point.medium == medium)
        out[medium] = {
            "medium": medium,
            "label": MEDIUM_LABELS[medium],
            "points": sum(statuses.values()),
            "meets": statuses["meets"],
            "exceeds": statuses["exceeds"],
            "no_limit": statuses["no_limit"],
            "compared": compared,
            "share_meeting": _share(statuses["meets"], compared),
            "limits_missing": len(missing),
            "limits_missing_parameters": sorted({p for p, _ in missing}),
        }
    return out


def _limits_missing(evaluations: Iterable[PointRound]) -> list[tuple[str, str]]:
    """(parameter, point id) of each result compared with a limit row that has no value."""
    return [
        (parameter, e.point.id)
        for e in evaluations
        for parameter, ev in e.by_parameter.items()
        if not ev.comparison.compared
        and ev.comparison.limit is not None
        and ev.comparison.limit.missing
    ]


def build_round_report(
    round_: dict[str, Any],
    evaluations: Sequence[PointRound],
    previous: dict[str, Any] | None = None,
    previous_evaluations: Sequence[PointRound] = (),
    *,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Everything a round report shows, JSON-ready (the HTML, XLSX and API share it)."""
    media = media_summary(evaluations)
    before = media_summary(previous_evaluations)
    for medium, row in media.items():
        prev_share = before.get(medium, {}).get("share_meeting")
        row["previous_share"] = prev_share
        share = row["share_meeting"]
        row["change"] = (
            None if share is None or prev_share is None else round(share - prev_share, 1)
        )
    catalogue = lab_catalogue()
    by_param: Counter[tuple[str, str]] = Counter()
    for e in evaluations:
        for x in e.exceedances:
            by_param[(e.point.medium, x.result.parameter)] += 1
    by_commune: Counter[str] = Counter()
    sampled_commune: Counter[str] = Counter()
    for e in evaluations:
        commune = e.point.commune or "—"
        sampled_commune[commune] += 1
        if e.status == "exceeds":
            by_commune[commune] += 1
    was_exceeding = {e.point.id for e in previous_evaluations if e.status == "exceeds"}
    now_exceeding = {e.point.id for e in evaluations if e.status == "exceeds"}
    compared_before = {e.point.id for e in previous_evaluations if e.status in ("meets", "exceeds")}
    wqi_points = [e for e in evaluations if e.wqi is not None and e.wqi.value is not None]
    class_counts = Counter(e.wqi.wqi_class.code for e in wqi_points if e.wqi and e.wqi.wqi_class)
    return {
        "round": round_,
        "previous": previous,
        "synthetic": synthetic,
        "points_sampled": len(evaluations),
        "media": list(media.values()),
        "exceedances_by_parameter": [
            {
                "medium": medium,
                "parameter": code,
                "name_vi": catalogue[(code, medium)].name_vi,
                "points": n,
            }
            for (medium, code), n in sorted(by_param.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "exceedances_by_commune": [
            {"commune": c, "points_exceeding": n, "points_sampled": sampled_commune[c]}
            for c, n in sorted(by_commune.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "changes": {
            "newly_exceeding": sorted(now_exceeding - was_exceeding),
            "no_longer_exceeding": sorted((was_exceeding - now_exceeding) & compared_before),
            "still_exceeding": sorted(now_exceeding & was_exceeding),
        },
        "wqi_classes": [
            {
                "code": c.code,
                "name_vi": c.name_vi,
                "name_en": c.name_en,
                "range": f"{c.min}–{c.max}",
                "colour": c.hex,
                "points": class_counts.get(c.code, 0),
            }
            for c in wqi_classes()
        ],
        "wqi_points": [
            {
                "point_id": e.point.id,
                "name": e.point.name,
                "lon": e.point.lon,
                "lat": e.point.lat,
                "wqi": e.wqi.value,
                "class": e.wqi.wqi_class.name_vi,
                "colour": e.wqi.wqi_class.hex,
                "low_confidence_rows": list(e.wqi.low_confidence_rows),
            }
            for e in wqi_points
            if e.wqi is not None and e.wqi.wqi_class is not None
        ],
        "wqi_method": _wqi_method(wqi_points),
        "follow_up": _follow_up(evaluations, was_exceeding),
    }


def _wqi_method(points: Sequence[PointRound]) -> dict[str, Any]:
    """The aggregation formula and every low-confidence sub-index row the round's VN_WQI used."""
    rows = sorted({c for e in points if e.wqi for c in e.wqi.low_confidence_rows})
    keys = {e.wqi.formula for e in points if e.wqi}
    formula = wqi_formulas().get(keys.pop()) if len(keys) == 1 else current_formula()
    return {"formula": formula.as_dict() if formula else None, "low_confidence_rows": rows}


def _follow_up(evaluations: Sequence[PointRound], was_exceeding: set[str]) -> list[dict[str, Any]]:
    out = []
    for e in evaluations:
        low_wqi = e.wqi is not None and e.wqi.value is not None and e.wqi.value <= FOLLOW_UP_WQI
        if e.status != "exceeds" and not low_wqi:
            continue
        reasons = [
            f"{x.result.parameter} {x.result.value:g} {x.result.unit} ({x.comparison.limit_text}"
            + (f", {x.comparison.ratio:.2f}×)" if x.comparison.ratio else ")")
            for x in e.exceedances
        ]
        if low_wqi and e.wqi is not None and e.wqi.wqi_class is not None:
            reasons.append(f"VN_WQI {e.wqi.value} ({e.wqi.wqi_class.name_vi})")
        out.append(
            {
                "point_id": e.point.id,
                "name": e.point.name,
                "medium": e.point.medium,
                "commune": e.point.commune,
                "exceedances": len(e.exceedances),
                "max_ratio": max((x.comparison.ratio or 0 for x in e.exceedances), default=None),
                "wqi": e.wqi.value if e.wqi else None,
                "repeat": e.point.id in was_exceeding,
                "reasons": "; ".join(reasons),
            }
        )
    return sorted(out, key=lambda r: (not r["repeat"], -(r["max_ratio"] or 0), r["point_id"]))
