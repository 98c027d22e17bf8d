"""Exceedance and near-limit episodes from a series of period means (pure state machine).

Per (station, parameter, averaging), in period order, with r = measured ÷ limit:
- compliant → exceeding when r > 1 (equal to the limit is compliant); → near when r ≥ near.
- exceeding stays open while r > 1 − hysteresis and closes at the end of the first period with
  r ≤ 1 − hysteresis, so a mean hovering at the limit does not open and close every hour.
  The band (Decree 45/2022) follows the peak ratio; a higher band appends an ``escalated`` event.
- near stays open while r ≥ near − hysteresis; an exceedance closes it.
- a period without a valid mean (incomplete hour, calibration 01, device error 02) changes
  nothing: it never opens, escalates or closes an episode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stations.averaging import Period
from stations.compliance.bands import band_of
from stations.compliance.rules import AppliedLimit

NEAR_FRACTION = 0.9
HYSTERESIS = 0.05
EXCEEDANCE, NEAR_LIMIT = "exceedance", "near_limit"


@dataclass(frozen=True, slots=True)
class EventDraft:
    """One event to append to ``compliance_events``."""

    event: str
    at: int
    value: float | None
    ratio: float | None
    band: int | None
    limit_value: float | None


@dataclass
class EpisodeDraft:
    """An episode as derived from the means (before it is matched with stored rows)."""

    kind: str
    limit: AppliedLimit
    opened_at: int
    last_period_end: int
    peak_value: float
    peak_ratio: float
    last_value: float
    last_ratio: float
    band: int | None
    closed_at: int | None = None
    events: list[EventDraft] = field(default_factory=list)

    @property
    def state(self) -> str:
        """open | closed."""
        return "open" if self.closed_at is None else "closed"


def _limit_number(limit: AppliedLimit) -> float | None:
    return limit.value if limit.value is not None else (limit.high or limit.low)


def _open(kind: str, p: Period, mean: float, r: float, limit: AppliedLimit) -> EpisodeDraft:
    band = band_of(r) if kind == EXCEEDANCE else None
    ep = EpisodeDraft(kind, limit, p.start, p.end, mean, r, mean, r, band)
    event = "opened" if kind == EXCEEDANCE else "near_limit_opened"
    ep.events.append(EventDraft(event, p.end, mean, r, band, _limit_number(limit)))
    return ep


def _close(ep: EpisodeDraft, p: Period, mean: float, r: float, limit: AppliedLimit) -> None:
    ep.closed_at = p.end
    ep.last_value, ep.last_ratio = mean, r
    event = "closed" if ep.kind == EXCEEDANCE else "near_limit_closed"
    ep.events.append(EventDraft(event, p.end, mean, r, ep.band, _limit_number(limit)))


def derive_episodes(
    periods: Iterable[tuple[Period, AppliedLimit | None]],
    *,
    near_fraction: float = NEAR_FRACTION,
    hysteresis: float = HYSTERESIS,
    initial: EpisodeDraft | None = None,
) -> list[EpisodeDraft]:
    """Episodes (closed and at most one open) from periods in time order, each with its limit.

    ``initial`` is the episode already open before the first period (incremental evaluation
    resumes from the stored state instead of replaying history).
    """
    current: EpisodeDraft | None = initial
    episodes: list[EpisodeDraft] = [initial] if initial is not None else []
    for p, limit in periods:
        if p.mean is None or limit is None:
            continue
        mean = p.mean
        r = limit.ratio(mean)
        if current is not None and current.kind == EXCEEDANCE:
            if r > 1:
                current.last_period_end = p.end
                current.last_value, current.last_ratio = mean, r
                if r > current.peak_ratio:
                    current.peak_value, current.peak_ratio = mean, r
                    band = band_of(r)
                    if current.band is not None and band > current.band:
                        current.band = band
                        current.events.append(
                            EventDraft("escalated", p.end, mean, r, band, _limit_number(limit))
                        )
                continue
            if r > 1 - hysteresis:
                current.last_value, current.last_ratio = mean, r
                continue
            _close(current, p, mean, r, limit)
            current = None
            if r >= near_fraction:
                current = _open(NEAR_LIMIT, p, mean, r, limit)
                episodes.append(current)
            continue
        if current is not None:  # near-limit episode
            if r > 1:
                _close(current, p, mean, r, limit)
                current = _open(EXCEEDANCE, p, mean, r, limit)
                episodes.append(current)
            elif r >= near_fraction - hysteresis:
                current.last_period_end = p.end
                current.last_value, current.last_ratio = mean, r
                if r > current.peak_ratio:
                    current.peak_value, current.peak_ratio = mean, r
            else:
                _close(current, p, mean, r, limit)
                current = None
            continue
        if r > 1:
            current = _open(EXCEEDANCE, p, mean, r, limit)
            episodes.append(current)
        elif r >= near_fraction:
            current = _open(NEAR_LIMIT, p, mean, r, limit)
            episodes.append(current)
    return episodes
