"""Monitoring rounds (đợt quan trắc): a year and a number, and the dates a round covers.

The department samples twice a year, so by default round 1 covers January–June and round 2
July–December (local time, UTC+7). A sample taken outside its round's window is refused on
import, which catches the most common template mistake (wrong round number or year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from stations.errors import QuantracError
from stations.timeutil import VN_OFFSET

ROUNDS_PER_YEAR = 2
MIN_YEAR, MAX_YEAR = 2000, 2100


class UnknownRound(QuantracError, LookupError):
    """A round id (or year-number) with no round in the store."""

    def __init__(self, round_ref: str) -> None:
        super().__init__(
            f"Không có đợt quan trắc '{round_ref}' / no monitoring round '{round_ref}'"
        )
        self.round_ref = round_ref


@dataclass(frozen=True, slots=True)
class RoundWindow:
    """One round: ``starts_at`` inclusive, ``ends_at`` exclusive, UTC epoch seconds."""

    year: int
    number: int
    starts_at: int
    ends_at: int

    @property
    def label(self) -> str:
        """``"Đợt 1/2025"`` — how the department names a round."""
        return f"Đợt {self.number}/{self.year}"

    def contains(self, epoch: int) -> bool:
        """True when ``epoch`` falls in the round."""
        return self.starts_at <= epoch < self.ends_at


@cache
def round_window(year: int, number: int, per_year: int = ROUNDS_PER_YEAR) -> RoundWindow:
    """The window of round ``number`` of ``year`` when the year is split into ``per_year`` rounds.

    Raises ValueError for a year outside 2000–2100 or a number outside 1..per_year.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}: {year}")
    if not 1 <= number <= per_year:
        raise ValueError(f"round must be between 1 and {per_year}: {number}")
    months = 12 // per_year
    first_month = (number - 1) * months + 1
    start = datetime(year, first_month, 1, tzinfo=VN_OFFSET)
    end_month = first_month + months
    end = (
        datetime(year + 1, 1, 1, tzinfo=VN_OFFSET)
        if end_month > 12
        else datetime(year, end_month, 1, tzinfo=VN_OFFSET)
    )
    return RoundWindow(year, number, int(start.timestamp()), int(end.timestamp()))
