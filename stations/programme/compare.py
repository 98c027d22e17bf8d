"""Compare one laboratory result with the limit that applies (pure functions).

Rules (docs/programme.md, "Comparison rules"):

- A value equal to a maximum meets it; only a value strictly above a maximum, or strictly
  below a minimum, is an exceedance ("không vượt quá" in the QCVN tables means ≤).
- A below-detection result (qualifier ``<``) is never an exceedance. When its detection limit
  is above the limit the result is reported as inconclusive.
- A result above the upper quantification range (qualifier ``>``) is an exceedance only when its
  reported value is already above the maximum; otherwise it is inconclusive.
- The limit is converted to the result's unit with the parameter catalogue; a limit whose unit
  cannot be converted is treated as "no limit configured" and says so.
- ``ratio`` is value ÷ maximum for limits with a maximum (1.5 = 50 % over); None otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from stations.limits import Limit
from stations.programme.catalogue import LabParameter


class Verdict(StrEnum):
    """Outcome of one comparison."""

    MEETS = "meets"
    EXCEEDS = "exceeds"
    BELOW_DETECTION = "below_detection"
    INCONCLUSIVE = "inconclusive"
    NO_LIMIT = "no_limit"


@dataclass(frozen=True, slots=True)
class Comparison:
    """A result against its limit; bounds are in the result's unit."""

    verdict: Verdict
    low: float | None = None
    high: float | None = None
    ratio: float | None = None
    limit: Limit | None = None
    message: str = ""

    @property
    def compared(self) -> bool:
        """True when a limit with a value was applied (anything but NO_LIMIT)."""
        return self.verdict is not Verdict.NO_LIMIT

    @property
    def limit_text(self) -> str | None:
        """``≤ 0.3``, ``6.5–8.5``, ``≥ 5`` in the result's unit; None without a limit."""
        if self.low is not None and self.high is not None:
            return f"{self.low:g}–{self.high:g}"
        if self.low is not None:
            return f"≥ {self.low:g}"
        if self.high is not None:
            return f"≤ {self.high:g}"
        return None


def compare(value: float, qualifier: str, param: LabParameter, limit: Limit | None) -> Comparison:
    """Compare ``value`` (canonical unit of ``param``, qualifier '', '<' or '>') with ``limit``."""
    if limit is None:
        return Comparison(Verdict.NO_LIMIT, message="chưa cấu hình giới hạn / no limit configured")
    if limit.missing:
        return Comparison(
            Verdict.NO_LIMIT,
            limit=limit,
            message="giới hạn chưa được nhập, cần Sở xác nhận / limit to be entered by the "
            "department",
        )
    factor = param.factor_from(limit.unit)
    if factor is None:
        return Comparison(
            Verdict.NO_LIMIT,
            limit=limit,
            message=f"đơn vị giới hạn {limit.unit!r} không đổi được sang {param.unit!r} / "
            "limit unit not convertible",
        )
    low = None if limit.low is None else limit.low * factor
    upper = limit.maximum
    high = None if upper is None else upper * factor
    ratio = value / high if high else None
    above = high is not None and value > high
    below = low is not None and value < low
    base = Comparison(Verdict.MEETS, low, high, ratio, limit)
    if qualifier == "<":
        # A minimum (DO) cannot be judged from "< DL"; neither can a maximum below the DL.
        inconclusive = (high is not None and value > high) or low is not None
        return replace(
            base,
            verdict=Verdict.INCONCLUSIVE if inconclusive else Verdict.BELOW_DETECTION,
            ratio=None,
            message="dưới giới hạn phát hiện, không tính vượt / below detection, never an "
            "exceedance",
        )
    if qualifier == ">":
        if above:
            return replace(base, verdict=Verdict.EXCEEDS, message="vượt / exceeds (lower bound)")
        if high is None and not below:
            return base  # a minimum only (DO): a lower bound above it meets it
        return replace(
            base,
            verdict=Verdict.INCONCLUSIVE,
            message="trên ngưỡng định lượng / above the quantification range",
        )
    if above or below:
        return replace(base, verdict=Verdict.EXCEEDS, message="vượt / exceeds")
    return base
