"""A point's results in one round → comparisons, status, exceedances and VN_WQI (pure).

When a parameter was sampled more than once in a round, the worst result stands for it (an
exceedance with the highest ratio, else the latest sample); the point exceeds when any result
exceeds. VN_WQI is computed for surface-water points from the latest sampling day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stations.programme.catalogue import lab_catalogue
from stations.programme.compare import Comparison, Verdict, compare
from stations.programme.limits import LimitIndex, default_index
from stations.programme.wqi import WqiResult, compute_wqi
from stations.timeutil import epoch_to_local_iso

STATUS_COLOURS = {
    "meets": "#2E7D32",
    "exceeds": "#C62828",
    "no_limit": "#9E9E9E",
    "no_data": "#BDBDBD",
}
STATUS_LABELS = {
    "meets": "Đạt QCVN / meets",
    "exceeds": "Vượt QCVN / exceeds",
    "no_limit": "Chưa có giới hạn / no limit configured",
    "no_data": "Chưa có số liệu / no data",
}
MEDIUM_LABELS = {
    "surface_water": "Nước mặt / surface water",
    "groundwater": "Nước dưới đất / groundwater",
    "ambient_air": "Không khí xung quanh / ambient air",
    "noise": "Tiếng ồn / noise",
    "soil": "Đất / soil",
}


@dataclass(frozen=True, slots=True)
class PointInfo:
    """What evaluation needs to know about a monitoring point."""

    id: str
    name: str
    medium: str
    commune: str | None = None
    lon: float = 0.0
    lat: float = 0.0
    water_class: str | None = None
    synthetic: bool = False


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One stored laboratory result (canonical unit)."""

    round_id: int
    point_id: str
    parameter: str
    sampled_at: int
    averaging: str
    value: float
    unit: str
    qualifier: str = ""
    laboratory: str | None = None
    method: str | None = None
    synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A result with its comparison."""

    result: StoredResult
    comparison: Comparison

    def as_dict(self) -> dict[str, Any]:
        """``{value, unit, qualifier, limit, ratio, verdict, ...}`` for JSON."""
        c, r = self.comparison, self.result
        return {
            "value": r.value,
            "unit": r.unit,
            "qualifier": r.qualifier,
            "limit": c.limit_text,
            "ratio": None if c.ratio is None else round(c.ratio, 3),
            "verdict": c.verdict.value,
            "averaging": r.averaging,
            "sampled_at": epoch_to_local_iso(r.sampled_at),
            "regulation": c.limit.regulation if c.limit else None,
            "table": c.limit.table if c.limit else None,
            "column_class": c.limit.column_class if c.limit else None,
            "confidence": c.limit.confidence if c.limit else None,
            "message": c.message,
        }


@dataclass(frozen=True, slots=True)
class PointRound:
    """One point's outcome in one round."""

    point: PointInfo
    round_id: int | None
    status: str
    by_parameter: dict[str, Evaluated] = field(default_factory=dict)
    wqi: WqiResult | None = None

    @property
    def exceedances(self) -> list[Evaluated]:
        """Exceeding parameters, highest ratio first."""
        out = [e for e in self.by_parameter.values() if e.comparison.verdict is Verdict.EXCEEDS]
        return sorted(out, key=lambda e: -(e.comparison.ratio or 0))

    @property
    def colour(self) -> str:
        """The WQI class colour when there is a WQI, else the status colour."""
        if self.wqi is not None and self.wqi.wqi_class is not None:
            return self.wqi.wqi_class.hex
        return STATUS_COLOURS[self.status]

    def as_dict(self) -> dict[str, Any]:
        """The JSON view (see docs/programme.md, "Point results")."""
        cls = self.wqi.wqi_class if self.wqi else None
        return {
            "status": self.status,
            "wqi": self.wqi.value if self.wqi else None,
            "wqi_class": cls.name_vi if cls else None,
            "wqi_class_en": cls.name_en if cls else None,
            "wqi_note": self.wqi.reason if self.wqi else None,
            # which aggregation formula and which low-confidence sub-index rows the value used
            "wqi_method": self.wqi.method() if self.wqi else None,
            "colour": self.colour,
            "exceedances": [
                {"parameter": e.result.parameter, **e.as_dict()} for e in self.exceedances
            ],
            "results": {code: e.as_dict() for code, e in sorted(self.by_parameter.items())},
        }


def _worse(a: Evaluated, b: Evaluated) -> Evaluated:
    rank = {Verdict.EXCEEDS: 2}
    ka = (rank.get(a.comparison.verdict, 0), a.comparison.ratio or 0, a.result.sampled_at)
    kb = (rank.get(b.comparison.verdict, 0), b.comparison.ratio or 0, b.result.sampled_at)
    return a if ka >= kb else b


def evaluate_point(
    point: PointInfo,
    results: Iterable[StoredResult],
    index: LimitIndex | None = None,
    round_id: int | None = None,
) -> PointRound:
    """Compare each result of ``point`` (one round) with its limit; status and VN_WQI."""
    index = default_index() if index is None else index
    catalogue = lab_catalogue()
    cls = point.water_class if point.medium == "surface_water" else None
    chosen: dict[str, Evaluated] = {}
    results = list(results)
    for r in results:
        param = catalogue.get((r.parameter, point.medium))
        if param is None:
            continue
        limit = index.select(point.medium, r.parameter, r.averaging, r.sampled_at, cls)
        ev = Evaluated(r, compare(r.value, r.qualifier, param, limit))
        chosen[r.parameter] = _worse(chosen[r.parameter], ev) if r.parameter in chosen else ev
    if not chosen:
        status = "no_data"
    elif any(e.comparison.verdict is Verdict.EXCEEDS for e in chosen.values()):
        status = "exceeds"
    elif any(e.comparison.compared for e in chosen.values()):
        status = "meets"
    else:
        status = "no_limit"
    wqi = _latest_day_wqi(results) if point.medium == "surface_water" and results else None
    return PointRound(point, round_id, status, chosen, wqi)


def _latest_day_wqi(results: list[StoredResult]) -> WqiResult:
    last_day = max(epoch_to_local_iso(r.sampled_at)[:10] for r in results)
    values = {
        r.parameter: r.value for r in results if epoch_to_local_iso(r.sampled_at)[:10] == last_day
    }
    return compute_wqi(values)
