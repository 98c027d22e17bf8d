"""The VN_WQI aggregation formula: a cited, documented choice (``data/wqi/aggregation.csv``).

QĐ 1460's official text was not read; implementations disagree between the cube-root "weighted"
core [mean_IV² · mean_V]^(1/3) and the square-root core [mean_IV · mean_V]^(1/2)
(regulations-2026-12.md §5.3). The service picks one with ``QUANTRAC_WQI_FORMULA`` (settings
call :func:`configure_wqi_formula` at start-up); every VN_WQI answer names the formula it used.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

AGGREGATION_FILE = Path(__file__).resolve().parent.parent / "data" / "wqi" / "aggregation.csv"
DEFAULT_FORMULA = "cube_root"


@dataclass(frozen=True, slots=True)
class WqiFormula:
    """One aggregation formula with where it comes from."""

    key: str
    expression: str
    label_vi: str
    label_en: str
    citation: str
    confidence: str
    note: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready (API answers and reports)."""
        return {
            "key": self.key,
            "expression": self.expression,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "citation": self.citation,
            "confidence": self.confidence,
        }


@cache
def wqi_formulas(path: Path = AGGREGATION_FILE) -> dict[str, WqiFormula]:
    """``{key: WqiFormula}`` from the aggregation file."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["key"]: WqiFormula(**r) for r in csv.DictReader(fh)}


_chosen: dict[str, str] = {"key": DEFAULT_FORMULA}


def configure_wqi_formula(key: str) -> None:
    """Choose the formula every later VN_WQI uses (ValueError names the known keys)."""
    if key not in wqi_formulas():
        known = ", ".join(sorted(wqi_formulas()))
        raise ValueError(f"VN_WQI formula {key!r} unknown; expected one of {known}")
    _chosen["key"] = key


def current_formula() -> WqiFormula:
    """The configured formula (the cube root unless configured)."""
    return wqi_formulas()[_chosen["key"]]
