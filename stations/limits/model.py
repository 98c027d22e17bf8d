"""The :class:`Limit` record: one row of a limits CSV, interpreted (never a value in code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

AVERAGINGS = ("1h", "8h", "24h", "year", "sample")
COLUMN_CLASSES = ("A", "B", "C", "D")


class Confidence(StrEnum):
    """How sure we are of a value (see /reference/regulations.md): missing = not entered yet."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit row. ``value`` is a maximum; ``low``/``high`` a permitted range (pH 6–9) or a
    minimum alone (DO ≥ 6 → ``low=6``). All three empty means the value is not known yet.

    Dates are local calendar days (Vietnam), inclusive at both ends; ``None`` means open.
    """

    regulation: str
    table: str
    medium: str
    parameter: str
    averaging: str
    column_class: str | None
    value: float | None
    low: float | None
    high: float | None
    unit: str
    effective_from: date | None
    effective_to: date | None
    applies_coefficients: bool
    citation: str
    confidence: Confidence
    note: str = ""
    source: str = ""  # "<file>:<row>" the row came from, for messages

    @property
    def missing(self) -> bool:
        """True when no value was entered (the officer must fill it in from the official text)."""
        return self.value is None and self.low is None and self.high is None

    @property
    def maximum(self) -> float | None:
        """The upper bound: ``value`` or ``high``, whichever is set (the smaller if both)."""
        bounds = [b for b in (self.value, self.high) if b is not None]
        return min(bounds) if bounds else None

    @property
    def low_confidence(self) -> bool:
        """True when answers that use this row must say the value is uncertain."""
        return self.confidence in (Confidence.LOW, Confidence.MISSING)

    def in_force(self, day: date) -> bool:
        """True when the row applies on local calendar ``day``."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def scaled(self, factor: float) -> tuple[float | None, float | None, float | None]:
        """(value, low, high) multiplied by a coefficient product where the row allows it.

        A range (pH) or a minimum is never scaled: the regulations apply Kq·Kf, K or Kp·Kv to
        concentration maxima only.
        """
        if not self.applies_coefficients or self.value is None:
            return self.value, self.low, self.high
        return self.value * factor, self.low, self.high
