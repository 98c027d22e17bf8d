"""The rain data files (``stations/data/rain``): cited settings, tank constants, thresholds."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "rain"


@dataclass(frozen=True, slots=True)
class Setting:
    """One cited figure: value (None when missing), status known | provisional | missing."""

    key: str
    value: str | None
    unit: str
    status: str
    citation: str
    confidence: str


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of one CSV file of the rain data folder."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def settings() -> dict[str, Setting]:
    """``settings.csv`` by key."""
    out = {}
    for r in read_rows("settings.csv"):
        value = r["value"].strip() or None
        out[r["key"]] = Setting(
            r["key"], value, r["unit"], r["status"], r["citation"], r["confidence"]
        )
    return out


def number(key: str) -> float:
    """A numeric setting; raises when the figure is missing (an officer must enter it)."""
    s = settings()[key]
    if s.value is None:
        raise LookupError(f"{key}: giá trị chưa có / value missing ({s.citation})")
    return float(s.value)


@cache
def tank_constants() -> dict[str, float]:
    """The JMA tank constants (``tank_constants.csv``), name -> value."""
    return {r["name"]: float(r["value"]) for r in read_rows("tank_constants.csv")}
