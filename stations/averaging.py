"""Averaging rules: hourly completeness, rolling 8-h, local-day 24-h and O2 normalisation.

Pure functions over hourly means keyed by UTC epoch hour start. Completeness (our documented
rule, the regulations set none for automatic data): an hourly mean counts when at least 75 % of
its expected readings are valid (QC-passed, device status 00); an 8-h mean needs 6 of 8 valid
hours and a 24-h mean 18 of 24. Days are local calendar days (UTC+7): a day's 24 hourly means
are those labelled 01:00 … 24:00 local, i.e. starting 00:00 … 23:00 (QĐ 1459 §2.2.2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

HOUR = 3600
DAY = 86400
LOCAL_OFFSET = 7 * HOUR  # Vietnam, no daylight saving since 1975
MIN_FRACTION = 0.75
ROLLING_HOURS, ROLLING_MIN_HOURS = 8, 6  # QCVN 05 8-h mean: valid with 6 of its 8 hours
DAY_MIN_HOURS = 18  # a local-day mean: valid with 18 of its 24 hours
O2_CONSTANT = 21.0  # QCVN 22:2009 form; QCVN 19:2024 may use 20.9 (regulations.md §5.3)


@dataclass(frozen=True, slots=True)
class Period:
    """One averaging period: [start, end) UTC epoch seconds and its mean (None = not valid)."""

    start: int
    end: int
    mean: float | None
    n_valid: int = 0  # valid hours (8 h, 24 h) or readings (1 h)


def expected_per_hour(interval_minutes: float) -> int:
    """Readings a station sends per hour at its reporting interval (5 min → 12)."""
    return max(1, round(60 / interval_minutes))


def readings_needed(expected: int, min_fraction: float = MIN_FRACTION) -> int:
    """Valid readings that make an hour complete: ``⌈0.75·expected⌉`` (9 of 12)."""
    return math.ceil(min_fraction * expected - 1e-9)


def hour_is_complete(n_valid: int, expected: int, min_fraction: float = MIN_FRACTION) -> bool:
    """True when an hour holds enough valid readings: ``n_valid ≥ ⌈0.75·expected⌉`` (9 of 12)."""
    return n_valid >= readings_needed(expected, min_fraction)


def complete_hours(
    rows: Iterable[tuple[int, float | None, int]], expected: int, min_fraction: float = MIN_FRACTION
) -> dict[int, float]:
    """``{hour_start: mean}`` for hours that pass the completeness rule.

    ``rows`` are ``(hour_start, mean, n_valid)``, e.g. from ``hourly_means``.
    """
    need = readings_needed(expected, min_fraction)  # once: a year is 78,840 rows
    return {start: mean for start, mean, n_valid in rows if mean is not None and n_valid >= need}


def local_day_start(epoch: int) -> int:
    """UTC epoch of the local (UTC+7) midnight that starts the day containing ``epoch``."""
    return (epoch + LOCAL_OFFSET) // DAY * DAY - LOCAL_OFFSET


def hour_floor(epoch: int) -> int:
    """Start of the UTC hour containing ``epoch`` (local hours align: UTC+7 is whole hours)."""
    return epoch // HOUR * HOUR


def rolling_periods(
    hours: Mapping[int, float],
    start: int,
    end: int,
    window_h: int = ROLLING_HOURS,
    min_hours: int = ROLLING_MIN_HOURS,
) -> list[Period]:
    """Rolling means ending at each hour end in (start, end]: the 8-h mean of QCVN 05.

    The period ending at ``t`` covers ``[t − 8 h, t)``; it is valid with ``min_hours`` hours.
    """
    out: list[Period] = []
    first_end = hour_floor(start) + HOUR
    for t in range(first_end, end + 1, HOUR):
        values = [hours[h] for h in range(t - window_h * HOUR, t, HOUR) if h in hours]
        if len(values) >= min_hours:
            out.append(Period(t - window_h * HOUR, t, sum(values) / len(values), len(values)))
    return out


def daily_periods(
    hours: Mapping[int, float], start: int, end: int, min_hours: int = DAY_MIN_HOURS
) -> list[Period]:
    """Local-day means (00:00–24:00 UTC+7) of the days overlapping [start, end)."""
    by_day: dict[int, list[float]] = {}
    for h, v in hours.items():
        if start - DAY < h < end:
            by_day.setdefault(local_day_start(h), []).append(v)
    return [
        Period(d, d + DAY, sum(vs) / len(vs), len(vs))
        for d, vs in sorted(by_day.items())
        if len(vs) >= min_hours and d + DAY > start and d < end
    ]


def periods_for(hours: Mapping[int, float], averaging: str, start: int, end: int) -> list[Period]:
    """Valid periods of one averaging (``1h``, ``8h``, ``24h``) whose end is in (start, end]."""
    if averaging == "1h":
        found = [Period(h, h + HOUR, v, 1) for h, v in sorted(hours.items())]
    elif averaging == "8h":
        found = rolling_periods(hours, start, end)
    elif averaging == "24h":
        found = daily_periods(hours, start, end)
    else:
        raise ValueError(f"unknown averaging {averaging!r}")
    return [p for p in found if start < p.end <= end]


def o2_normalise(
    concentration: float, o2_measured: float, o2_ref: float, constant: float = O2_CONSTANT
) -> float | None:
    """C_ref = C·(K − O2_ref)/(K − O2_measured), K = 21 (or 20.9); None when O2 ≥ K.

    Dry-basis volume %; the O2 reading must be from the same timestamp as C.
    """
    if o2_measured >= constant:
        return None
    return concentration * (constant - o2_ref) / (constant - o2_measured)
